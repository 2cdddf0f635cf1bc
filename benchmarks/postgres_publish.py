"""How long the PostgreSQL publish takes: a published warehouse into an empty database; again with
nothing changed; and a night's publish, with the latest month of the event facts and every
KPI mart changed (a copy of the warehouse, altered so).

    python -m benchmarks.postgres_publish --warehouse WS/warehouse/iskpi.duckdb --dsn "host=… dbname=…"

The database should be a throwaway one: the marts there are replaced. Prints the figures and the
database's size; writes them to benchmarks/results/postgres-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import time
from pathlib import Path

import duckdb
import psycopg

from connectors.sql import DuckDBLimits
from orchestration.serving.postgres import PostgresTarget, publish_to_postgres
from orchestration.serving.publish import SEGMENTED_TABLES

RESULTS = Path(__file__).with_name("results")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True, help="a published iskpi.duckdb")
    parser.add_argument("--dsn", required=True, help="libpq connection string of a throwaway database")
    parser.add_argument("--temp-directory", default="/tmp/iskpi-postgres-bench")
    args = parser.parse_args()
    Path(args.temp_directory).mkdir(parents=True, exist_ok=True)
    limits, target = DuckDBLimits(temp_directory=args.temp_directory), PostgresTarget(args.dsn)
    with duckdb.connect(str(args.warehouse), read_only=True) as con:
        rows = con.execute(
            "select sum(estimated_size) from duckdb_tables() where schema_name = 'marts'"
        ).fetchone()[0] or 0
        event_rows = sum(con.execute(f"select count(*) from marts.{t}").fetchone()[0] for t in ("fct_call", "fct_email_message"))
    figures = {"warehouse": str(args.warehouse), "mart_table_rows": rows + event_rows, "machine": f"{platform.machine()}, {platform.node()}"}
    night = a_night_later(args.warehouse, Path(args.temp_directory))
    for run, warehouse in (("first", args.warehouse), ("unchanged", args.warehouse), ("night", night)):
        started = time.monotonic()
        report = publish_to_postgres(warehouse, target, limits)
        figures[run] = {"seconds": round(time.monotonic() - started, 2), "written": report.written, "unchanged": len(report.unchanged)}
        print(f"{run:10} {figures[run]['seconds']:8.1f} s  {len(report.written)} tables written, {len(report.unchanged)} unchanged")
    night.unlink()
    with psycopg.connect(args.dsn) as pg:
        figures["database_bytes"] = pg.execute("select pg_database_size(current_database())").fetchone()[0]
    print(f"rows published: {figures['mart_table_rows']:,}; database size {figures['database_bytes'] / 2**20:,.0f} MiB")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"postgres-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(figures, indent=2))
    print(f"written to {out}")


def a_night_later(warehouse: Path, folder: Path) -> Path:
    """A copy of the warehouse whose event facts changed in their latest month and whose KPI marts
    all changed: what the next night publishes, near enough."""
    night = folder / "a-night-later.duckdb"
    shutil.copyfile(warehouse, night)
    with duckdb.connect(str(night)) as con:
        for (schema, table), month_column in SEGMENTED_TABLES.items():
            con.execute(f"create table {schema}.{table}__copy as from {schema}.{table}")
            kind = con.execute("select table_type from information_schema.tables where table_schema = ? and table_name = ?",
                               [schema, table]).fetchone()[0]
            con.execute(f"drop {'view' if kind == 'VIEW' else 'table'} {schema}.{table}")
            latest = con.execute(f"select max({month_column}) from {schema}.{table}__copy").fetchone()[0]
            con.execute(
                f"create table {schema}.{table} as select * replace (case when date_trunc('month', {month_column}) = "
                f"date_trunc('month', ?::date) then rep_id || '*' else rep_id end as rep_id) from {schema}.{table}__copy", [latest],
            )
            con.execute(f"drop table {schema}.{table}__copy")
        for (table,) in con.execute("select table_name from duckdb_tables() where schema_name = 'marts' and table_name like 'kpi%'").fetchall():
            con.execute(f"delete from marts.{table} where rowid = (select min(rowid) from marts.{table})")
    return night


if __name__ == "__main__":
    main()
