"""What reading one night's appends costs Spark as a lake's nights pile up, in three layouts of the
same rows: one Parquet file per table per night in one folder, read through a view over the folder
(the lake's former layout); load-date folders read as a path; and load-date folders read through
a catalog table partitioned by load date, as `connectors/lake.py` and `macros/lake_sources.sql`
now land and register them (only the night's partition is listed and read). Beside them, what an
incremental history model reads besides the appends: every landed version of the keys the night
touched, a scan of all history whatever the layout.

    python -m benchmarks.spark_lake_layout [--nights 30 300 1100] [--rows-per-night 3000]

Each layout is timed in a Spark session of its own (local[2]); "cold" is the session's first query
(the folder listed and the footers read), "warm" the same query again. Figures only, no verdict.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

FIRST_NIGHT = date(2024, 1, 1)
# one night's rows: new calls, and a tenth of them later versions of calls landed before
CALLS = """
    select night as _append_id, {first} + cast(night as integer) as load_date, 'C' || lpad(call_id::varchar, 10, '0') as call_id,
           'R' || (call_id % 40) as rep_id, '+81' || (300000000 + call_id % 99991) as phone,
           timestamp '2024-01-01 09:00:00' + to_seconds(call_id * 37 % 86400) + to_days(cast(night as integer)) as started_at,
           ['no_answer', 'connected', 'appointment'][1 + call_id % 3] as result, call_id % 600 as talk_seconds
    from (select night, case when n % 10 = 0 and night > 1 then (night - 1) * {rows} + n // 10
                             else night * {rows} + n end as call_id
          from range(1, {nights} + 1) a(night), range({rows}) b(n))
"""


def write_lake(root: Path, nights: int, rows: int) -> tuple[Path, Path]:
    """The same calls twice: one file per night (the lake as landed), and hive folders by load date."""
    by_date = root / "by_load_date"
    with duckdb.connect() as con:
        con.execute(f"copy ({CALLS.format(first=repr(FIRST_NIGHT.isoformat()) + '::date', rows=rows, nights=nights)}) "
                    f"to '{by_date}' (format parquet, partition_by (load_date), compression zstd)")
    flat = root / "as_landed"
    flat.mkdir()
    for night in range(1, nights + 1):
        folder = by_date / f"load_date={FIRST_NIGHT + timedelta(days=night)}"
        for n, part in enumerate(sorted(folder.glob("*.parquet"))):  # the load date is the folder's, not a column
            shutil.copy(part, flat / f"appends-{night}-{night}-{n}.parquet")
    return flat, by_date


def _session(scratch: Path):
    """A session like a night's (profiles.yml's `spark` target): a Hive metastore in Derby."""
    from pyspark.sql import SparkSession

    return (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4").config("spark.driver.memory", "2g")
            .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))
            .config("spark.hadoop.javax.jdo.option.ConnectionURL", f"jdbc:derby:;databaseName={scratch / 'metastore_db'};create=true")
            .config("spark.driver.extraJavaOptions", f"-Dderby.stream.error.file={scratch / 'derby.log'}")
            .enableHiveSupport().getOrCreate())


def _timed(spark, query: str) -> tuple[float, int]:
    started = time.perf_counter()
    rows = spark.sql(query).collect()[0][0]
    return time.perf_counter() - started, rows


def measure(flat: Path, by_date: Path, nights: int, scratch: Path) -> dict[str, float]:
    last_date = FIRST_NIGHT + timedelta(days=nights)
    appends = f"_append_id > {nights - 1}"
    figures: dict[str, float] = {}
    spark = _session(scratch)
    try:
        spark.sql("select count(*) from range(1000)").collect()  # the JVM's own warm-up, not the lake's
        spark.sql(f"create or replace temporary view calls as select * from parquet.`{flat}`")
        for run in ("cold", "warm"):
            figures[f"as landed: the night's appends ({run})"], appended = _timed(spark, f"select count(*) from calls where {appends}")
        figures["as landed: every version of the keys the night touched"], _ = _timed(
            spark, f"select count(*) from calls where call_id in (select call_id from calls where {appends})")
        spark.sql(f"create or replace temporary view calls_in_date_folders as select * from parquet.`{by_date}`")
        spark.sql(f"create or replace temporary view last_build as select date '{last_date}' as since_load_date")
        for run in ("cold", "warm"):
            figures[f"date folders, no catalog: the night's appends, date as a subquery ({run})"], by_subquery = _timed(
                spark, f"select count(*) from calls_in_date_folders where {appends} "
                "and load_date >= (select since_load_date from last_build)")
        figures["date folders, no catalog: the night's appends, date as a literal"], by_literal = _timed(
            spark, f"select count(*) from calls_in_date_folders where {appends} and load_date >= date '{last_date}'")
        assert by_subquery == by_literal == appended, (by_subquery, by_literal, appended)
        spark.sql("drop table if exists calls_by_load_date")
        tonight = by_date / f"load_date={last_date}"
        pending = by_date / f".{tonight.name}"  # the earlier nights are registered first; tonight's is the new one
        tonight.rename(pending)
        started = time.perf_counter()
        spark.sql(f"create table calls_by_load_date (_append_id bigint, call_id string, rep_id string, phone string, "
                  f"started_at timestamp, result string, talk_seconds bigint, load_date date) using parquet "
                  f"partitioned by (load_date) location '{by_date}'")
        spark.sql("msck repair table calls_by_load_date")
        figures["by load date: registering the earlier nights' partitions, once"] = time.perf_counter() - started
        pending.rename(tonight)
        started = time.perf_counter()
        spark.sql(f"alter table calls_by_load_date add if not exists partition (load_date = '{last_date}')")
        figures["by load date: registering the night's partition"] = time.perf_counter() - started
        for run in ("cold", "warm"):
            figures[f"by load date: the night's appends ({run})"], in_partition = _timed(
                spark, f"select count(*) from calls_by_load_date where load_date = date '{last_date}' and {appends}")
        assert in_partition == appended, (in_partition, appended)
        spark.sql("drop table calls_by_load_date")
    finally:
        spark.stop()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nights", type=int, nargs="+", default=[30, 300, 1100])
    parser.add_argument("--rows-per-night", type=int, default=3000)
    args = parser.parse_args()
    for nights in args.nights:
        with tempfile.TemporaryDirectory() as scratch:
            flat, by_date = write_lake(Path(scratch), nights, args.rows_per_night)
            print(f"{nights:,} nights of {args.rows_per_night:,} calls ({nights * args.rows_per_night:,} rows):")
            for name, seconds in measure(flat, by_date, nights, Path(scratch)).items():
                print(f"  {name:<76}{seconds:6.2f} s")


if __name__ == "__main__":
    main()
