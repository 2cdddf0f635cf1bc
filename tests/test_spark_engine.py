"""The same dbt project on Apache Spark (SPEC §8, `engine: spark`): the real nightly job over the
bundled sample, on a standalone Spark cluster (a master and two workers, each its own JVM, started
from the PySpark wheel; the night's session is the driver, `spark_master: spark://…`), publishes
marts equal to the DuckDB build's (tests/mart_equality.py: rates to 1e-12, every other cell
exactly); the night after, through a Spark Thrift server over the same warehouse folder and
metastore, replaces Spark's tables and publishes the same marts.

Each Spark build takes minutes, so the module builds twice: once each way in."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from mart_equality import compare_marts
from workspaces import as_if_never_published, dbt_by_hand, workspace_for

from orchestration.defs.resources import WarehouseResource
from orchestration.nightly import NightlyOutcome, run_nightly
from orchestration.paths import SAMPLE_INPUT_DIR

pytestmark = [pytest.mark.e2e, pytest.mark.spark]


def _night(input_dir: Path, warehouse: Path, **settings: object) -> NightlyOutcome:
    outcome = run_nightly(workspace_for(warehouse, input_dir, **settings))
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


@pytest.fixture(scope="module")
def spark_sample(tmp_path_factory, spark_cluster) -> Path:
    warehouse = tmp_path_factory.mktemp("spark_sample") / "iskpi.duckdb"
    _night(SAMPLE_INPUT_DIR, warehouse, engine="spark", spark_master=spark_cluster.master_url, spark_driver_memory="2g")
    return warehouse


def test_the_sample_was_built_by_executors_on_both_workers_of_the_cluster(spark_sample, spark_cluster):
    """Each worker launched an executor of the night's application: a folder per executor, with
    its own log, under the worker's work folder."""
    for work_dir in spark_cluster.worker_dirs:
        executors = [e for app in work_dir.glob("app-*") for e in app.iterdir() if (e / "stderr").is_file()]
        assert executors, f"{work_dir.name} ran no executor"
        assert any("Finished task" in (e / "stderr").read_text(errors="replace") for e in executors)


def test_every_mart_of_the_sample_built_on_spark_equals_duckdbs(bundled_run, spark_sample):
    comparison = compare_marts(bundled_run, spark_sample)
    assert comparison.differences == []
    assert comparison.tables >= 35 and comparison.cells > 500_000  # the sample's marts, not an empty warehouse


def test_the_spark_night_landed_the_raw_layer_and_published_from_sparks_tables(spark_sample):
    """What Spark built is what was published: the working database's marts are views over the
    Parquet files in Spark's warehouse folder, and the raw rows Spark read are the checked ones."""
    work = spark_sample.parent / ".iskpi" / "work"
    with duckdb.connect(str(work / "iskpi.work.duckdb"), read_only=True) as con:
        kinds = dict(con.execute("select table_type, count(*) from information_schema.tables where table_schema = 'marts' group by all").fetchall())
        assert kinds == {"VIEW": kinds.get("VIEW")} and kinds["VIEW"] >= 35
        definition = con.execute("select sql from duckdb_views() where schema_name = 'marts' and view_name = 'kpi_daily'").fetchone()[0]
        assert str(work / "spark" / "marts.db" / "kpi_daily") in definition
        for table in ("calls", "leads", "email_events"):
            in_lake = con.execute(f"select count(*) from read_parquet('{work}/lake/raw/{table}/*.parquet')").fetchone()[0]
            assert in_lake == con.execute(f"select count(*) from raw.{table}").fetchone()[0] > 0


def test_every_dbt_unit_test_passes_on_spark(spark_sample, tmp_path):
    workspace = workspace_for(spark_sample, SAMPLE_INPUT_DIR, engine="spark", spark_master="local[2]")
    warehouse = WarehouseResource.for_workspace(workspace)
    completed = dbt_by_hand(workspace.root, warehouse.work_db, tmp_path / "unit-tests", "test", "--select", "test_type:unit",
                            "--target", "spark", variables=warehouse.dbt_variables)
    assert completed.returncode == 0, completed.stdout[-3000:]
    unit_tests = json.loads((tmp_path / "unit-tests" / "manifest.json").read_bytes())["unit_tests"]
    # every unit test the project has, passed
    assert len(re.findall(r"\d+ of \d+ PASS ", completed.stdout)) == len(unit_tests) >= 6, completed.stdout[-3000:]


@pytest.fixture(scope="module")
def thrift_server(spark_sample):
    """A Spark Thrift server on this machine (PySpark ships its jar), in its own process, as a
    cluster offers one, over the sample's Spark warehouse folder and metastore: its port. (The
    metastore is embedded Derby, one JVM at a time: the session builds before it have ended.)"""
    import pyspark

    folder = spark_sample.parent / ".iskpi" / "work" / "spark"
    port = _free_port()
    conf = {"spark.sql.warehouse.dir": str(folder),
            "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={folder}/metastore_db;create=true",
            "spark.driver.extraJavaOptions": f"-Dderby.stream.error.file={folder}/derby.log",
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


def test_a_second_night_through_a_thrift_server_replaces_sparks_tables_and_publishes_the_same_marts(spark_sample, thrift_server, tmp_path):
    """The night after, with no new export, built again as when the last build never reached
    readers (else nothing new builds nothing), through the Thrift server: Spark's tables of the
    night before are replaced, not appended to; the raw lake keeps its appends; the marts are the
    first night's, which equal DuckDB's (above)."""
    first_night = tmp_path / "first_night.duckdb"
    shutil.copyfile(spark_sample, first_night)
    work = spark_sample.parent / ".iskpi" / "work"
    raw_lake = work / "lake" / "raw"
    landed = {p: p.stat().st_mtime_ns for p in raw_lake.rglob("appends-*.parquet")}
    assert len(landed) >= 10
    as_if_never_published(spark_sample)
    outcome = _night(SAMPLE_INPUT_DIR, spark_sample, engine="spark", spark_method="thrift", spark_host="localhost", spark_port=thrift_server)
    assert outcome.published == spark_sample
    assert {p: p.stat().st_mtime_ns for p in raw_lake.rglob("appends-*.parquet")} == landed  # the appended raw tables
    comparison = compare_marts(first_night, spark_sample)
    assert comparison.differences == []
    assert comparison.tables >= 35 and comparison.cells > 500_000
