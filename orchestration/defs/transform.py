"""Transform: the dbt project as assets. Sources map onto the ingest assets' keys (raw/<table>),
so dbt runs after ingest without hand-written dependencies; dbt tests become asset checks."""


import json
import os
from pathlib import Path

from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.defs.resources import DBT_PROJECT, WarehouseResource

TRANSLATOR = DagsterDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

# One target folder for every nightly build, overwritten each time (and keeping its partial parse):
# dagster-dbt's default, a new folder per run, grew dbt_project/target by ~9 MB a night.
NIGHTLY_TARGET = Path("target") / "nightly"


@dbt_assets(manifest=DBT_PROJECT.manifest_path, dagster_dbt_translator=TRANSLATOR)
def warehouse_dbt_assets(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    # profiles.yml reads the working database from the environment; the dbt subprocess inherits it.
    os.environ["ISKPI_WORK_DB"] = str(warehouse.work_db)
    variables = ["--vars", json.dumps({"as_of_date": warehouse.as_of_date})] if warehouse.as_of_date else []
    yield from dbt.cli(["build", *variables], context=context, target_path=NIGHTLY_TARGET).stream()
