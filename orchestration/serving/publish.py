"""Publish: the marts and the load audit in a new file, swapped in atomically; the event facts
as monthly Parquet segments, written again only for the months that changed.

Readers (BI, analysts) only ever open the published file. The run never opens it: it builds a
sibling file and renames it over the old one, so a reader holding the old file open keeps a
consistent snapshot and never blocks the run, and a crash before the rename changes nothing.

The event facts (a row per call, per e-mail message, per stage change of a lead) hold most of
the published rows, and a night changes few of their months. The published file holds each as
a view over one Parquet file per month in `<file name>.segments/` beside it. A segment's name
carries its row count and a checksum of its rows, so a month whose rows did not change keeps
its file and a night writes only what changed. Segments are never overwritten, and those of the
last KEPT_PUBLISHES publishes stay, so a reader holding an earlier file open (a BI connection kept
for days) still reads whole tables. (The view names the segments by absolute path: a moved warehouse folder is published
again by the next run, or by `iskpi run --full-refresh`.)
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path

import duckdb

from connectors.sql import DuckDBLimits, ident, literal
from orchestration.workspace import segments_dir

# tables, or views over Parquet where Spark built the marts (orchestration/transform/spark.py)
PUBLISHED_TABLES_SQL = """
select table_schema, table_name from information_schema.tables
where table_catalog = 'work'
  and (table_schema = 'marts' or (table_schema = 'audit' and table_name = 'load_files'))
order by table_schema, table_name
"""

# published as monthly segments: (schema, table) -> the date column that makes the month
SEGMENTED_TABLES = {
    ("marts", "fct_call"): "started_date",
    ("marts", "fct_email_message"): "sent_date",
    ("marts", "fct_stage_transition"): "changed_date",
}

# the segments each of the last publishes reads, newest first: the ones kept
SEGMENT_LIST = "published.json"
# A BI tool may hold a connection to the published file open for days; it goes on reading the file
# it opened, whose segments stay for this many publishes (a week of nights). Only the months a
# night changed are new files, so that costs a few copies of the latest months.
KEPT_PUBLISHES = 7


def publish_warehouse(work_db: Path, published: Path, limits: DuckDBLimits) -> list[str]:
    published.parent.mkdir(parents=True, exist_ok=True)
    # from a run killed mid-publish: no other run is writing (the run lock), so none is in progress
    for leftover in published.parent.glob(f".{published.name}.*.building*"):
        leftover.unlink()
    building = published.with_name(f".{published.name}.{uuid.uuid4().hex}.building")
    segments: list[Path] = []
    try:
        with limits.apply(duckdb.connect(str(building))) as con:
            con.execute(f"attach {literal(str(work_db))} as work (read_only)")
            tables = con.execute(PUBLISHED_TABLES_SQL).fetchall()
            for schema, table in tables:
                con.execute(f"create schema if not exists {ident(schema)}")
                month_column = SEGMENTED_TABLES.get((schema, table))
                files = _publish_segments(con, schema, table, month_column, segments_dir(published)) if month_column else []
                if files:
                    paths = ", ".join(literal(str(f)) for f in files)
                    con.execute(f"create view {ident(schema)}.{ident(table)} as select * from read_parquet([{paths}])")
                    segments += files
                else:
                    con.execute(f"create table {ident(schema)}.{ident(table)} as select * from work.{ident(schema)}.{ident(table)}")
            con.execute("detach work")
        os.replace(building, published)
    finally:
        building.unlink(missing_ok=True)
    _keep_only(segments_dir(published), segments)
    return [f"{schema}.{table}" for schema, table in tables]


def _publish_segments(con: duckdb.DuckDBPyConnection, schema: str, table: str, month_column: str, folder: Path) -> list[Path]:
    """The table's monthly segment files, writing those whose rows are not published yet."""
    source = f"work.{ident(schema)}.{ident(table)}"
    month = f"coalesce(strftime({ident(month_column)}, '%Y-%m'), 'undated')"
    columns = con.execute(
        "select string_agg(column_name || ' ' || data_type, ', ' order by ordinal_position) from information_schema.columns "
        "where table_catalog = 'work' and table_schema = ? and table_name = ?", [schema, table],
    ).fetchone()[0]
    months = con.execute(
        f"select {month} as month, count(*), sum(hash(published_row)) from {source} as published_row group by all order by month"
    ).fetchall()
    table_dir = folder / table
    wanted = {
        m: table_dir / f"{m}.{hashlib.sha256(f'{columns}|{rows}|{checksum}'.encode()).hexdigest()[:16]}.parquet"
        for m, rows, checksum in months
    }
    missing = [m for m, path in wanted.items() if not path.exists()]
    if missing:
        table_dir.mkdir(parents=True, exist_ok=True)
        staging = table_dir / f".writing-{uuid.uuid4().hex}"
        try:
            con.execute(
                f"copy (select *, {month} as _segment from {source} where {month} in (select unnest(?::varchar[]))) "
                f"to {literal(str(staging))} (format parquet, compression zstd, partition_by (_segment))",
                [missing],
            )
            for m in missing:
                written = sorted((staging / f"_segment={m}").glob("*.parquet"))
                if len(written) != 1:  # one file per partition unless a size limit splits it
                    raise RuntimeError(f"publishing {table} {m}: expected one Parquet file, found {len(written)}")
                os.replace(written[0], wanted[m])
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return list(wanted.values())


def _keep_only(folder: Path, published_now: list[Path]) -> None:
    """Delete the segments none of the last KEPT_PUBLISHES published files reads."""
    listing = folder / SEGMENT_LIST
    if not folder.exists():
        return
    earlier = json.loads(listing.read_text()) if listing.exists() else []
    if earlier and isinstance(earlier[0], str):  # written by a version that kept one publish
        earlier = [earlier]
    kept = [sorted(str(p) for p in published_now), *earlier][:KEPT_PUBLISHES]
    keep = {path for publish in kept for path in publish}
    for path in folder.glob("*/*.parquet"):
        if str(path) not in keep:
            path.unlink()
    listing.write_text(json.dumps(kept))
