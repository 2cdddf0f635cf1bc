"""What `iskpi run` prints: every text that comes from the data prints as it is."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from orchestration.cli.run_view import ConsoleView
from orchestration.nightly import NightlyOutcome


def printed(outcome: NightlyOutcome, phases: dict[str, str] | None = None) -> str:
    out = io.StringIO()
    view = ConsoleView(Console(file=out, width=200, highlight=False, soft_wrap=True))
    for step, note in (phases or {}).items():
        view.phase_started(step)
        view.note(note)
        view.phase_finished(step, True)
    view.summary(outcome, 1.0)
    return out.getvalue()


def test_brackets_in_file_names_labels_and_messages_print_as_they_are():
    """rich read `[/]` in a held value as markup and ended the run with a MarkupError after publishing."""
    outcome = NightlyOutcome(
        True, "  calls: unknown value '[/]' (1 row)", unmatched_files=["notes_[bold].txt"],
        unmapped_labels=[("channel", "[red]広告[/red]", 3)], warnings=["mapping [x].csv was missing"],
        published=Path("/w/iskpi.duckdb"), published_tables=3,
    )
    text = printed(outcome, {"raw__calls": "2 files: calls_[1].csv"})
    for shown in ("'[/]'", "notes_[bold].txt", "[red]広告[/red] (3)", "mapping [x].csv", "calls_[1].csv"):
        assert shown in text


def test_a_failed_run_prints_its_message_whole():
    text = printed(NightlyOutcome(False, "step x failed: [/] in a value", log_file=Path("/w/logs/[a].log")))
    assert "Nothing was published" in text and "[/] in a value" in text and "/w/logs/[a].log" in text


def test_the_closing_hint_names_the_command_as_it_was_run(monkeypatch, tmp_path):
    """Right after the README's first command the venv is not on PATH: `iskpi query` would not run."""
    from orchestration.cli import run_view

    monkeypatch.setattr(run_view.sys, "argv", [".venv/bin/iskpi", "run"])
    monkeypatch.setenv("PATH", str(tmp_path))
    assert run_view.invoked_command() == ".venv/bin/iskpi"
    text = printed(NightlyOutcome(True, "", published=Path("/w/iskpi.duckdb"), published_tables=3))
    assert 'Query it: .venv/bin/iskpi query "select' in text
    monkeypatch.setattr(run_view.sys, "argv", ["/usr/local/bin/python", "-m", "pytest"])
    assert run_view.invoked_command() == "iskpi"


def test_each_table_of_the_one_ingest_step_gets_its_own_line_with_its_own_note():
    from orchestration import progress

    out = io.StringIO()
    view = ConsoleView(Console(file=out, width=200, highlight=False, soft_wrap=True))
    with progress.listening(view):
        view.phase_started("ingest")
        for table, note in (("reps", "1 new file(s)"), ("calls", "no new file (3 already loaded)")):
            with progress.phase(f"raw__{table}"):
                progress.note(note)
        view.phase_finished("ingest", True)
    lines = out.getvalue().splitlines()
    assert [line.split()[1:3] for line in lines] == [["load", "reps"], ["load", "calls"], ["load,", "every"]]
    assert lines[0].endswith("1 new file(s)") and lines[1].endswith("no new file (3 already loaded)")
    assert lines[2].rstrip().endswith(" s")  # the step's own line carries no table's note
