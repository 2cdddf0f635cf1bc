"""The same dbt project on Apache Spark (SPEC §8, `engine: spark`), incremental like DuckDB's.

The real nightly job runs the three nights of tests/late_nights.py on Spark (the cases
tests/test_incremental_nightly.py runs on DuckDB): the generated team's history on a standalone
Spark cluster (a master and two workers, each its own JVM, started from the PySpark wheel; the
night's session is the driver, `spark_master: spark://…`), then, in a local session, night two
(the next day's exports and late arrivals) and night three (more late arrivals), each
incrementally: the history models overwrite only the partitions their new rows touch
(macros/history_models.sql). After night three Spark's marts equal a DuckDB build of the same
exports (tests/mart_equality.py: rates to 1e-12, every other cell exactly), and its history
tables equal what a full rebuild of them writes (every other model is rebuilt whole each night),
through a Spark Thrift server over the same warehouse folder and metastore, which then runs the
dbt unit tests. Asked through that server first: the lake's load-date folders are all registered
in Spark's catalog, and night three's appended calls are read from their folders only.

Each Spark build takes minutes: the module runs three nights, that one rebuild and the unit tests,
the suite's longest module by far."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from late_nights import first_night_inbox, night_three, night_two
from mart_equality import compare_marts
from workspaces import dbt_by_hand, workspace_for

from orchestration.defs.resources import WarehouseResource
from orchestration.nightly import NightlyOutcome, run_nightly
from orchestration.workspace import Workspace

pytestmark = [pytest.mark.e2e, pytest.mark.spark]


def _night(workspace: Workspace, **settings: object) -> NightlyOutcome:
    outcome = run_nightly(workspace.with_overrides(**settings))
    assert outcome.success, outcome.message
    return outcome


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        return probe.getsockname()[1]


def _wait_for(ready, process: subprocess.Popen, log: Path, what: str, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        assert process.poll() is None and time.monotonic() < deadline, f"{what} did not start: {log.read_text()[-3000:]}"
        time.sleep(1)


@dataclass(frozen=True)
class SparkCluster:
    master_url: str
    worker_dirs: tuple[Path, ...]


@pytest.fixture(scope="module")
def spark_cluster(tmp_path_factory):
    """A standalone Spark cluster on this machine, as a team's would be: a master and two workers
    of one core each, every one a JVM of its own started by the PySpark wheel's bin/spark-class
    (no download), so the night's executors run in processes apart from its driver and shuffle
    between each other. Everything binds to 127.0.0.1 (SPARK_LOCAL_IP), the driver too."""
    import pyspark

    folder = tmp_path_factory.mktemp("spark_cluster")
    spark_class = str(Path(pyspark.__file__).parent / "bin" / "spark-class")
    environment = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"}
    port = _free_port()
    master_url = f"spark://127.0.0.1:{port}"
    processes: list[subprocess.Popen] = []

    def start(log: Path, *arguments: str) -> subprocess.Popen:
        with log.open("wb") as sink:
            processes.append(subprocess.Popen([spark_class, *arguments], stdout=sink, stderr=subprocess.STDOUT,
                                              stdin=subprocess.DEVNULL, env=environment))
        return processes[-1]

    try:
        master_log = folder / "master.log"
        master = start(master_log, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port),
                       "--webui-port", str(_free_port()))
        _wait_for(lambda: "Starting Spark master" in master_log.read_text(errors="replace"), master, master_log, "the master")
        worker_dirs = tuple(folder / f"worker-{n}" for n in (1, 2))
        for work_dir in worker_dirs:
            start(folder / f"{work_dir.name}.log", "org.apache.spark.deploy.worker.Worker", master_url, "--cores", "1",
                  "--memory", "2g", "--webui-port", str(_free_port()), "--work-dir", str(work_dir))
        _wait_for(lambda: master_log.read_text(errors="replace").count("Registering worker") == 2, master, master_log, "two workers")
        with pytest.MonkeyPatch.context() as env:
            env.setenv("SPARK_LOCAL_IP", "127.0.0.1")  # the driver, in the night's own process
            yield SparkCluster(master_url, worker_dirs)
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            process.wait(timeout=60)



@contextmanager
def _thrift_server(folder: Path):
    """A Spark Thrift server on this machine (PySpark ships its jar), in its own process, as a
    cluster offers one, over a workspace's Spark warehouse folder and metastore: its port. (The
    metastore is embedded Derby, one JVM at a time: no session may be open beside it.)"""
    import pyspark

    port = _free_port()
    conf = {"spark.sql.warehouse.dir": str(folder),
            "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={folder}/metastore_db;create=true",
            # C1 alone, as the nights' drivers compile (dbt_project/profiles.yml)
            "spark.driver.extraJavaOptions": f"-Dderby.stream.error.file={folder}/derby.log -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=512m",
            "spark.sql.session.timeZone": "UTC", "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
            "spark.sql.shuffle.partitions": "4", "spark.ui.enabled": "false"}
    command = [str(Path(pyspark.__file__).parent / "bin" / "spark-submit"), "--master", "local[2]",
               "--class", "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2",
               *(argument for name, value in conf.items() for argument in ("--conf", f"{name}={value}")),
               "spark-internal", "--hiveconf", f"hive.server2.thrift.port={port}", "--hiveconf", "hive.server2.thrift.bind.host=localhost"]
    with (folder / "server.log").open("wb") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        _wait_for(lambda: _listening(port), server, folder / "server.log", "the Thrift server")
        yield port
    finally:
        server.terminate()
        server.wait(timeout=60)


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("localhost", port), timeout=1).close()
    except OSError:
        return False
    return True


def _files_by_partition(table: Path) -> dict[str, set[str]]:
    """A partitioned table's data files, by partition (Spark names each file it writes anew)."""
    return {folder.name: {f.name for f in folder.glob("*.parquet")} for folder in table.glob("*=*")}


