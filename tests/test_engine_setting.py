"""The workspace chooses what dbt builds on (iskpi.yml `engine`, `spark_*`): the target the night
runs, the environment profiles.yml reads, and what a user is told when Spark cannot be reached."""

from __future__ import annotations

import importlib.util
from datetime import date

import pytest
import yaml

from orchestration.defs.resources import WarehouseResource
from orchestration.paths import DBT_PROJECT_DIR
from orchestration.transform import spark
from orchestration.workspace import WorkspaceError, init_workspace, load_workspace


def _warehouse(tmp_path, settings: str) -> WarehouseResource:
    workspace = init_workspace(tmp_path / "team")
    config = workspace.config_file.read_text(encoding="utf-8")
    for line in settings.strip().splitlines():
        name = line.split(":")[0]
        config = "\n".join(line if existing.startswith(f"{name}:") else existing for existing in config.splitlines()) + "\n"
    workspace.config_file.write_text(config, encoding="utf-8")
    return WarehouseResource.for_workspace(load_workspace(workspace.root))


def test_a_new_workspace_builds_on_duckdb_with_no_spark_in_its_environment(tmp_path):
    warehouse = _warehouse(tmp_path, "")
    assert (warehouse.settings.engine, warehouse.dbt_target) == ("duckdb", "work")
    assert not [name for name in warehouse.dbt_variables if "SPARK" in name or name == "ISKPI_LAKE"]


def test_engine_spark_runs_the_session_target_over_the_workspaces_lake(tmp_path):
    warehouse = _warehouse(tmp_path, "engine: spark\nspark_master: local[2]")
    assert warehouse.dbt_target == "spark"
    variables = warehouse.dbt_variables
    root = tmp_path / "team"
    assert variables["ISKPI_LAKE"] == str(root / ".iskpi" / "work" / "lake")
    assert variables["ISKPI_SPARK_WAREHOUSE"] == str(root / ".iskpi" / "work" / "spark")
    assert variables["ISKPI_SPARK_MASTER"] == "local[2]"


@pytest.mark.parametrize(("method", "target"), [("thrift", "spark_thrift"), ("http", "spark_http")])
def test_a_cluster_method_runs_its_own_target_with_host_port_and_the_lakes_uri(tmp_path, method, target):
    warehouse = _warehouse(tmp_path, f"engine: spark\nspark_method: {method}\nspark_host: spark.example\nspark_port: 10001\n"
                                     "spark_lake_uri: hdfs://nn/iskpi/lake")
    assert warehouse.dbt_target == target
    assert {k: warehouse.dbt_variables[k] for k in ("ISKPI_SPARK_HOST", "ISKPI_SPARK_PORT", "ISKPI_LAKE")} == {
        "ISKPI_SPARK_HOST": "spark.example", "ISKPI_SPARK_PORT": "10001", "ISKPI_LAKE": "hdfs://nn/iskpi/lake"}


def test_every_target_a_workspace_can_choose_is_in_profiles_yml(tmp_path):
    outputs = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))["iskpi"]["outputs"]
    for method in ("session", "thrift", "http"):
        target = _warehouse(tmp_path / method, f"engine: spark\nspark_method: {method}").dbt_target
        assert outputs[target]["type"] == "spark" and outputs[target]["method"] == method


@pytest.mark.parametrize(("setting", "message"), [("engine: sparkk", "engine is 'sparkk'; it is one of duckdb, spark"),
                                                  ("spark_method: odbc", "spark_method is 'odbc'; it is one of session, thrift, http")])
def test_an_unknown_engine_or_method_names_the_file_and_the_choices(tmp_path, setting, message):
    with pytest.raises(WorkspaceError) as refused:
        _warehouse(tmp_path, setting)
    assert str(refused.value) == f"{tmp_path / 'team' / 'iskpi.yml'}: {message}"


def test_without_dbt_spark_the_run_says_what_to_install(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name.startswith("dbt.adapters.spark") else real(name, *a))
    with pytest.raises(WorkspaceError, match=r"pip install 'iskpi\[spark\]'"):
        spark.check_spark_installed("session")


def test_sparks_tables_are_read_back_without_their_partition_column_and_an_empty_one_keeps_its_columns(tmp_path):
    """A history model's table on Spark is a folder per partition (`history_partition=…`), or,
    with no row, only the empty file of its columns (`_columns/`); a model built whole is its
    files. The working database reads each back in the model's own columns."""
    import duckdb

    warehouse = tmp_path / "spark"
    (warehouse / "marts.db" / "fct_email_message" / "_columns").mkdir(parents=True)
    (warehouse / "marts.db" / "kpi_daily").mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(f"copy (select * from (values ('C1', date '2026-02-03', '2026-02'), ('C2', date '2026-03-01', '2026-03'), "
                    f"('C3', date '2026-03-02', '2026-03')) calls(call_id, started_date, history_partition)) "
                    f"to '{warehouse}/marts.db/fct_call' (format parquet, partition_by (history_partition))")
        con.execute(f"copy (select 'M1' as message_id, date '2026-03-01' as sent_date, '2026-03' as history_partition limit 0) "
                    f"to '{warehouse}/marts.db/fct_email_message/_columns/part-0.parquet' (format parquet)")
        con.execute(f"copy (select date '2026-03-01' as activity_date, 4 as dials) "
                    f"to '{warehouse}/marts.db/kpi_daily/part-0.parquet' (format parquet)")
        tables = {("marts", "fct_call"): spark.SparkTable(warehouse / "marts.db" / "fct_call", ("history_partition",)),
                  ("marts", "fct_email_message"): spark.SparkTable(warehouse / "marts.db" / "fct_email_message", ("history_partition",)),
                  ("marts", "kpi_daily"): spark.SparkTable(warehouse / "marts.db" / "kpi_daily", ())}
        spark.mirror_spark_tables(con, tables)
        assert con.execute("select * from marts.fct_call order by call_id").fetchall() == [
            ("C1", date(2026, 2, 3)), ("C2", date(2026, 3, 1)), ("C3", date(2026, 3, 2))]
        assert [c[0] for c in con.execute("describe marts.fct_email_message").fetchall()] == ["message_id", "sent_date"]
        assert con.execute("select count(*) from marts.fct_email_message").fetchone() == (0,)
        assert con.execute("select * from marts.kpi_daily").fetchall() == [(date(2026, 3, 1), 4)]
