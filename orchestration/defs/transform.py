"""Transform: the dbt project as assets. Sources map onto the ingest assets' keys (raw/<table>),
so dbt runs after ingest without hand-written dependencies; dbt tests become asset checks."""


import json
import time
from contextlib import ExitStack, redirect_stdout
from pathlib import Path

from dagster import AssetExecutionContext, AssetsDefinition, ConfigurableResource
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject, dbt_assets

from connectors.lake import land_checked_tables
from expectations.gate import ensure_audit
from orchestration import progress
from orchestration.defs.resources import WarehouseResource, dbt_environment
from orchestration.ingest.loading import connect
from orchestration.transform.build_state import (
    NOTHING_NEW,
    BuildPlan,
    begin_build,
    finish_build,
    nothing_new,
    project_fingerprint,
    record_as_of_end,
)
from orchestration.transform.dbt_parse import per_target, project_copy_files
from orchestration.transform.spark import mirror_spark_tables, spark_table_folders

TRANSLATOR = DagsterDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def build_dbt_assets(project: DbtProject) -> AssetsDefinition:
    # One target folder for every nightly build of the workspace, overwritten each time (and keeping
    # its partial parse): dagster-dbt's default, a new folder per run, grows by ~9 MB a night. It sits
    # beside the project copy, apart from the parse MetricFlow reads.
    nightly_target = Path("..") / per_target("nightly", project.target)

    @dbt_assets(manifest=project.manifest_path, dagster_dbt_translator=TRANSLATOR)
    def warehouse_dbt_assets(context: AssetExecutionContext, dbt: ConfigurableResource, warehouse: WarehouseResource):
        # dbt: InProcessDbtResource, or DbtCliResource on Spark's session method (resources.dbt_resource)
        plan = _plan_build(warehouse, Path(dbt.project_dir))
        if plan is None:  # no model output, so the publish steps after it are skipped too
            progress.note(NOTHING_NEW)
            return
        if warehouse.on_spark:
            _land_checked_tables(warehouse)
        # unit tests check the models' logic on fixed fixtures, not the night's data: CI runs them
        # (tests/test_planning_marts.py), as dbt advises, and the nightly build does not
        arguments = ["build", "--vars", warehouse.dbt_vars, "--exclude-resource-type", "unit_test",
                     *(["--full-refresh"] if plan.is_full_refresh else [])]
        nodes = len(context.selected_asset_keys) + len(context.selected_asset_check_keys)
        with ExitStack() as scope:
            scope.enter_context(dbt_environment(warehouse.dbt_variables))
            if warehouse.run_log:  # dbt logs to stdout: keep it in the run's log
                scope.enter_context(redirect_stdout(scope.enter_context(open(warehouse.run_log, "a", encoding="utf-8"))))
            task = scope.enter_context(progress.task("dbt build", total=nodes, unit="models and tests"))
            started = time.time()
            invocation = dbt.cli(arguments, context=context, target_path=nightly_target, raise_on_error=False)
            for event in invocation.stream():
                task.advance(1)
                yield event
        if _every_model_built(invocation.target_path / "run_results.json", started):
            # a failed test blocks the publish, not the next night's increment: the models are whole
            with connect(warehouse.work_db, warehouse.duckdb_limits) as con:
                if warehouse.on_spark:
                    mirror_spark_tables(con, spark_table_folders(project.manifest_path, Path(warehouse.spark_warehouse_dir)))
                record_as_of_end(con, plan.build_id)
                finish_build(con, plan.build_id)
        progress.note(f"{nodes} models and tests; {plan.reason}")
        if not invocation.is_successful():
            raise invocation.get_error()

    return warehouse_dbt_assets


def _plan_build(warehouse: WarehouseResource, project_dir: Path) -> BuildPlan | None:
    """This night's build, or None when it would publish what readers already have."""
    fingerprint = project_fingerprint(project_dir, project_copy_files(project_dir), warehouse.dbt_vars)
    if warehouse.on_spark:
        # a build on another engine is a full one: its history models missed the other's nights
        fingerprint = f"spark:{fingerprint}"
    if warehouse.full_refresh:
        asked = "full build asked for (--full-refresh)"
    elif warehouse.as_of_date:  # the history models hold what is known now, not by a past day
        asked = f"full build as of {warehouse.as_of_date}"
    else:
        asked = None
    with connect(warehouse.work_db, warehouse.duckdb_limits) as con:
        ensure_audit(con)
        if (not warehouse.full_refresh and warehouse.published.exists() and warehouse.reports_dir.is_dir()
                and nothing_new(con, fingerprint, warehouse.destinations)):
            return None
        return begin_build(con, fingerprint, asked)


def _land_checked_tables(warehouse: WarehouseResource) -> None:
    """The checked raw tables and the load audit, this build's record included, as Parquet for Spark."""
    with connect(warehouse.work_db, warehouse.duckdb_limits) as con:
        landed = land_checked_tables(con, Path(warehouse.spark_lake_dir))
    written = sum(t.rows_written for t in landed if t.table.startswith("raw."))
    progress.note(f"{written:,} raw rows landed in {warehouse.spark_lake_dir}")


def _every_model_built(run_results: Path, started: float) -> bool:
    """Whether this invocation built every model and seed. The target folder is reused each night:
    a dbt that failed before writing its results leaves last night's, which must not count."""
    if not run_results.exists() or run_results.stat().st_mtime < started:
        return False
    results = json.loads(run_results.read_bytes())["results"]
    return all(r["status"] == "success" for r in results if r["unique_id"].split(".")[0] in ("model", "seed"))
