"""One run at a time per workspace: DuckDB has one writer, and two runs would interleave their
loads and publishes. The lock is an flock on `.iskpi/work/run.lock` beside the working database, held
for the whole run and released by the kernel if the process dies; the file names its holder."""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from connectors.files import private_folder

_held: dict[Path, int] = {}  # lock file -> depth, so the CLI and the job's resource can both take it


class RunInProgress(Exception):
    """Another run holds the warehouse; the message is the one line the user sees."""


def _holder(path: Path) -> str:
    try:
        holder = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        holder = {}
    if not holder:
        return "another process"
    return f"process {holder.get('pid')} ({holder.get('command', 'iskpi')}), started {holder.get('started_at')}"


@contextmanager
def exclusive_run(work_dir: Path, wait_seconds: float, command: str = "iskpi run") -> Iterator[None]:
    path = (work_dir / "run.lock").resolve()
    if path in _held:  # this process already holds it (iskpi run around the job)
        _held[path] += 1
        try:
            yield
        finally:
            _held[path] -= 1
        return
    private_folder(work_dir)
    handle = path.open("a+", encoding="utf-8")
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    waited = f" after waiting {wait_seconds:g} s" if wait_seconds else ""
                    raise RunInProgress(
                        f"another run is using this workspace ({work_dir.parents[1]}): {_holder(path)}; nothing was done{waited} "
                        "(raise run_lock_wait_seconds in iskpi.yml to wait longer)"
                    ) from None
                time.sleep(min(0.5, max(deadline - time.monotonic(), 0.01)))
        handle.seek(0)
        handle.truncate()
        started = datetime.now(UTC).astimezone().isoformat(timespec="seconds")
        handle.write(json.dumps({"pid": os.getpid(), "command": command, "started_at": started}))
        handle.flush()
        _held[path] = 1
        try:
            yield
        finally:
            del _held[path]
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()
