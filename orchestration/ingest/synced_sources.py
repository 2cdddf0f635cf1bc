"""Before a night's load: pull what EL tools synced into PostgreSQL since the last pull
(connectors/el_postgres.py) into the work folder's `synced/<format>/`, which the load reads like a
format folder of the inbox.

Where each table stopped is kept in `audit.el_syncs`, one row per table and pull, written once its
file is in place: a night that dies after the pull loads the file the next night (it is still
there, and the mark has moved past its rows), and a night that dies during it pulls the same rows
again. A pulled file is removed once every table it feeds has loaded it: the working database keeps
its rows, so no copy of a CRM's personal data lies around longer than it is needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from connectors.el_postgres import SchemaPull, connect, pull_schema
from connectors.files import private_folder, sha256_of
from connectors.source_formats import SourceFormat
from orchestration.ingest.loading import has_table

EL_SYNCS_DDL = """
create schema if not exists audit;
create table if not exists audit.el_syncs (
    source_format varchar not null,
    schema_name varchar not null,
    table_name varchar not null,
    format_table varchar not null,  -- the format's table it was read as
    sync_column varchar not null,
    synced_after varchar,          -- the mark this pull read after (null: the first pull, every row)
    synced_through varchar not null,
    rows_pulled bigint not null,
    file_name varchar not null,
    sha256 varchar not null,
    pulled_at timestamptz not null
);
"""


@dataclass(frozen=True)
class ElSource:
    format: str
    schema: str


def parse_el_schemas(setting: str | None) -> list[ElSource]:
    """`salesforce=fivetran_salesforce, account_engagement` → the format each schema is read as
    (a bare name: the schema is named after its format)."""
    sources = []
    for item in (setting or "").split(","):
        if item.strip():
            format_name, _, schema = item.partition("=")
            sources.append(ElSource(format_name.strip(), (schema or format_name).strip()))
    return sources


def pull_synced_sources(
    con: duckdb.DuckDBPyConnection, sources: list[ElSource], dsn: str, formats: Mapping[str, SourceFormat], synced_dir: Path,
) -> list[str]:
    """Pull every configured schema; the lines the run log shows."""
    con.execute(EL_SYNCS_DDL)
    private_folder(synced_dir)
    lines = []
    with connect(dsn) as pg:
        for source in sources:
            marks = dict(con.execute(
                "select table_name, arg_max(synced_through, pulled_at) from audit.el_syncs "
                "where source_format = ? and schema_name = ? group by table_name", [source.format, source.schema],
            ).fetchall())
            pulled = pull_schema(pg, formats[source.format], source.schema, synced_dir / source.format, marks)
            _record(con, source, pulled)
            lines.append(_summary(source, pulled))
    return lines


def _record(con: duckdb.DuckDBPyConnection, source: ElSource, pulled: SchemaPull) -> None:
    now = datetime.now(UTC)
    for table in pulled.synced:
        if table.path is not None:
            con.execute("insert into audit.el_syncs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
                source.format, table.schema, table.table, table.format_table, table.sync_column, table.synced_after, table.synced_through,
                table.rows, table.path.name, sha256_of(table.path), now])


def _summary(source: ElSource, pulled: SchemaPull) -> str:
    read = ", ".join(f"{t.table} {t.rows:,}" for t in pulled.synced) or "no table"
    line = f"{source.format} from PostgreSQL schema {source.schema}: rows synced since the last pull: {read}"
    if pulled.without_sync_column:
        line += (f"; not read, no sync timestamp column ({', '.join(pulled.without_sync_column)}): sync them with the EL "
                 "tool's `_fivetran_synced` / `_airbyte_extracted_at` column")
    return line


def remove_loaded_pulls(con: duckdb.DuckDBPyConnection, synced_dir: Path, formats: Mapping[str, SourceFormat]) -> None:
    """After the night's load: remove the pulled files that every entity their table feeds has loaded."""
    if not has_table(con, "audit", "el_syncs") or not has_table(con, "audit", "load_files"):
        return
    pulled = con.execute(
        "select s.source_format, s.format_table, s.file_name, list(distinct f.entity) filter (where f.status = 'loaded') "
        "from audit.el_syncs s left join audit.load_files f on f.sha256 = s.sha256 group by all"
    ).fetchall()
    for format_name, format_table, file_name, loaded_entities in pulled:
        path = synced_dir / format_name / file_name
        table = next((t for t in formats[format_name].tables if t.name == format_table), None) if format_name in formats else None
        if table and path.exists() and {o.entity for o in table.outputs} <= set(loaded_entities or ()):
            path.unlink()