@dataclass(frozen=True)
class LakeReads:
    registered: dict[str, set[str]]  # raw table -> the load-date partitions Spark's catalog knows
    in_lake: dict[str, set[str]]  # raw table -> the load-date folders the lake holds
    appended_calls_plan: str  # Spark's plan of reading the calls night three appended
    appended_folders: set[str]  # the folders of the calls appends night three's build read (the append log)


def _lake_reads(port: int, workspace: Workspace) -> LakeReads:
    """Asked of Spark through the Thrift server, before anything else registers the lake again."""
    from pyhive import hive

    lake = workspace.work_dir / "lake" / "raw"
    tables = ("calls", "leads", "email_events")
    with duckdb.connect(str(workspace.work_db), read_only=True) as con:
        catalog = dict(con.execute("select distinct table_name, catalog_table from audit.lake_partitions").fetchall())
        since = con.execute("select since_append_id from audit.dbt_builds order by build_id desc limit 1").fetchone()[0]
        appended = {f"load_date={day}" for (day,) in con.execute(
            "select load_date from audit.lake_partitions where table_name = 'calls' and last_append_id > ?", [since]).fetchall()}
    cursor = hive.connect(host="localhost", port=port).cursor()
    registered = {}
    for table in tables:
        cursor.execute(f"show partitions raw.{catalog[table]}")
        registered[table] = {row[0] for row in cursor.fetchall()}
    cursor.execute("explain select * from raw.calls__appended")
    plan = "\n".join(row[0] for row in cursor.fetchall())
    return LakeReads(registered, {table: {p.name for p in (lake / table).glob("load_date=*")} for table in tables}, plan, appended)


@dataclass(frozen=True)
class SparkNights:
    workspace: Workspace  # on Spark, after night three
    incremental: Path  # the warehouse night three published
    duckdb_full: Path  # a DuckDB build of the same exports
    staged_call_files: tuple[dict[str, set[str]], dict[str, set[str]]]  # stg_raw__calls' files after each night
    months_of_new_calls: set[str]  # the months of the calls in the files of nights two and three
    raw_files: tuple[dict[Path, int], dict[Path, int]]  # the lake's raw files and their times, likewise
    history_snapshot: Path  # the history models' tables as night three left them
    lake_reads: LakeReads  # how Spark reads the raw lake, as night three registered it
    rebuild: subprocess.CompletedProcess  # the history models rebuilt whole
    unit_tests: subprocess.CompletedProcess
    unit_tests_target: Path


