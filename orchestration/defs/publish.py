"""The publish steps as Dagster assets: the warehouse file and its segments
(orchestration/serving/publish.py), the manager's sheets (orchestration/sheets/) and PostgreSQL
(orchestration/serving/postgres.py). A step that fails leaves the build unpublished."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from dagster import AssetKey, AssetsDefinition, MaterializeResult, asset

from orchestration import progress
from orchestration.defs.resources import WarehouseResource
from orchestration.ingest.loading import connect
from orchestration.serving.publish import publish_warehouse
from orchestration.transform.build_state import record_published


@asset(
    key=AssetKey(["manager_sheets"]),
    group_name="publish",
    deps=[AssetKey(["published_warehouse"])],
    description="The manager's daily, weekly and monthly sheets (HTML and CSV) from the published warehouse, in reports/ beside it.",
)
def manager_sheets(context, warehouse: WarehouseResource) -> MaterializeResult:
    from orchestration.sheets import ReportError, write_sheets

    try:
        with _unpublished_if_it_fails(warehouse):
            written = write_sheets(warehouse.published, warehouse.reports_dir)
    except ReportError as nothing_to_report:  # a warehouse without activity yet: published, but no sheets
        context.log.warning(str(nothing_to_report))
        progress.note(str(nothing_to_report))
        return MaterializeResult(metadata={"skipped": str(nothing_to_report)})
    progress.note(f"{len(written)} files in {warehouse.reports_dir}")
    return MaterializeResult(metadata={"folder": str(warehouse.reports_dir), "files": [p.name for p in written]})


@asset(
    key=AssetKey(["postgres_warehouse"]),
    group_name="publish",
    deps=[AssetKey(["published_warehouse"])],
    description="The published marts and audit.load_files, also in PostgreSQL for BI, with the readers' roles (orchestration/serving/postgres.py).",
)
def postgres_warehouse(warehouse: WarehouseResource) -> MaterializeResult:
    from orchestration.serving.postgres import publish_to_postgres

    with _unpublished_if_it_fails(warehouse):
        report = publish_to_postgres(warehouse.published, warehouse.postgres_target, warehouse.duckdb_limits)
    progress.note(f"{len(report.written)} tables written, {len(report.unchanged)} unchanged")
    return MaterializeResult(metadata={
        "written": report.written, "unchanged": report.unchanged, "dropped": report.dropped, "seconds": round(report.seconds, 1),
    })


@contextmanager
def _unpublished_if_it_fails(warehouse: WarehouseResource) -> Iterator[None]:
    """A publish step that fails leaves the build unpublished: the next night publishes again,
    even when nothing new arrives."""
    try:
        yield
    except Exception:
        with connect(warehouse.work_db, warehouse.duckdb_limits) as con:
            record_published(con, None)
        raise


def build_publish_assets(dbt_assets: AssetsDefinition, to_postgres: bool = False) -> list[AssetsDefinition]:
    @asset(
        key=AssetKey(["published_warehouse"]),
        group_name="publish",
        deps=list(dbt_assets.keys),
        description="The warehouse BI reads: marts.* and audit.load_files, replaced atomically after a good run.",
    )
    def published_warehouse(warehouse: WarehouseResource) -> MaterializeResult:
        tables = publish_warehouse(warehouse.work_db, warehouse.published, warehouse.duckdb_limits)
        with connect(warehouse.work_db, warehouse.duckdb_limits) as con:
            record_published(con, warehouse.destinations)
        progress.note(f"{len(tables)} tables in {warehouse.published}")
        return MaterializeResult(metadata={"path": str(warehouse.published), "tables": tables})

    return [published_warehouse, manager_sheets, *([postgres_warehouse] if to_postgres else [])]
