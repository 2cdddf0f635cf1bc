"""The checked raw layer as Parquet, for dbt on an engine other than DuckDB (SPEC §8: the same
project on Spark when one machine is not enough).

Ingest reads, checks, quarantines and reconciles in the working DuckDB database whatever the
engine, so the input rules live in one place. On Spark, the tables the models read (raw.* and the
load audit) are then landed in a folder, the lake, which each dbt build registers
(dbt_project/macros/lake_sources.sql):

    <lake>/raw/<table>/load_date=<day>/appends-<first>-<last>-<columns>-<stamp>.parquet
        raw rows by append number (audit.raw_appends): raw tables only ever grow, so a night
        writes what it appended, in the folder of the (UTC) day each append was made, and leaves
        the rest of the history alone. Spark reads them as a table partitioned by load date, so a
        night's appends are read without listing every night before it.
    <lake>/raw/<table>/load_date=1970-01-01/columns-<columns>.parquet
        no rows: the table's columns, so a table with none has them (rows from before appends were
        numbered, which have no load date, sit beside it)
    <lake>/<schema>/<table>/whole-<columns>.parquet
        a table without append numbers (the load audit, the holiday calendar): small, written whole

`<columns>` is a digest of the table's columns and types, `<stamp>` one of when append `<last>`
was made. A table whose columns changed (a contract column added), or whose landed files are not
this database's appends (a warehouse made again from scratch numbers its appends from 1 again), is
landed again whole. Files are written under a hidden name and renamed into place; Spark skips
hidden files, so a night killed while landing leaves no partial file. audit.lake_partitions lists
each raw table's load-date folders with the appends they hold: the build registers the new ones.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from connectors.sql import ident, literal

LANDED_SCHEMAS = ("raw", "audit")
APPENDS_FILE = re.compile(r"appends-(\d+)-(\d+)-([0-9a-f]+)-([0-9a-f]+)(?:\.\d+)?\.parquet")
PARTITION_COLUMN = "load_date"
UNNUMBERED_LOAD_DATE = "1970-01-01"  # rows from before appends were numbered; the columns file
# the (UTC) day an append was made, for a raw row `r` joined to its append `a` in audit.raw_appends
LOAD_DATE = f"coalesce(cast(timezone('UTC', a.appended_at) as date), date '{UNNUMBERED_LOAD_DATE}')"


@dataclass(frozen=True)
class LandedTable:
    table: str  # schema.table
    rows_written: int
    whole: bool  # written whole (a table without append numbers, or one landed again from scratch)
    # a raw table with append numbers, in load-date folders: the catalog table Spark reads it
    # through, named after the table's last whole landing, so a table landed whole again (new
    # columns, new folders) is registered again from its folders
    catalog_table: str | None = None


def land_checked_tables(con: duckdb.DuckDBPyConnection, lake_dir: Path) -> list[LandedTable]:
    """Bring the lake up to date with the working database's raw and audit tables: the raw tables
    first, then audit.lake_partitions that lists their folders, then the audit."""
    schemas = ", ".join(literal(s) for s in LANDED_SCHEMAS)

    def tables(schema_filter: str) -> list[tuple[str, str]]:
        return con.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_catalog = current_database() and table_schema in ({schemas}) and table_type = 'BASE TABLE' "
            f"and table_schema {schema_filter} order by table_schema, table_name"
        ).fetchall()

    landed = [_land(con, schema, table, lake_dir / schema / table) for schema, table in tables("= 'raw'")]
    _record_partitions(con, {t.table.split(".", 1)[1]: t.catalog_table for t in landed if t.catalog_table})
    return landed + [_land(con, schema, table, lake_dir / schema / table) for schema, table in tables("<> 'raw'")]


def _land(con: duckdb.DuckDBPyConnection, schema: str, table: str, folder: Path) -> LandedTable:
    source = f"{ident(schema)}.{ident(table)}"
    columns = con.execute(f"describe {source}").fetchall()
    signature = hashlib.sha256(";".join(f"{name} {kind}" for name, kind, *_ in columns).encode()).hexdigest()[:12]
    folder.mkdir(parents=True, exist_ok=True)
    if schema != "raw" or "_append_id" not in (name for name, *_ in columns):
        path = folder / f"whole-{signature}.parquet"
        rows = _write(con, f"select * from {source}", path)
        _remove_all_but(folder, {path})
        return LandedTable(f"{schema}.{table}", rows, whole=True)

    through = con.execute(f"select coalesce(max(_append_id), 0) from {source}").fetchone()[0]
    columns_file = folder / f"{PARTITION_COLUMN}={UNNUMBERED_LOAD_DATE}" / f"columns-{signature}.parquet"
    landed = {path: APPENDS_FILE.fullmatch(path.name) for path in folder.glob("*/*.parquet") if not path.name.startswith("columns-")}
    landed_through = max((int(m[2]) for m in landed.values() if m), default=0)
    whole_landing = next((m for m in landed.values() if m and m[1] == "0"), None)
    if (whole_landing and columns_file.exists() and not any(folder.glob("*.parquet"))
            and _still_matches(con, source, signature, landed, landed_through)):
        catalog_table = _catalog_table(table, "-".join(("appends", *whole_landing.groups())))
        if through <= landed_through:
            return LandedTable(f"{schema}.{table}", 0, whole=False, catalog_table=catalog_table)
        stem = f"appends-{landed_through + 1}-{through}-{signature}-{_stamp(con, through)}"
        rows, _ = _write_by_load_date(con, f"select * from {source} where _append_id > {int(landed_through)}", folder, stem)
        return LandedTable(f"{schema}.{table}", rows, whole=False, catalog_table=catalog_table)
    # first landing, new columns, a lake that is not this database's, or an older lake's layout
    # (files straight in the table's folder): everything, once
    stem = f"appends-0-{through}-{signature}-{_stamp(con, through)}"
    rows, written = _write_by_load_date(con, f"select * from {source}", folder, stem)
    _write(con, f"select * from {source} limit 0", columns_file)
    _remove_all_but(folder, {*written, columns_file})
    return LandedTable(f"{schema}.{table}", rows, whole=True, catalog_table=_catalog_table(table, stem))


def _catalog_table(table: str, whole_landing_stem: str) -> str:
    return f"{table}__by_load_date_{hashlib.sha256(whole_landing_stem.encode()).hexdigest()[:12]}"


def _record_partitions(con: duckdb.DuckDBPyConnection, catalog_tables: dict[str, str]) -> None:
    """audit.lake_partitions: each raw table's load-date folders, with the appends each holds (the
    columns folder holds none) and the catalog table Spark reads them through, from the append log
    rather than a listing of the lake."""
    tables = ", ".join(f"({literal(table)}, {literal(catalog)})" for table, catalog in catalog_tables.items())
    partitioned = f"(values {tables})" if tables else "(select null, null where false)"
    con.execute(f"""
        create or replace table audit.lake_partitions as
        with partitioned(table_name, catalog_table) as {partitioned}
        select table_name, date '{UNNUMBERED_LOAD_DATE}' as {PARTITION_COLUMN}, 0 as first_append_id, 0 as last_append_id,
               catalog_table
        from partitioned
        union all
        select a.entity, {LOAD_DATE}, min(a.append_id), max(a.append_id), any_value(partitioned.catalog_table)
        from audit.raw_appends as a join partitioned on partitioned.table_name = a.entity
        group by 1, 2
        order by all
    """)


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
    path.parent.mkdir(parents=True, exist_ok=True)
    hidden = path.with_name(f".{path.name}.writing")
    written = con.execute(f"copy ({query}) to {literal(str(hidden))} (format parquet, compression zstd)").fetchone()[0]
    os.replace(hidden, path)
    return written


def _write_by_load_date(con: duckdb.DuckDBPyConnection, query: str, folder: Path, stem: str) -> tuple[int, set[Path]]:
    """The query's raw rows in the load-date folder of the append each was made in, as `stem`.parquet
    (the folder names the date: the files do not hold it). Written in a hidden folder first."""
    staging = folder / f".{stem}.writing"
    shutil.rmtree(staging, ignore_errors=True)
    written = con.execute(
        f"copy (select r.*, {LOAD_DATE} as {PARTITION_COLUMN} from ({query}) as r "
        "left join audit.raw_appends as a on a.append_id = r._append_id) "
        f"to {literal(str(staging))} (format parquet, compression zstd, partition_by ({PARTITION_COLUMN}))"
    ).fetchone()[0]
    paths: set[Path] = set()
    for day in sorted(p for p in staging.glob("*") if p.is_dir()):  # no rows: no folder at all
        (folder / day.name).mkdir(exist_ok=True)
        for n, part in enumerate(sorted(day.glob("*.parquet"))):
            path = folder / day.name / (f"{stem}.parquet" if n == 0 else f"{stem}.{n}.parquet")
            os.replace(part, path)
            paths.add(path)
    shutil.rmtree(staging, ignore_errors=True)
    return written, paths


def _remove_all_but(folder: Path, keep: set[Path]) -> None:
    """Every other file of the table's folder and its load-date folders, and folders left empty."""
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_file() and path not in keep:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
