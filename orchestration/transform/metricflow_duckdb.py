"""MetricFlow's engine on DuckDB without dbt: MetricFlow renders its SQL for DuckDB, and a
read-only DuckDB connection runs it (orchestration/transform/semantic_layer.py asks the questions)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
from metricflow.data_table.mf_table import MetricFlowDataTable
from metricflow.engine.metricflow_engine import MetricFlowEngine, MetricFlowQueryRequest
from metricflow.protocols.sql_client import SqlEngine
from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer
from metricflow_semantics.model.dbt_manifest_parser import parse_manifest_from_dbt_generated_manifest
from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup
from metricflow_semantics.sql.sql_bind_parameters import SqlBindParameterSet

if TYPE_CHECKING:
    from orchestration.transform.semantic_layer import MetricsQuestion

# the catalog name the models were parsed under (profiles.yml): the semantic manifest names its tables so
CATALOG = "iskpi"


class WarehouseBusy(Exception):
    """The published warehouse is being replaced by a run."""


class DuckDBSqlClient:
    """MetricFlow's SqlClient over one DuckDB connection (MetricFlow binds no parameters for DuckDB)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._renderer = DuckDbSqlPlanRenderer()

    @property
    def sql_engine_type(self) -> SqlEngine:
        return SqlEngine.DUCKDB

    @property
    def sql_plan_renderer(self) -> DuckDbSqlPlanRenderer:
        return self._renderer

    def query(self, stmt: str, sql_bind_parameter_set: SqlBindParameterSet = SqlBindParameterSet()) -> MetricFlowDataTable:
        result = self.con.execute(stmt, _parameters(sql_bind_parameter_set))
        return MetricFlowDataTable.create_from_rows(column_names=[column[0] for column in result.description], rows=result.fetchall())

    def execute(self, stmt: str, sql_bind_parameter_set: SqlBindParameterSet = SqlBindParameterSet()) -> None:
        self.con.execute(stmt, _parameters(sql_bind_parameter_set))

    def dry_run(self, stmt: str, sql_bind_parameter_set: SqlBindParameterSet = SqlBindParameterSet()) -> None:
        self.con.execute(f"explain {stmt}", _parameters(sql_bind_parameter_set))

    def close(self) -> None:
        self.con.close()

    def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
        return f"${bind_parameter_key}"


def _parameters(parameters: SqlBindParameterSet) -> dict[str, object] | None:
    return {key: value.value for key, value in parameters.param_dict.items()} or None


@contextmanager
def metricflow_engine(manifest: Path, warehouse: Path) -> Iterator[MetricFlowEngine]:
    """MetricFlow over the published warehouse, opened read-only under the models' catalog name."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{warehouse.resolve()}' as {CATALOG} (read_only)")
    except duckdb.IOException:
        con.close()
        raise WarehouseBusy(str(warehouse)) from None
    con.execute("set TimeZone = 'UTC'")  # local dates are taken with an explicit zone in the models
    lookup = SemanticManifestLookup(parse_manifest_from_dbt_generated_manifest(manifest.read_text(encoding="utf-8")))
    client = DuckDBSqlClient(con)
    try:
        yield MetricFlowEngine(semantic_manifest_lookup=lookup, sql_client=client)
    finally:
        client.close()


def query_request(question: MetricsQuestion) -> MetricFlowQueryRequest:
    return MetricFlowQueryRequest.create(
        metric_names=list(question.metrics), group_by_names=list(question.group_by),
        where_constraints=list(question.where) or None, order_by_names=list(question.order or question.group_by),
        limit=question.limit, time_constraint_start=question.start_time, time_constraint_end=question.end_time,
    )
