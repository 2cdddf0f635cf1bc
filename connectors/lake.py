"""The checked raw layer as Parquet, for dbt on an engine other than DuckDB (SPEC §8: the same
project on Spark when one machine is not enough).

Ingest reads, checks, quarantines and reconciles in the working DuckDB database whatever the
engine, so the input rules live in one place. On Spark, the tables the models read (raw.* and the
load audit) are then landed in a folder, the lake, which each dbt build registers as views
(dbt_project/macros/lake_sources.sql):

    <lake>/raw/<table>/appends-<first>-<last>-<columns>-<stamp>.parquet
        raw rows by append number (audit.raw_appends): raw tables only ever grow, so a night
        writes one file with what it appended and leaves the rest of the history alone
    <lake>/<schema>/<table>/whole-<columns>.parquet
        a table without append numbers (the load audit, the holiday calendar): small, written whole

`<columns>` is a digest of the table's columns and types, `<stamp>` one of when append `<last>`
was made (audit.raw_appends). A table whose columns changed (a contract column added), or whose
landed files are not this database's appends (a warehouse made again from scratch numbers its
appends from 1 again), is landed again whole. Files are written under a hidden name and renamed
into place; Spark skips hidden files, so a night killed while landing leaves no partial file.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from connectors.sql import ident, literal

LANDED_SCHEMAS = ("raw", "audit")
APPENDS_FILE = re.compile(r"appends-(\d+)-(\d+)-([0-9a-f]+)-([0-9a-f]+)\.parquet")


@dataclass(frozen=True)
class LandedTable:
    table: str  # schema.table
    rows_written: int
    whole: bool  # written whole (a table without append numbers, or one landed again from scratch)


def land_checked_tables(con: duckdb.DuckDBPyConnection, lake_dir: Path) -> list[LandedTable]:
    """Bring the lake up to date with the working database's raw and audit tables."""
    schemas = ", ".join(literal(s) for s in LANDED_SCHEMAS)
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables "
        f"where table_catalog = current_database() and table_schema in ({schemas}) and table_type = 'BASE TABLE' "
        "order by table_schema, table_name"
    ).fetchall()
    return [_land(con, schema, table, lake_dir / schema / table) for schema, table in tables]


def _land(con: duckdb.DuckDBPyConnection, schema: str, table: str, folder: Path) -> LandedTable:
    source = f"{ident(schema)}.{ident(table)}"
    columns = con.execute(f"describe {source}").fetchall()
    signature = hashlib.sha256(";".join(f"{name} {kind}" for name, kind, *_ in columns).encode()).hexdigest()[:12]
    folder.mkdir(parents=True, exist_ok=True)
    if "_append_id" not in (name for name, *_ in columns):
        path = folder / f"whole-{signature}.parquet"
        rows = _write(con, f"select * from {source}", path)
        _remove_all_but(folder, path)
        return LandedTable(f"{schema}.{table}", rows, whole=True)

    through = con.execute(f"select coalesce(max(_append_id), 0) from {source}").fetchone()[0]
    landed = {path: APPENDS_FILE.fullmatch(path.name) for path in folder.glob("*.parquet")}
    landed_through = max((int(m[2]) for m in landed.values() if m), default=None)
    if landed_through is not None and _still_matches(con, source, signature, landed, landed_through):
        if through <= landed_through:
            return LandedTable(f"{schema}.{table}", 0, whole=False)
        path = folder / f"appends-{landed_through + 1}-{through}-{signature}-{_stamp(con, through)}.parquet"
        rows = _write(con, f"select * from {source} where _append_id > {int(landed_through)}", path)
        return LandedTable(f"{schema}.{table}", rows, whole=False)
    # first landing, new columns, or a lake that is not this database's: everything, once
    path = folder / f"appends-0-{through}-{signature}-{_stamp(con, through)}.parquet"
    rows = _write(con, f"select * from {source}", path)
    _remove_all_but(folder, path)
    return LandedTable(f"{schema}.{table}", rows, whole=True)


def _stamp(con: duckdb.DuckDBPyConnection, append_id: int) -> str:
    """A digest of when this database made the append (none: rows from before appends were numbered)."""
    made = con.execute("select max(appended_at) from audit.raw_appends where append_id = ?", [append_id]).fetchone()[0]
    return hashlib.sha256(str(made).encode()).hexdigest()[:8]


def _still_matches(con: duckdb.DuckDBPyConnection, source: str, signature: str,
                   landed: dict[Path, re.Match | None], landed_through: int) -> bool:
    """Whether the landed files are this table's rows up to `landed_through`, in today's columns.
    Counting the files reads only their footers."""
    if any(m is None or m[3] != signature for m in landed.values()):
        return False
    last = next(m for m in landed.values() if int(m[2]) == landed_through)
    if last[4] != _stamp(con, landed_through):
        return False
    files = ", ".join(literal(str(path)) for path in landed)
    in_lake = con.execute(f"select count(*) from read_parquet([{files}])").fetchone()[0]
    in_database = con.execute(
        f"select count(*) from {source} where _append_id <= {int(landed_through)} or _append_id is null"
    ).fetchone()[0]
    return in_lake == in_database


def _write(con: duckdb.DuckDBPyConnection, query: str, path: Path) -> int:
    """Write the query's rows to `path` (an empty table still gets a file: Spark needs its schema)."""
    hidden = path.with_name(f".{path.name}.writing")
    written = con.execute(f"copy ({query}) to {literal(str(hidden))} (format parquet, compression zstd)").fetchone()[0]
    os.replace(hidden, path)
    return written


def _remove_all_but(folder: Path, keep: Path) -> None:
    for path in folder.iterdir():
        if path != keep and path.is_file():
            path.unlink()
