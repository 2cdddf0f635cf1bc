"""What a run is doing, for whoever shows it.

`iskpi run` listens and draws one line per phase with its elapsed time, and a progress bar on long
steps; under `dagster dev` nobody listens and these calls cost nothing. Phases are the Dagster
steps (reported by the run's logger, orchestration/defs/run_log.py); the steps themselves add a
note to their line (rows loaded, marts published) and report long tasks (bytes landed, dbt nodes).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Listener(Protocol):
    def phase_started(self, step: str) -> None: ...
    def phase_finished(self, step: str, succeeded: bool) -> None: ...
    def note(self, text: str) -> None: ...
    def task_started(self, name: str, total: float, unit: str) -> None: ...
    def task_advanced(self, amount: float, detail: str) -> None: ...
    def task_finished(self) -> None: ...


_listener: Listener | None = None


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    global _listener
    previous, _listener = _listener, listener
    try:
        yield
    finally:
        _listener = previous


def current() -> Listener | None:
    return _listener


def note(text: str) -> None:
    """A detail for the current phase's line."""
    if _listener is not None:
        _listener.note(text)


@contextmanager
def phase(step: str) -> Iterator[None]:
    """A phase inside a Dagster step: each table of the one ingest step gets its own line."""
    if _listener is None:
        yield
        return
    _listener.phase_started(step)
    succeeded = False
    try:
        yield
        succeeded = True
    finally:
        _listener.phase_finished(step, succeeded)


class Task:
    def advance(self, amount: float, detail: str = "") -> None:
        if _listener is not None:
            _listener.task_advanced(amount, detail)


@contextmanager
def task(name: str, total: float, unit: str) -> Iterator[Task]:
    """A long step: `total` units (bytes, nodes) advanced as they are done."""
    if _listener is None or not total:
        yield Task()
        return
    _listener.task_started(name, total, unit)
    try:
        yield Task()
    finally:
        _listener.task_finished()
