"""Publish: copy the marts and the load audit into a new file, then swap it in atomically.

Readers (BI, analysts) only ever open the published file. The run never opens it: it builds a
sibling file and renames it over the old one, so a reader holding the old file open keeps a
consistent snapshot and never blocks the run, and a crash before the rename changes nothing.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import duckdb
from dagster import AssetKey, AssetsDefinition, MaterializeResult, asset

from connectors.sql import DuckDBLimits, ident, literal
from orchestration import progress
from orchestration.defs.resources import WarehouseResource

PUBLISHED_TABLES_SQL = """
select schema_name, table_name from duckdb_tables()
where database_name = 'work'
  and (schema_name = 'marts' or (schema_name = 'audit' and table_name = 'load_files'))
order by schema_name, table_name
"""


def publish_warehouse(work_db: Path, published: Path, limits: DuckDBLimits) -> list[str]:
    published.parent.mkdir(parents=True, exist_ok=True)
    # from a run killed mid-publish: no other run is writing (the run lock), so none is in progress
    for leftover in published.parent.glob(f".{published.name}.*.building*"):
        leftover.unlink()
    building = published.with_name(f".{published.name}.{uuid.uuid4().hex}.building")
    try:
        with limits.apply(duckdb.connect(str(building))) as con:
            con.execute(f"attach {literal(str(work_db))} as work (read_only)")
            tables = con.execute(PUBLISHED_TABLES_SQL).fetchall()
            for schema, table in tables:
                con.execute(f"create schema if not exists {ident(schema)}")
                con.execute(f"create table {ident(schema)}.{ident(table)} as select * from work.{ident(schema)}.{ident(table)}")
            con.execute("detach work")
        os.replace(building, published)
    finally:
        building.unlink(missing_ok=True)
    return [f"{schema}.{table}" for schema, table in tables]


@asset(
    key=AssetKey(["manager_sheets"]),
    group_name="publish",
    deps=[AssetKey(["published_warehouse"])],
    description="The manager's daily, weekly and monthly sheets (HTML and CSV) from the published warehouse, in reports/ beside it.",
)
def manager_sheets(context, warehouse: WarehouseResource) -> MaterializeResult:
    from orchestration.report import ReportError, write_sheets

    try:
        written = write_sheets(warehouse.published, warehouse.reports_dir)
    except ReportError as nothing_to_report:  # a warehouse without activity yet: published, but no sheets
        context.log.warning(str(nothing_to_report))
        progress.note(str(nothing_to_report))
        return MaterializeResult(metadata={"skipped": str(nothing_to_report)})
    progress.note(f"{len(written)} files in {warehouse.reports_dir}")
    return MaterializeResult(metadata={"folder": str(warehouse.reports_dir), "files": [p.name for p in written]})


def build_publish_assets(dbt_assets: AssetsDefinition) -> list[AssetsDefinition]:
    @asset(
        key=AssetKey(["published_warehouse"]),
        group_name="publish",
        deps=list(dbt_assets.keys),
        description="The warehouse BI reads: marts.* and audit.load_files, replaced atomically after a good run.",
    )
    def published_warehouse(warehouse: WarehouseResource) -> MaterializeResult:
        tables = publish_warehouse(warehouse.work_db, warehouse.published, warehouse.duckdb_limits)
        progress.note(f"{len(tables)} tables in {warehouse.published}")
        return MaterializeResult(metadata={"path": str(warehouse.published), "tables": tables})

    return [published_warehouse, manager_sheets]
