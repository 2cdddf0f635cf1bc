"""The run's logger for `iskpi run`: everything Dagster and dbt say goes to a log file in the
workspace, and step starts and ends become the phases the CLI shows (orchestration/progress.py).
Under `dagster dev` it is not configured, and Dagster's own console and UI logs apply."""

from __future__ import annotations

import logging

from dagster import Field, InitLoggerContext, logger

from orchestration import progress

STEP_EVENTS = {"STEP_START": None, "STEP_SUCCESS": True, "STEP_FAILURE": False}
_open_files: list[logging.FileHandler] = []


def close_run_logs() -> None:
    """Close the log files of finished runs (Dagster has no teardown for a logger)."""
    while _open_files:
        _open_files.pop().close()


class PhaseHandler(logging.Handler):
    """Turns Dagster's step events into phase lines for whoever listens."""

    def emit(self, record: logging.LogRecord) -> None:
        listener = progress.current()
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        if listener is None or event is None or event.event_type_value not in STEP_EVENTS:
            return
        succeeded = STEP_EVENTS[event.event_type_value]
        if succeeded is None:
            listener.phase_started(event.step_key)
        else:
            listener.phase_finished(event.step_key, succeeded)


@logger(config_schema={"path": Field(str, description="The log file; overwritten by each run.")},
        description="Dagster and dbt logs to a file; step events to the CLI's phase lines.")
def run_file_logger(init_context: InitLoggerContext) -> logging.Logger:
    run_logger = logging.Logger("iskpi.run", level=logging.DEBUG)
    # appended, like dbt's output that the dbt step writes to the same file
    to_file = logging.FileHandler(init_context.logger_config["path"], mode="a", encoding="utf-8")
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    _open_files.append(to_file)
    run_logger.addHandler(to_file)
    run_logger.addHandler(PhaseHandler())
    return run_logger
