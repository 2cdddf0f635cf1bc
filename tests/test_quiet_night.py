"""A night known to bring nothing before the job starts (orchestration/quiet_night.py): the same
files, settings, mappings and code as the last good night, whose build reached readers."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

import duckdb
import pytest

from expectations.gate import ensure_audit
from orchestration.quiet_night import destinations, is_quiet, night_key, record_night
from orchestration.transform.build_state import begin_build, finish_build, record_published
from orchestration.workspace import Workspace, init_workspace

LAST_NIGHT = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)


@pytest.fixture
def quiet(tmp_path) -> tuple[Workspace, str]:
    """A workspace whose last night loaded one file, built, published and kept its key."""
    workspace = init_workspace(tmp_path / "ws")
    (workspace.input_dir / "calls_20261202.csv").write_text("call_id\nc1\n", encoding="utf-8")
    workspace.warehouse.parent.mkdir(parents=True)
    workspace.warehouse.write_bytes(b"")
    (workspace.warehouse.parent / "reports").mkdir()
    workspace.work_db.parent.mkdir(parents=True)
    key = night_key(workspace, None)
    with duckdb.connect(str(workspace.work_db)) as con:
        ensure_audit(con)
        _load_file(con, 1, "loaded", LAST_NIGHT)
        finish_build(con, begin_build(con, "fingerprint", None).build_id)
        record_published(con, destinations(workspace))
    record_night(workspace, key, LAST_NIGHT)
    return workspace, key


def _load_file(con: duckdb.DuckDBPyConnection, file_id: int, status: str, at: datetime) -> None:
    con.execute("insert into audit.load_files (file_id, entity, file_name, sha256, status, rows_read, rows_loaded, "
                "rows_quarantined, exact_duplicates, loaded_at) values (?, 'calls', 'calls.csv', 'sha', ?, 2, 1, 1, 0, ?)",
                [file_id, status, at])


def _quarantine(workspace: Workspace, rule: str, value: str) -> None:
    with duckdb.connect(str(workspace.work_db)) as con:
        con.execute("insert into audit.quarantine values (1, 'calls', 'calls.csv', 2, ?, 'started_at', ?, 'r1')", [rule, value])


def test_a_night_that_reads_what_the_last_good_night_read_is_quiet(quiet):
    workspace, key = quiet
    assert night_key(workspace, None) == key
    assert is_quiet(workspace, key)


def _new_export(workspace: Workspace) -> None:
    (workspace.input_dir / "calls_20261203.csv").write_text("call_id\nc2\n", encoding="utf-8")


def _export_copied_again(workspace: Workspace) -> None:
    export = workspace.input_dir / "calls_20261202.csv"
    os.utime(export, ns=(export.stat().st_atime_ns, export.stat().st_mtime_ns + 1_000_000))


def _new_target(workspace: Workspace) -> None:
    (workspace.targets_dir / "targets.csv").write_text("month_start\n2026-12-01\n", encoding="utf-8")


def _mapping_edited(workspace: Workspace) -> None:
    mapping = next(workspace.mappings_dir.glob("*.csv"))
    mapping.write_text(mapping.read_text(encoding="utf-8") + "\n", encoding="utf-8")


def _own_format_added(workspace: Workspace) -> None:
    workspace.sources_dir.mkdir(exist_ok=True)
    (workspace.sources_dir / "mydialer.yml").write_text("name: mydialer\n", encoding="utf-8")


@pytest.mark.parametrize("change", [_new_export, _export_copied_again, _new_target, _mapping_edited, _own_format_added])
def test_a_file_a_run_reads_changed_makes_a_full_night(quiet, change):
    workspace, key = quiet
    change(workspace)
    assert night_key(workspace, None) != key


def test_settings_the_environment_and_a_past_day_make_a_full_night(quiet, monkeypatch):
    workspace, key = quiet
    assert night_key(workspace.with_overrides(sla_minutes=10), None) != key
    assert night_key(workspace.with_overrides(postgres_publish=True), None) != key  # a new destination
    assert night_key(workspace, date(2026, 11, 30)) != key
    monkeypatch.setenv("PGHOST", "bi-db")
    assert night_key(workspace, None) != key
    monkeypatch.delenv("PGHOST")
    monkeypatch.setenv("ISKPI_WORKSPACE", str(workspace.root))
    assert night_key(workspace, None) != key


def test_a_build_that_did_not_reach_readers_makes_a_full_night(quiet):
    workspace, key = quiet
    with duckdb.connect(str(workspace.work_db)) as con:
        record_published(con, None)  # the sheets or PostgreSQL failed after the file was published
    assert not is_quiet(workspace, key)


def test_a_build_since_the_last_good_night_makes_a_full_night(quiet):
    workspace, key = quiet
    with duckdb.connect(str(workspace.work_db)) as con:
        begin_build(con, "fingerprint", None)  # a night that loaded rows and failed in dbt
    assert not is_quiet(workspace, key)


@pytest.mark.parametrize("removed", ["published", "reports"])
def test_a_published_file_or_sheets_taken_away_make_a_full_night(quiet, removed):
    workspace, key = quiet
    if removed == "published":
        workspace.warehouse.unlink()
    else:
        (workspace.warehouse.parent / "reports").rmdir()
    assert not is_quiet(workspace, key)


def test_a_row_held_for_a_time_ahead_of_the_load_makes_a_full_night_and_one_before_2000_does_not(quiet):
    workspace, key = quiet
    _quarantine(workspace, "calls.started_at.plausible", "1999-12-31 10:00:00+00")  # never passes on the clock
    _quarantine(workspace, "calls.rep_id.references_reps", "r9")  # passes only with a new reps file
    assert is_quiet(workspace, key)
    _quarantine(workspace, "calls.started_at.plausible", "2026-12-04 10:00:00+00")  # passes once the clock gets there
    assert not is_quiet(workspace, key)


def test_a_night_that_rejected_or_blocked_a_file_keeps_no_key_so_the_next_night_tries_it_again(quiet):
    workspace, key = quiet
    _new_export(workspace)
    tonight, started = night_key(workspace, None), LAST_NIGHT + timedelta(days=1)
    with duckdb.connect(str(workspace.work_db)) as con:
        _load_file(con, 2, "rejected", started + timedelta(seconds=5))
    record_night(workspace, tonight, started)
    assert not is_quiet(workspace, tonight)
    record_night(workspace, tonight, started + timedelta(seconds=10))  # a later night that rejected nothing
    assert is_quiet(workspace, tonight)


def test_a_warehouse_from_before_the_key_was_kept_makes_a_full_night(tmp_path):
    workspace = init_workspace(tmp_path / "ws")
    workspace.warehouse.parent.mkdir(parents=True)
    workspace.warehouse.write_bytes(b"")
    (workspace.warehouse.parent / "reports").mkdir()
    workspace.work_db.parent.mkdir(parents=True)
    with duckdb.connect(str(workspace.work_db)) as con:
        con.execute("create schema audit; create table audit.dbt_builds (build_id bigint, finished_at timestamptz)")
    assert not is_quiet(workspace, night_key(workspace, None))
