"""How long the PostgreSQL publish takes: a published warehouse into an empty database, then again
with nothing changed (what a night without new data costs).

    python -m benchmarks.postgres_publish --warehouse WS/warehouse/iskpi.duckdb --dsn "host=… dbname=…"

The database should be a throwaway one: the marts there are replaced. Prints the figures and the
database's size; writes them to benchmarks/results/postgres-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import duckdb
import psycopg

from connectors.sql import DuckDBLimits
from orchestration.postgres import PostgresTarget, publish_to_postgres

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
    for run in ("first", "unchanged"):
        started = time.monotonic()
        report = publish_to_postgres(args.warehouse, target, limits)
        figures[run] = {"seconds": round(time.monotonic() - started, 2), "written": len(report.written), "unchanged": len(report.unchanged)}
        print(f"{run:10} {figures[run]['seconds']:8.1f} s  {len(report.written)} tables written, {len(report.unchanged)} unchanged")
    with psycopg.connect(args.dsn) as pg:
        figures["database_bytes"] = pg.execute("select pg_database_size(current_database())").fetchone()[0]
    print(f"rows published: {figures['mart_table_rows']:,}; database size {figures['database_bytes'] / 2**20:,.0f} MiB")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"postgres-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(figures, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
