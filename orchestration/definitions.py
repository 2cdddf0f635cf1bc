"""The one place where the Dagster definitions are assembled.

`dagster dev -m orchestration.definitions` serves `defs` (input folder and warehouse from
ISKPI_INPUT_DIR / ISKPI_WAREHOUSE); `iskpi run` builds the same definitions for its arguments.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from dagster import Definitions

from orchestration.defs.ingest import RAW_ASSETS, jp_public_holidays
from orchestration.defs.publish import manager_sheets, published_warehouse
from orchestration.defs.quality import UNRESOLVED_LEAD_CHECKS
from orchestration.defs.resources import WarehouseResource, dbt_resource
from orchestration.defs.schedules import NIGHTLY_JOB, NIGHTLY_SCHEDULE
from orchestration.defs.transform import warehouse_dbt_assets
from orchestration.paths import DEFAULT_WAREHOUSE, SAMPLE_INPUT_DIR
from orchestration.thresholds import BlockingThresholds


def build_defs(
    input_dir: Path, warehouse_path: Path, thresholds: BlockingThresholds = BlockingThresholds(), as_of: date | None = None
) -> Definitions:
    return Definitions(
        assets=[*RAW_ASSETS, jp_public_holidays, warehouse_dbt_assets, published_warehouse, manager_sheets],
        asset_checks=UNRESOLVED_LEAD_CHECKS,
        jobs=[NIGHTLY_JOB],
        schedules=[NIGHTLY_SCHEDULE],
        resources={
            "warehouse": WarehouseResource(
                input_dir=str(input_dir),
                warehouse_path=str(warehouse_path),
                max_quarantine_share=thresholds.max_quarantine_share,
                max_rejected_files=thresholds.max_rejected_files,
                max_unresolved_share=thresholds.max_unresolved_share,
                as_of_date=as_of.isoformat() if as_of else None,
            ),
            "dbt": dbt_resource(),
        },
    )


defs = build_defs(
    Path(os.environ.get("ISKPI_INPUT_DIR", SAMPLE_INPUT_DIR)),
    Path(os.environ.get("ISKPI_WAREHOUSE", DEFAULT_WAREHOUSE)),
    BlockingThresholds(
        max_quarantine_share=float(os.environ.get("ISKPI_MAX_QUARANTINE_SHARE", BlockingThresholds.max_quarantine_share)),
        max_rejected_files=int(os.environ.get("ISKPI_MAX_REJECTED_FILES", BlockingThresholds.max_rejected_files)),
        max_unresolved_share=float(os.environ.get("ISKPI_MAX_UNRESOLVED_SHARE", BlockingThresholds.max_unresolved_share)),
    ),
    date.fromisoformat(os.environ["ISKPI_AS_OF"]) if os.environ.get("ISKPI_AS_OF") else None,
)
