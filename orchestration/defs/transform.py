"""Transform: the dbt project as assets. Sources map onto the ingest assets' keys (raw/<table>),
so dbt runs after ingest without hand-written dependencies; dbt tests become asset checks."""


from contextlib import ExitStack, redirect_stdout
from pathlib import Path

from dagster import AssetExecutionContext, AssetsDefinition
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from orchestration import progress
from orchestration.defs.resources import WarehouseResource, dbt_environment

TRANSLATOR = DagsterDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def build_dbt_assets(project: DbtProject) -> AssetsDefinition:
    # One target folder for every nightly build of the workspace, overwritten each time (and keeping
    # its partial parse): dagster-dbt's default, a new folder per run, grows by ~9 MB a night.
    nightly_target = Path("..") / "nightly"  # beside the project copy, apart from the parse MetricFlow reads

    @dbt_assets(manifest=project.manifest_path, dagster_dbt_translator=TRANSLATOR)
    def warehouse_dbt_assets(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
        variables = ["--vars", warehouse.dbt_vars]
        nodes = len(context.selected_asset_keys) + len(context.selected_asset_check_keys)
        with ExitStack() as scope:
            scope.enter_context(dbt_environment(warehouse.work_db, warehouse.duckdb_limits))
            if warehouse.run_log:  # dagster-dbt echoes every dbt event to stdout: keep it in the run's log
                scope.enter_context(redirect_stdout(scope.enter_context(open(warehouse.run_log, "a", encoding="utf-8"))))
            task = scope.enter_context(progress.task("dbt build", total=nodes, unit="models and tests"))
            for event in dbt.cli(["build", *variables], context=context, target_path=nightly_target).stream():
                task.advance(1)
                yield event
        progress.note(f"{nodes} models and tests")

    return warehouse_dbt_assets
