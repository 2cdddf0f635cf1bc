"""The run's logger for `iskpi run`: everything Dagster and dbt say goes to a log file in the
workspace, and step starts and ends become the phases the CLI shows (orchestration/progress.py).
Under `dagster dev` it is not configured, and Dagster's own console and UI logs apply."""

from __future__ import annotations

import logging
import sys

from dagster import Field, InitLoggerContext, logger

from orchestration import progress

STEP_EVENTS = {"STEP_START": None, "STEP_SUCCESS": True, "STEP_FAILURE": False}


class RunLogFile(logging.FileHandler):
    """The run's log file. A log that cannot be written (a full disk) must not bury the run's own
    message under a traceback per record: the first failure is kept, and the file is written no more."""

    def __init__(self, path: str):
        super().__init__(path, mode="a", encoding="utf-8")  # appended, like dbt's output to the same file
        self.failure: OSError | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self.failure is None:
            super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        error = sys.exc_info()[1]
        self.failure = self.failure or (error if isinstance(error, OSError) else OSError(str(error)))

    def close(self) -> None:
        try:
            super().close()
        except OSError as error:
            self.failure = self.failure or error


_open_files: list[RunLogFile] = []


def close_run_logs() -> list[str]:
    """Close the log files of finished runs (Dagster has no teardown for a logger); what could not
    be written to them, one line each."""
    failures = []
    while _open_files:
        log_file = _open_files.pop()
        log_file.close()
        if log_file.failure is not None:
            failures.append(f"the run log {log_file.baseFilename} could not be written ({log_file.failure.strerror or log_file.failure}); "
                            "it is incomplete: free disk space before the next run")
    return failures


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
    to_file = RunLogFile(init_context.logger_config["path"])
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    _open_files.append(to_file)
    run_logger.addHandler(to_file)
    run_logger.addHandler(PhaseHandler())
    return run_logger
