"""The nightly job and its schedule (02:00 Asia/Tokyo unless configured otherwise)."""

from __future__ import annotations

import os

from dagster import AssetSelection, ScheduleDefinition, define_asset_job, in_process_executor

# One step at a time in one process: the working DuckDB file has a single writer.
NIGHTLY_JOB = define_asset_job("nightly", selection=AssetSelection.all(), executor_def=in_process_executor)


def nightly_schedule() -> ScheduleDefinition:
    """The job's schedule, from the environment as it is when the definitions are built (not when
    this module was first imported)."""
    return ScheduleDefinition(
        name="nightly_schedule",
        job=NIGHTLY_JOB,
        cron_schedule=os.environ.get("ISKPI_NIGHTLY_CRON", "0 2 * * *"),
        execution_timezone=os.environ.get("ISKPI_SCHEDULE_TIME_ZONE", "Asia/Tokyo"),
    )
