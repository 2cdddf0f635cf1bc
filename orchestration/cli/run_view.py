"""What `iskpi run` shows: one line per phase with its elapsed time, a progress bar on long steps
(on a terminal), and a closing summary table. dbt and Dagster write to the run's log file."""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from orchestration import progress
from orchestration.nightly import NightlyOutcome
from orchestration.workspace import Workspace

PHASE_LABELS = {
    "warehouse_dbt_assets": "build the marts (dbt)",
    "published_warehouse": "publish",
    "manager_sheets": "manager's sheets",
    "raw__jp_public_holidays": "public holidays",
    "ingest": "load, every table",
}


def invoked_command() -> str:
    """`iskpi` when that is what the shell finds, else the path it was run by (`.venv/bin/iskpi`
    right after the README's first command, whose venv is not activated)."""
    invoked = Path(sys.argv[0])
    found = shutil.which("iskpi")
    if invoked.name != "iskpi" or (found and Path(found).resolve() == invoked.resolve()):
        return "iskpi"
    return str(invoked)


def phase_label(step_key: str) -> str:
    if step_key in PHASE_LABELS:
        return PHASE_LABELS[step_key]
    if step_key.startswith("raw__"):
        return f"load {step_key.removeprefix('raw__')}"
    if step_key.endswith("unresolved_leads"):
        about = "calls" if "calls" in step_key else "e-mails" if "email" in step_key else step_key
        return f"check unresolved leads · {about}"
    return f"check {step_key}"


class ConsoleView(progress.Listener):
    def __init__(self, console: Console | None = None):
        # a log or a pipe gets whole lines, not lines wrapped at 80 columns
        self.console = console or Console(highlight=False, soft_wrap=True)
        if not self.console.is_terminal:
            self.console.width = 132
        self.started: dict[str, float] = {}
        self.notes: dict[str, str] = {}
        # the phases under way, innermost last (a table's phase runs inside the ingest step's)
        self.steps: list[str] = []
        self.bar: Progress | None = None
        self.bar_task: TaskID | None = None
        self.bar_name = ""
        self.header = ""

    # -- progress.Listener --------------------------------------------------------------------

    def phase_started(self, step: str) -> None:
        if self.header:  # only once something runs: a refused run says one line and nothing else
            self._say(self.header)
            self.header = ""
        self.steps.append(step)
        self.started[step] = time.monotonic()

    def phase_finished(self, step: str, succeeded: bool) -> None:
        if step in self.steps:
            self.steps.remove(step)
        elapsed = time.monotonic() - self.started.get(step, time.monotonic())
        note = self.notes.get(step, "" if succeeded else "failed")
        self.console.print(Text.assemble(("✓", "green") if succeeded else ("✗", "red"),
                                         f" {phase_label(step):<34} {elapsed:6.1f} s  {note}"))

    def _say(self, line: str = "", style: str = "") -> None:
        """A line as it is: file names, labels and messages come from the data, and `[/]` in one
        must print as itself, not be read as rich's markup."""
        self.console.print(Text(line, style=style))

    def note(self, text: str) -> None:
        if self.steps:
            self.notes[self.steps[-1]] = text

    def task_started(self, name: str, total: float, unit: str) -> None:
        if not self.console.is_terminal:
            return
        self.bar_name = name
        self.bar = Progress(TextColumn("  {task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                            TimeElapsedColumn(), console=self.console, transient=True)
        self.bar.start()
        self.bar_task = self.bar.add_task(name, total=total)

    def task_advanced(self, amount: float, detail: str) -> None:
        if self.bar is not None and self.bar_task is not None:
            self.bar.update(self.bar_task, advance=amount, description=f"{self.bar_name} {detail}".strip())

    def task_finished(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    # -- the run ------------------------------------------------------------------------------

    def run(self, nightly: Callable[[], NightlyOutcome], workspace: Workspace) -> NightlyOutcome:
        self.header = f"iskpi run · workspace {workspace.root} · input {workspace.input_dir}"
        with progress.listening(self):
            return nightly()

    def summary(self, outcome: NightlyOutcome, seconds: float) -> None:
        print_ = self._say
        if outcome.refused:
            print_(outcome.message)
            return
        if outcome.tables:
            table = Table(title=None, show_edge=False, pad_edge=False)
            for column in ("table", "new files", "loaded", "quarantined", "re-admitted", "duplicates"):
                table.add_column(column, justify="left" if column == "table" else "right")
            for t in outcome.tables:
                table.add_row(t.table, f"{t.files:,}", f"{t.rows_loaded:,}", f"{t.rows_quarantined:,}",
                              f"{t.rows_readmitted:,}", f"{t.exact_duplicates:,}")
            print_()
            self.console.print(table)
        for warning in outcome.warnings:
            print_(f"note: {warning}")
        if outcome.unmatched_files:
            print_(f"not loaded, belonging to no table (name them <table>.csv or <table>_<anything>.csv): "
                   f"{', '.join(outcome.unmatched_files)}")
        channels = [(value, rows) for label, value, rows in outcome.unmapped_labels if label == "channel"]
        currencies = [(value, rows) for label, value, rows in outcome.unmapped_labels if label == "currency"]
        if channels:
            values = ", ".join(f"{value} ({rows:,})" for value, rows in channels[:10])
            print_(f"unmapped channel labels, kept as their own channel (group 'unmapped'; marts.unmapped_labels): {values}. "
                   "Map them in mappings/channels.csv.")
        if currencies:
            values = ", ".join(f"{value} ({rows:,} deals)" for value, rows in currencies[:10])
            print_(f"amounts in currencies without a rate, left out of won amount and pipeline (marts.unmapped_labels): {values}. "
                   "Add month_start,currency,rate lines to mappings/currency_rates.csv.")
        print_()
        if outcome.success:
            details = [line for line in outcome.message.splitlines() if line.startswith("  ")]
            for line in details:
                print_(line.strip())
            if outcome.nothing_new:
                print_(f"Nothing new since the last published night: nothing rebuilt, nothing published ({seconds:.0f} s).")
            else:
                print_(f"Published {outcome.published} ({outcome.published_tables} tables) in {seconds:.0f} s.")
                if outcome.reports:
                    print_(f"The manager's sheets: {outcome.reports} (daily.html, weekly.html, monthly.html)")
                print_(f'Query it: {invoked_command()} query "select * from marts.kpi_daily limit 10"')
        else:
            if outcome.published:
                print_(f"Published {outcome.published}, but a later step failed:", style="yellow")
            else:
                print_("Nothing was published; BI keeps the warehouse it had.", style="red")
            print_(outcome.message)
        if outcome.log_file:
            print_(f"dbt and Dagster logs: {outcome.log_file}")
