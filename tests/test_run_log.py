"""The run log on a full disk: the run's own message stays readable."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from orchestration.defs.run_log import RunLogFile, _open_files, close_run_logs

FULL_DISK = Path("/dev/full")  # every write fails with ENOSPC


@pytest.mark.skipif(not FULL_DISK.exists(), reason="needs /dev/full")
def test_a_log_file_on_a_full_disk_says_so_once_and_never_raises(capsys):
    """It printed 9 'Logging error' tracebacks and ended in an uncaught OSError from closing the log."""
    handler = RunLogFile(str(FULL_DISK))
    _open_files.append(handler)
    log = logging.Logger("iskpi.test")
    log.addHandler(handler)
    for n in range(50):
        log.info("record %d", n)
    (failure,) = close_run_logs()
    assert "could not be written" in failure and "No space left on device" in failure
    assert "Logging error" not in capsys.readouterr().err
    assert close_run_logs() == []


def test_a_log_that_writes_reports_nothing(tmp_path):
    handler = RunLogFile(str(tmp_path / "run.log"))
    _open_files.append(handler)
    log = logging.Logger("iskpi.test.ok")
    log.addHandler(handler)
    log.info("written")
    assert close_run_logs() == []
    assert "written" in (tmp_path / "run.log").read_text(encoding="utf-8")
