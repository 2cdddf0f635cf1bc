"""Tables an EL tool (Fivetran, Airbyte, Stitch) syncs into a PostgreSQL schema, read as the files
of a vendor format.

Each table of the schema whose columns carry one of the format's table signatures (the same
recognition as a file's header: `created_date` is `CreatedDate`) is read from where the last pull
stopped, by the EL tool's own sync timestamp (`_fivetran_synced`, `_airbyte_extracted_at`, …):
only the rows synced since, up to the latest synced when the pull began, in one snapshot. They
are written as one CSV per table and pull (COPY, streamed), which the nightly load then treats
like any export of the format: the same column maps, input rules, quarantine, reconciliation and
re-admission. Instants are written in UTC with their offset, booleans as true / false.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from connectors.source_formats import FormatError, SourceFormat

# the column each EL tool stamps a row with when it synced it, in the order they are looked for
SYNC_COLUMNS = ("_fivetran_synced", "_airbyte_extracted_at", "_airbyte_emitted_at", "_sdc_batched_at")
ENV_PREFIX, FILE_PREFIX = "env:", "file:"
PASSWORD = re.compile(r"(^|\s)password\s*=|://[^/@\s]*:[^/@\s]*@", re.IGNORECASE)


class SourceUnavailable(Exception):
    """The EL database cannot be read as configured; the message says what to do."""


@dataclass(frozen=True)
class SyncedTable:
    schema: str
    table: str  # the PostgreSQL table
    format_table: str  # the format's table it was recognised as
    sync_column: str
    synced_after: str | None  # the last pull's mark (None: the first pull reads every row)
    synced_through: str | None  # this pull's mark: the latest sync timestamp read (None: no new row)
    rows: int
    path: Path | None  # the CSV written (None: no new row)


@dataclass(frozen=True)
class SchemaPull:
    synced: list[SyncedTable]
    without_sync_column: list[str]  # recognised tables with no sync timestamp: not read


def resolve_dsn(setting: str | None, workspace_root: Path) -> str:
    """The connection string: `env:NAME` reads it from that environment variable, `file:PATH`
    from a file (relative to the workspace); anything else is a libpq string that must not hold
    a password (libpq reads one from ~/.pgpass or PGPASSWORD); empty: the PG* environment."""
    setting = (setting or "").strip()
    if setting.startswith(ENV_PREFIX):
        name = setting.removeprefix(ENV_PREFIX)
        if name not in os.environ:
            raise SourceUnavailable(f"el_postgres_dsn names the environment variable {name}, which is not set; set it to the "
                                    "EL database's connection string and rerun")
        return os.environ[name]
    if setting.startswith(FILE_PREFIX):
        path = Path(setting.removeprefix(FILE_PREFIX)).expanduser()
        path = path if path.is_absolute() else workspace_root / path
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as error:
            raise SourceUnavailable(f"el_postgres_dsn names the file {path}, which cannot be read ({error.strerror}); "
                                    "put the EL database's connection string there and rerun") from None
    if PASSWORD.search(setting):
        raise SourceUnavailable("el_postgres_dsn in iskpi.yml holds a password: move the connection string to an environment "
                                "variable (el_postgres_dsn: env:NAME) or a file (el_postgres_dsn: file:PATH), or the password to "
                                "~/.pgpass, and rerun")
    return setting


def connect(dsn: str) -> psycopg.Connection:
    try:
        return psycopg.connect(dsn, autocommit=False)
    except psycopg.OperationalError as error:
        # libpq's message names the host and the reason, never the password
        raise SourceUnavailable(f"cannot connect to the EL database ({str(error).strip()}); check el_postgres_dsn in iskpi.yml "
                                "(or the PG* environment) and rerun") from None


def pull_schema(
    pg: psycopg.Connection, source_format: SourceFormat, schema: str, folder: Path, marks: Mapping[str, str],
) -> SchemaPull:
    """Write the rows each recognised table synced after its mark (`marks`: table → the last
    pull's synced_through) to `folder`, in one repeatable-read snapshot of the schema."""
    folder.mkdir(parents=True, exist_ok=True)
    with pg.transaction():
        pg.execute("set transaction isolation level repeatable read, read only")
        pg.execute("set local timezone = 'UTC'")
        pg.execute("set local datestyle = 'ISO, YMD'")
        columns: dict[str, list[tuple[str, str]]] = {}
        for table, column, data_type in pg.execute(
            "select table_name, column_name, data_type from information_schema.columns where table_schema = %s "
            "order by table_name, ordinal_position", [schema],
        ):
            columns.setdefault(table, []).append((column, data_type))
        if not columns:
            raise SourceUnavailable(f"the EL database has no table in schema {schema!r} (or this user may not read it); check "
                                    "el_postgres_schemas in iskpi.yml and the user's grants, and rerun")
        # a table no table of the format matches is skipped: an EL tool syncs every object it sees
        synced, without_sync = [], []
        for table, table_columns in columns.items():
            try:
                format_table = source_format.table([name for name, _ in table_columns])
            except FormatError:
                format_table = None
            if format_table is None:
                continue
            names = {name.lower(): name for name, _ in table_columns}
            sync_column = next((names[c] for c in SYNC_COLUMNS if c in names), None)
            if sync_column is None:
                without_sync.append(table)
                continue
            synced.append(_pull_table(pg, schema, table, table_columns, format_table.name, sync_column, folder, marks.get(table)))
    return SchemaPull(synced, without_sync)


def _pull_table(pg: psycopg.Connection, schema: str, table: str, table_columns: list[tuple[str, str]], format_table: str,
                sync_column: str, folder: Path, mark: str | None) -> SyncedTable:
    relation = sql.Identifier(schema, table)
    synced = sql.Identifier(sync_column)
    after = sql.SQL("{} > {}").format(synced, sql.Literal(mark)) if mark else sql.SQL("true")
    rows, through = pg.execute(
        sql.SQL("select count(*), max({})::text from {} where {}").format(synced, relation, after)
    ).fetchone()
    if not rows:
        return SyncedTable(schema, table, format_table, sync_column, mark, None, 0, None)
    selected = sql.SQL(", ").join(_as_text(name, data_type) for name, data_type in table_columns)
    query = sql.SQL("copy (select {} from {} where {} and {} <= {} order by {}) to stdout with (format csv, header true)").format(
        selected, relation, after, synced, sql.Literal(through), synced)
    path = folder / f"{schema}.{table}.synced-{_compact(through)}.csv"
    partial = path.with_name(f".{path.name}.partial")  # a pull killed midway leaves no file the load would read
    with partial.open("wb") as sink, pg.cursor().copy(query) as copy:
        for block in copy:
            sink.write(block)
    partial.replace(path)
    return SyncedTable(schema, table, format_table, sync_column, mark, through, rows, path)


def _as_text(column: str, data_type: str) -> sql.Composable:
    """A column as the text a vendor format reads: an instant in UTC with its offset (PostgreSQL's
    own `+00` is no offset the load reads), a boolean as true / false."""
    name = sql.Identifier(column)
    if data_type == "timestamp with time zone":
        return sql.SQL("""to_char({} at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US"+00:00"') as {}""").format(name, name)
    if data_type == "boolean":
        return sql.SQL("{}::text as {}").format(name, name)
    return name


def _compact(instant: str) -> str:
    return re.sub(r"[^0-9]", "", instant)[:20]