@pytest.fixture(scope="module")
def spark_nights(tmp_path_factory, spark_cluster) -> SparkNights:
    root = tmp_path_factory.mktemp("spark_nights")
    generated, inbox = first_night_inbox(root)
    workspace = workspace_for(root / "spark" / "iskpi.duckdb", inbox, engine="spark", spark_driver_memory="2g")
    spark_dir = workspace.spark_warehouse_dir
    staged_calls = spark_dir / "staging.db" / "stg_raw__calls"

    def raw_files() -> dict[Path, int]:
        return {p: p.stat().st_mtime_ns for p in (workspace.work_dir / "lake" / "raw").rglob("appends-*.parquet")}

    _night(workspace, spark_master=spark_cluster.master_url)
    after_one = _files_by_partition(staged_calls), raw_files()
    first_files = set(inbox.iterdir())
    night_two(generated, inbox)
    _night(workspace, spark_master="local[2]")
    night_three(generated, inbox)
    _night(workspace, spark_master="local[2]")
    after_three = _files_by_partition(staged_calls), raw_files()
    new_calls = pd.concat(pd.read_csv(path, dtype=str) for path in set(inbox.glob("calls*.csv")) - first_files)
    # Spark's session runs in UTC; the exports' times are the business time zone's
    started = pd.to_datetime(new_calls["started_at"]).dt.tz_localize(workspace.settings.business_time_zone).dt.tz_convert("UTC")
    months = {f"history_partition={month}" for month in started.dt.strftime("%Y-%m")}
    incremental = root / "incremental.duckdb"
    shutil.copyfile(workspace.warehouse, incremental)

    snapshot = root / "history_snapshot"
    for table in _history_tables(spark_dir):
        shutil.copytree(table, snapshot / table.parent.name / table.name)
    with _thrift_server(spark_dir) as port:
        lake_reads = _lake_reads(port, workspace)
        through_thrift = workspace.with_overrides(spark_method="thrift", spark_host="localhost", spark_port=port)

        def dbt(target: Path, *arguments: str) -> subprocess.CompletedProcess:
            return dbt_by_hand(through_thrift.root, through_thrift.work_db, target, *arguments, "--target", "spark_thrift",
                               variables=WarehouseResource.for_workspace(through_thrift).dbt_variables)

        rebuild = dbt(root / "rebuild", "run", "--full-refresh", "--select", "config.materialized:incremental")
        unit_tests = dbt(root / "unit-tests", "test", "--select", "test_type:unit")

    duckdb_full = root / "duckdb" / "iskpi.duckdb"
    assert run_nightly(workspace_for(duckdb_full, inbox)).success
    return SparkNights(workspace, incremental, duckdb_full, (after_one[0], after_three[0]), months,
                       (after_one[1], after_three[1]), snapshot, lake_reads, rebuild, unit_tests, root / "unit-tests")


def _history_tables(spark_dir: Path) -> list[Path]:
    """The history models' folders: partitioned, with their columns beside (macros/history_models.sql)."""
    return sorted(table for table in spark_dir.glob("*.db/*") if (table / "_columns").is_dir())


def test_night_one_was_built_by_executors_on_both_workers_of_the_cluster(spark_nights, spark_cluster):
    """Each worker launched an executor of the night's application: a folder per executor, with
    its own log, under the worker's work folder."""
    for work_dir in spark_cluster.worker_dirs:
        executors = [e for app in work_dir.glob("app-*") for e in app.iterdir() if (e / "stderr").is_file()]
        assert executors, f"{work_dir.name} ran no executor"
        assert any("Finished task" in (e / "stderr").read_text(errors="replace") for e in executors)


def test_the_nights_after_on_spark_built_incrementally(spark_nights):
    with duckdb.connect(str(spark_nights.workspace.work_db), read_only=True) as con:
        builds = con.execute("select is_full_refresh, reason from audit.dbt_builds where finished_at is not null order by build_id").fetchall()
    assert [full for full, _ in builds] == [True, False, False]
    assert all(reason.startswith("incremental over raw appends") for _, reason in builds[1:])


def test_sparks_incremental_marts_equal_a_duckdb_build_of_the_same_exports(spark_nights):
    comparison = compare_marts(spark_nights.duckdb_full, spark_nights.incremental)
    assert comparison.differences == []
    assert comparison.tables >= 40 and comparison.cells > 2_000_000  # every mart of the team, not an empty warehouse


