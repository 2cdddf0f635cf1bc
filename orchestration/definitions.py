"""The one place where the Dagster definitions are assembled, for one workspace.

`ISKPI_WORKSPACE=DIR dagster dev -m orchestration.definitions` serves the workspace's nightly job
(the current folder's workspace when ISKPI_WORKSPACE is unset, else the demo); `iskpi run` builds
the same definitions in-process with its command-line overrides.
"""

from __future__ import annotations

from pathlib import Path

from dagster import Definitions, definitions

from orchestration.defs.ingest import ingest
from orchestration.defs.notifications import notification_sensors
from orchestration.defs.publish import build_publish_assets
from orchestration.defs.quality import UNRESOLVED_LEAD_CHECKS
from orchestration.defs.resources import WarehouseResource, dbt_environment, dbt_project, dbt_resource
from orchestration.defs.run_log import run_file_logger
from orchestration.defs.schedules import NIGHTLY_JOB, nightly_schedule
from orchestration.defs.transform import build_dbt_assets
from orchestration.transform.dbt_parse import ensure_dbt_manifest
from orchestration.transform.spark import check_spark_installed
from orchestration.workspace import Workspace, demo_workspace, find_workspace


def build_defs(
    workspace: Workspace, as_of_date: str | None = None, run_log: Path | None = None, full_refresh: bool = False,
) -> Definitions:
    warehouse = WarehouseResource.for_workspace(workspace, as_of_date, run_log, full_refresh)
    if warehouse.on_spark:
        check_spark_installed(workspace.settings.spark_method)
    with dbt_environment(warehouse.dbt_variables):
        ensure_dbt_manifest(workspace, warehouse.dbt_target)
    project = dbt_project(workspace.root, warehouse.dbt_target)
    dbt_assets = build_dbt_assets(project)
    return Definitions(
        assets=[ingest, dbt_assets, *build_publish_assets(dbt_assets, to_postgres=warehouse.postgres_target is not None)],
        asset_checks=UNRESOLVED_LEAD_CHECKS,
        jobs=[NIGHTLY_JOB],
        schedules=[nightly_schedule(workspace.settings)],
        sensors=notification_sensors(workspace),
        loggers={"iskpi_run_file": run_file_logger},
        resources={"warehouse": warehouse, "dbt": dbt_resource(project)},
    )


@definitions
def defs() -> Definitions:
    workspace = find_workspace() or demo_workspace()
    workspace.ensure_mappings()
    return build_defs(workspace)
