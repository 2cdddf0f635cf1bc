"""The nightly job and its schedule (iskpi.yml's nightly_cron, 02:00 by default, in the business time zone)."""

from __future__ import annotations

from dagster import AssetSelection, ScheduleDefinition, define_asset_job, in_process_executor

from orchestration.settings import Settings

# One step at a time in one process: the working DuckDB file has a single writer.
NIGHTLY_JOB = define_asset_job("nightly", selection=AssetSelection.all(), executor_def=in_process_executor)


def nightly_schedule(settings: Settings) -> ScheduleDefinition:
    """The job's schedule, from the workspace's settings as they are when the definitions are built."""
    return ScheduleDefinition(
        name="nightly_schedule",
        job=NIGHTLY_JOB,
        cron_schedule=settings.nightly_cron,
        execution_timezone=settings.business_time_zone,
    )
