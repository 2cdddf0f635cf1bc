"""The night's message to the workspace's webhook (orchestration/serving/notify.py), with the stale
sources and the week's anomalies read from the published warehouse. `iskpi run` sends it when its
job ends (orchestration/nightly.py); a run the Dagster daemon starts (`dagster dev`, on the
nightly schedule) sends it through the two sensors here."""

from __future__ import annotations

import duckdb
import pandas as pd
from dagster import (
    AssetKey,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunStatusSensorContext,
    run_failure_sensor,
    run_status_sensor,
)

from orchestration.defs.schedules import NIGHTLY_JOB
from orchestration.serving.notify import NightSummary, resolve_url, send
from orchestration.sheets import ReportError
from orchestration.sheets.queries import Warehouse, anomalies_of_week, last_complete_week, phase_of, source_freshness, stale_sources
from orchestration.workspace import Workspace

ANOMALIES_TOLD = 5
REASONS_TOLD = 5
PUBLISHED_WAREHOUSE = AssetKey(["published_warehouse"])


def reasons_of(message: str) -> list[str]:
    """Why a night was blocked, as the message tells it: the first lines of what stopped it."""
    return [line.strip() for line in message.splitlines() if line.strip()][:REASONS_TOLD]


def tell_night(workspace: Workspace, status: str, reasons: list[str], look: str) -> list[str]:
    """Send the night's message if iskpi.yml names a webhook; returns what went wrong, for the run log."""
    settings = workspace.settings
    url = resolve_url(settings.notify_webhook_url)
    if url is None:
        return [f"notify_webhook_url names {settings.notify_webhook_url}, which is not set: no message was sent"
                ] if settings.notify_webhook_url else []
    problems, stale, anomalies = [], [], []
    if workspace.warehouse.exists():
        try:
            warehouse = Warehouse(workspace.warehouse)
            stale = stale_sources(source_freshness(warehouse))
            week = last_complete_week(pd.Timestamp(phase_of(warehouse)["as_of_date"]).date())
            anomalies = anomalies_of_week(warehouse, week)[1][:ANOMALIES_TOLD]
        except (ReportError, duckdb.Error) as unreadable:  # a warehouse of an earlier version, or none yet
            problems.append(f"the notification names no stale source or anomaly: {unreadable}")
    summary = NightSummary(workspace.root.name, status, reasons, look, stale, anomalies)
    problem = send(summary, url, settings.notify_format, settings.notify_timeout_seconds)
    return problems + ([problem] if problem else [])


def notification_sensors(workspace: Workspace) -> list:
    """For runs the daemon starts: a message when the nightly job succeeds and when it fails."""
    if not workspace.settings.notify_webhook_url:
        return []

    @run_status_sensor(run_status=DagsterRunStatus.SUCCESS, monitored_jobs=[NIGHTLY_JOB], name="nightly_message_on_success",
                       default_status=DefaultSensorStatus.RUNNING)
    def on_success(context: RunStatusSensorContext) -> None:
        published = context.instance.get_latest_materialization_event(PUBLISHED_WAREHOUSE)
        status = "published" if published is not None and published.run_id == context.dagster_run.run_id else "unchanged"
        for problem in tell_night(workspace, status, [], ""):
            context.log.warning(problem)

    @run_failure_sensor(monitored_jobs=[NIGHTLY_JOB], name="nightly_message_on_failure", default_status=DefaultSensorStatus.RUNNING)
    def on_failure(context: RunFailureSensorContext) -> None:
        reasons = reasons_of(context.failure_event.message or "")
        look = f"the run {context.dagster_run.run_id} in Dagster's UI, and `iskpi --workspace {workspace.root} run`"
        for problem in tell_night(workspace, "blocked", reasons, look):
            context.log.warning(problem)

    return [on_success, on_failure]
