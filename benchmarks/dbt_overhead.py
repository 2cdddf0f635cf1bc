"""How much of a dbt build is dbt's own work per node: the SQL of the last build's models and
tests (run_results.json, in its order) executed directly on a copy of the working database, timed
against dbt's run of the same nodes. Models are created from their compiled SQL (a table, or a view
where dbt made one); a test's query is counted. An incremental model's compiled SQL is its
increment, as that night built it.

    python -m benchmarks.dbt_overhead WORKSPACE    # after an `iskpi run` in WORKSPACE
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import duckdb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", type=Path)
    args = parser.parse_args()
    artifacts = args.workspace / ".iskpi" / "dbt" / "nightly"
    results = json.loads((artifacts / "run_results.json").read_text(encoding="utf-8"))
    nodes = json.loads((artifacts / "manifest.json").read_text(encoding="utf-8"))["nodes"]
    work_db = next((args.workspace / ".iskpi" / "work").glob("*.work.duckdb"))
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "work.duckdb"
        shutil.copy(work_db, copy)
        con = duckdb.connect()
        con.execute(f"attach '{copy}' as iskpi; use iskpi; set memory_limit = '3GB'; set temp_directory = '{scratch}'")
        timed, started = [], time.perf_counter()
        for result in results["results"]:
            unique_id = result["unique_id"]
            if unique_id.startswith("test."):
                query = f"select count(*) from ({result['compiled_code']})"
            elif unique_id.startswith("model."):
                kind = "view" if nodes[unique_id]["config"]["materialized"] == "view" else "table"
                query = f"create or replace {kind} {result['relation_name']} as {result['compiled_code']}"
            else:
                continue
            began = time.perf_counter()
            con.execute(query).fetchall()
            timed.append((time.perf_counter() - began, unique_id))
        direct = time.perf_counter() - started
    by_dbt = sum(r["execution_time"] for r in results["results"] if r["unique_id"].startswith(("model.", "test.")))
    print(f"{len(timed)} models and tests: {direct:.2f} s executed directly; dbt's run of the build took {results['elapsed_time']:.2f} s "
          f"({by_dbt:.2f} s of node time over its threads)")
    for seconds, unique_id in sorted(timed, reverse=True)[:5]:
        print(f"  {seconds:6.2f} s  {unique_id}")


if __name__ == "__main__":
    main()