def test_sparks_incremental_history_tables_equal_a_full_rebuild_on_spark(spark_nights):
    """Row for row, all but the number of the build that wrote each row (a full rebuild writes
    every row in one build)."""
    assert spark_nights.rebuild.returncode == 0, spark_nights.rebuild.stdout[-3000:]
    rebuilt_tables = _history_tables(spark_nights.workspace.spark_warehouse_dir)
    assert len(rebuilt_tables) == 15
    with duckdb.connect() as con:
        for rebuilt in rebuilt_tables:
            kept = spark_nights.history_snapshot / rebuilt.parent.name / rebuilt.name
            rows = {}
            for name, folder in (("incremental", kept), ("rebuilt", rebuilt)):
                rows[name] = con.execute(f"select columns(c -> c <> 'built_in_build') "
                                         f"from read_parquet('{folder}/*=*/*.parquet', hive_partitioning = true) order by all").fetchall()
            assert rows["incremental"] == rows["rebuilt"], rebuilt.name
            assert rows["rebuilt"], rebuilt.name


def test_a_night_on_spark_overwrites_only_the_partitions_its_rows_touch(spark_nights):
    """The staged calls are partitioned by month: nights two and three wrote again the months of
    the calls in their files (the last day, Monday's call, a call of a month before exported
    again), and left every other month's files as night one wrote them."""
    before, after = spark_nights.staged_call_files
    rewritten = {partition for partition in after if after[partition] != before.get(partition)}
    assert rewritten == spark_nights.months_of_new_calls
    assert set(before) - rewritten, "night one's calls are all of the months the nights after wrote"


def test_the_raw_lake_only_grows_by_each_nights_appends(spark_nights):
    after_one, after_three = spark_nights.raw_files
    assert after_one.items() <= after_three.items()  # night one's files, untouched
    assert len(after_three) > len(after_one)


def test_spark_reads_a_nights_appends_from_their_load_date_folders_only(spark_nights):
    """The lake's raw tables are catalog tables partitioned by load date: each night registers the
    folders of its appends, and the history models read the night's appends through a view whose
    scan Spark prunes to those folders when it plans (no listing of the nights before)."""
    reads = spark_nights.lake_reads
    assert reads.registered == reads.in_lake
    assert all("load_date=1970-01-01" in folders and len(folders) >= 2 for folders in reads.in_lake.values())
    assert reads.appended_folders and "load_date=1970-01-01" not in reads.appended_folders
    plan = reads.appended_calls_plan
    # pruned when planned: the date a literal in the partition filter, the scan's paths that many folders
    first_day = min(reads.appended_folders).removeprefix("load_date=")
    assert re.search(rf"PartitionFilters: \[[^\]]*\(load_date#\d+ >= {first_day}\)", plan), plan
    paths = re.search(r"Location: \w*InMemoryFileIndex\((\d+) paths\)", plan)
    assert paths and int(paths[1]) == len(reads.appended_folders) < len(reads.registered["calls"]), plan


def test_the_spark_night_landed_the_raw_layer_and_published_from_sparks_tables(spark_nights):
    """What Spark built is what was published: the working database's marts are views over the
    Parquet files in Spark's warehouse folder, and the raw rows Spark read are the checked ones."""
    work = spark_nights.workspace.work_dir
    with duckdb.connect(str(spark_nights.workspace.work_db), read_only=True) as con:
        kinds = dict(con.execute("select table_type, count(*) from information_schema.tables where table_schema = 'marts' group by all").fetchall())
        assert kinds == {"VIEW": kinds.get("VIEW")} and kinds["VIEW"] >= 35
        for mart in ("kpi_daily", "fct_call"):
            definition = con.execute(f"select sql from duckdb_views() where schema_name = 'marts' and view_name = '{mart}'").fetchone()[0]
            assert str(spark_nights.workspace.spark_warehouse_dir / "marts.db" / mart) in definition
        for table in ("calls", "leads", "email_events"):
            in_lake = con.execute(f"select count(*) from read_parquet('{work}/lake/raw/{table}/*/*.parquet', "
                                  "hive_partitioning = false)").fetchone()[0]
            assert in_lake == con.execute(f"select count(*) from raw.{table}").fetchone()[0] > 0


def test_every_dbt_unit_test_passes_on_spark(spark_nights):
    completed = spark_nights.unit_tests
    assert completed.returncode == 0, completed.stdout[-3000:]
    unit_tests = json.loads((spark_nights.unit_tests_target / "manifest.json").read_bytes())["unit_tests"]
    # every unit test the project has, passed
    assert len(re.findall(r"\d+ of \d+ PASS ", completed.stdout)) == len(unit_tests) >= 6, completed.stdout[-3000:]
