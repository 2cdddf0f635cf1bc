"""Great Expectations validation of landed files, run inside DuckDB.

GX 1.x with duckdb-engine returns no rows because its SQL execution engine closes pooled
connections before fetching (GX issue #11579). GX already keeps one persistent connection for
dialects listed in `_PERSISTED_CONNECTION_DIALECTS` (sqlite, mssql, …); adding duckdb to that list
is the whole fix. That connection is a cursor of the load's own: the landing catalog is in that
DuckDB's memory, and a second process could not open the database file anyway. Each file is
validated as its own batch (a query asset filtered on the file), so a blocked file is named precisely.
"""

from __future__ import annotations

import logging
from datetime import datetime

import duckdb
import great_expectations as gx
from duckdb_engine import ConnectionWrapper
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.execution_engine import sqlalchemy_execution_engine

from expectations.rules import Rule


class _DuckDBDialect(str):
    """Stands in the persisted-connection list: compares equal to "duckdb" and has `.value`."""

    value = "duckdb"


if "duckdb" not in sqlalchemy_execution_engine._PERSISTED_CONNECTION_DIALECTS:
    sqlalchemy_execution_engine._PERSISTED_CONNECTION_DIALECTS = (
        *sqlalchemy_execution_engine._PERSISTED_CONNECTION_DIALECTS,
        _DuckDBDialect("duckdb"),
    )

logging.getLogger("great_expectations").setLevel(logging.ERROR)


def expectation_for(rule: Rule, latest_plausible: datetime) -> gx.expectations.Expectation:
    meta = {"rule": rule.name}
    description = rule.describe()
    if rule.kind == "required":
        return gx.expectations.ExpectColumnValuesToNotBeNull(column=rule.inspected_column, meta=meta, description=description)
    if rule.kind == "one_of":
        return gx.expectations.ExpectColumnValuesToBeInSet(
            column=rule.column, value_set=list(rule.values), meta=meta, description=description
        )
    if rule.kind == "between":
        return gx.expectations.ExpectColumnValuesToBeBetween(
            column=rule.column, min_value=rule.min, max_value=rule.max, meta=meta, description=description
        )
    # Parse, plausibility and reference rules have no native expectation: GX runs our predicate.
    return gx.expectations.UnexpectedRowsExpectation(
        unexpected_rows_query=f"select * from {{batch}} where {rule.violation_sql(latest_plausible)}",
        meta=meta,
        description=description,
    )


def sqlalchemy_arguments(con: duckdb.DuckDBPyConnection) -> dict:
    """How GX's SQLAlchemy engine reaches the load's DuckDB: a cursor of its connection, which
    shares the database, the attached landing catalog and the session's limits."""
    return {"connection_string": "duckdb:///:memory:", "kwargs": {"creator": lambda: ConnectionWrapper(con.cursor())}}


def validate_files(
    con: duckdb.DuckDBPyConnection, entity: str, file_ids: list[int], rules: tuple[Rule, ...], latest_plausible: datetime
) -> dict[int, dict[str, int]]:
    """Rows breaking each rule, per landed file: {file_id: {rule name: count}}."""
    if not file_ids:
        return {}
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    datasource = context.data_sources.add_sql(name="work", **sqlalchemy_arguments(con))
    suite = context.suites.add(gx.ExpectationSuite(name=entity))
    for rule in rules:
        suite.add_expectation(expectation_for(rule, latest_plausible))
    counts: dict[int, dict[str, int]] = {}
    try:
        for file_id in file_ids:
            asset = datasource.add_query_asset(
                name=f"{entity}_{file_id}", query=f"select * from landing.{entity} where _file_id = {int(file_id)}"
            )
            validation = context.validation_definitions.add(
                gx.ValidationDefinition(
                    name=f"{entity}_{file_id}", data=asset.add_batch_definition_whole_table("file"), suite=suite
                )
            )
            result = validation.run(result_format="BASIC")
            counts[file_id] = {r.expectation_config.meta["rule"]: _unexpected_count(r) for r in result.results}
    finally:
        datasource.get_execution_engine().close()
        datasource.get_engine().dispose()
    return counts


def _unexpected_count(result) -> int:
    if result.exception_info and result.exception_info.get("raised_exception"):
        raise RuntimeError(
            f"Great Expectations could not evaluate {result.expectation_config.meta['rule']}: "
            f"{result.exception_info.get('exception_message')}"
        )
    # UnexpectedRowsExpectation reports its row count as observed_value; an empty file reports None
    count = result.result["unexpected_count"] if "unexpected_count" in result.result else result.result.get("observed_value")
    return int(count or 0)
