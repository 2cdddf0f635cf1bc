"""The night on Spark (iskpi.yml `engine: spark`, SPEC §8), around the same assets as on DuckDB.

Ingest and its checks run in the working DuckDB database as always; the checked raw tables are
then landed as Parquet (connectors/lake.py), dbt builds every model on Spark from them, and the
tables Spark wrote come back to the working database as views over their Parquet files. So the
quality checks, the published DuckDB file, the manager's sheets, PostgreSQL and `iskpi metrics`
read Spark's marts exactly where they read DuckDB's.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from connectors.sql import ident, literal
from orchestration.settings import Settings, WorkspaceError
from orchestration.workspace import Workspace

# the DuckDB target of the nightly build; `iskpi metrics` parses with it too (the semantic
# manifest names DuckDB's relations, which the published file holds whatever the engine)
WORK_TARGET = "work"
# the target of spark_method: session, Spark in the dbt process itself
SPARK_SESSION_TARGET = "spark"


def dbt_target_for(settings: Settings) -> str:
    """The profiles.yml target a night of this workspace builds with."""
    if settings.engine != "spark":
        return WORK_TARGET
    return SPARK_SESSION_TARGET if settings.spark_method == "session" else f"spark_{settings.spark_method}"


def spark_environment(workspace: Workspace) -> dict[str, str]:
    """What the Spark targets of profiles.yml read from the environment: iskpi.yml's spark_* settings."""
    settings = workspace.settings
    variables = {
        "ISKPI_LAKE": settings.spark_lake_uri or str(workspace.spark_lake_dir),
        "ISKPI_SPARK_WAREHOUSE": str(workspace.spark_warehouse_dir),
        "ISKPI_SPARK_MASTER": settings.spark_master,
        "ISKPI_SPARK_DRIVER_MEMORY": settings.spark_driver_memory,
        "ISKPI_SPARK_HOST": settings.spark_host,
        "ISKPI_SPARK_PORT": settings.spark_port,
        "ISKPI_SPARK_CLUSTER": settings.spark_cluster,
    }
    return {name: str(value) for name, value in variables.items() if value is not None}


def check_spark_installed(method: str) -> None:
    """Say what to install, before a night that cannot reach Spark starts."""
    if importlib.util.find_spec("dbt.adapters.spark") is None:
        raise WorkspaceError("engine: spark needs dbt-spark: `pip install 'iskpi[spark]'` (or set engine: duckdb in iskpi.yml)")
    if method != "session" and importlib.util.find_spec("pyhive") is None:
        raise WorkspaceError(f"spark_method: {method} needs PyHive: `pip install 'iskpi[spark]'`")
    if method == "session":
        if importlib.util.find_spec("pyspark") is None:
            raise WorkspaceError("spark_method: session needs PySpark: `pip install 'iskpi[spark]'`")
        if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
            raise WorkspaceError("spark_method: session runs Spark on this machine, which needs Java 17: install it, or set JAVA_HOME")


# the files of a partitioned table: one folder per partition, `<column>=<value>`
PARTITION_FILES = "*=*/*.parquet"


@dataclass(frozen=True)
class SparkTable:
    folder: Path  # the Parquet files Spark wrote
    partitioned_by: tuple[str, ...]  # folders of partitions (the history models): not columns of the model


def spark_table_folders(manifest: Path, spark_warehouse: Path) -> dict[tuple[str, str], SparkTable]:
    """(schema, table) -> where Spark wrote it, for every model built as a table."""
    nodes = json.loads(manifest.read_bytes())["nodes"].values()
    return {
        (node["schema"], node["alias"]): SparkTable(spark_warehouse / f"{node['schema']}.db" / node["alias"],
                                                    tuple(node["config"].get("partition_by") or ()))
        for node in nodes
        if node["resource_type"] == "model" and node["config"]["materialized"] in ("table", "incremental")
    }


def mirror_spark_tables(con: duckdb.DuckDBPyConnection, tables: dict[tuple[str, str], SparkTable]) -> None:
    """Make each table Spark built a view of the working database over its Parquet files, in place
    of whatever a DuckDB build left under that name."""
    existing = dict(con.execute(
        "select table_schema || '.' || table_name, table_type from information_schema.tables where table_catalog = current_database()"
    ).fetchall())
    for (schema, table), spark_table in sorted(tables.items()):
        name = f"{ident(schema)}.{ident(table)}"
        con.execute(f"create schema if not exists {ident(schema)}")
        if existing.get(f"{schema}.{table}") == "BASE TABLE":
            con.execute(f"drop table {name}")
        con.execute(f"create or replace view {name} as {_spark_table_query(spark_table)}")


def _spark_table_query(spark_table: SparkTable) -> str:
    """The table's rows, in the model's columns. Spark names its files part-*; `_SUCCESS` and
    hidden files are not data."""
    if not spark_table.partitioned_by:
        return f"select * from read_parquet({literal(str(spark_table.folder / '*.parquet'))})"
    partitions = ", ".join(ident(column) for column in spark_table.partitioned_by)
    if any(spark_table.folder.glob(PARTITION_FILES)):
        files = literal(str(spark_table.folder / PARTITION_FILES))
        return f"select * exclude ({partitions}) from read_parquet({files}, hive_partitioning = true)"
    # no row, so no partition: the columns it would have (macros/history_models.sql)
    return f"select * exclude ({partitions}) from read_parquet({literal(str(spark_table.folder / '_columns' / '*.parquet'))})"
