"""A team whose phone system and CRM both record its calls, and whose reps change teams
(overlapping_team): one call is one call whichever night its CRM log arrives, the logging gap is
the hand count, and every call counts in the team its rep was in that day."""

from __future__ import annotations

from pathlib import Path

import duckdb
import overlapping_team as team
import pytest
from workspaces import run_nightly

pytestmark = pytest.mark.e2e

def _night(folder: Path, warehouse: Path) -> Path:
    # no as-of date: a night that names one builds in full, and these nights must be incremental
    outcome = run_nightly(folder, warehouse)
    assert outcome.success, outcome.message
    return warehouse


@pytest.fixture(scope="module")
def same_night(tmp_path_factory) -> Path:
    """Both nights' exports dropped at once."""
    folder = team.write_night_2(team.write_night_1(tmp_path_factory.mktemp("same_night_inbox")))
    return _night(folder, tmp_path_factory.mktemp("same_night") / "iskpi.duckdb")


@pytest.fixture(scope="module")
def nights(tmp_path_factory) -> dict[str, dict[str, list[tuple]]]:
    """Night 1, then night 2 (the CRM logs of two calls a night late, the reorganisation), then a
    night whose CRM export syncs every task again: the marts after each."""
    folder = team.write_night_1(tmp_path_factory.mktemp("nights_inbox"))
    warehouse = tmp_path_factory.mktemp("nights") / "iskpi.duckdb"
    after = {"night 1": _marts(_night(folder, warehouse))}
    team.write_night_2(folder)
    after["night 2"] = _marts(_night(folder, warehouse))
    resync = folder / "salesforce" / "task_20260522_full_sync.csv"
    with resync.open("w", encoding="utf-8", newline="") as stream:
        for number, name in enumerate(("task_20260520.csv", "task_20260521.csv")):
            lines = (folder / "salesforce" / name).read_text(encoding="utf-8").splitlines(keepends=True)
            stream.writelines(lines if number == 0 else lines[1:])
    after["resync"] = _marts(_night(folder, warehouse))
    work_db = warehouse.parent / ".iskpi" / "work" / "iskpi.work.duckdb"
    with duckdb.connect(str(work_db), read_only=True) as con:
        builds = con.sql("select is_full_refresh from audit.dbt_builds order by build_id").fetchall()
    # night 2 was incremental; the full sync brought only rows already loaded: nothing to build
    assert builds == [(True,), (False,)]
    return after


COMPARED = {
    "fct_call": "select call_id, rep_id, lead_id, started_date, canonical_result, logged_result, is_dial, is_connected, seen_in, "
                "is_placed_by_phone_system, is_logged_in_crm from marts.fct_call order by call_id",
    "kpi_daily": "select activity_date, rep_id, dials, connected_calls from marts.kpi_daily order by all",
    "call_logging": "select * from marts.call_logging order by all",
    "kpi_monthly": "select month_start, scope_type, scope_id, dials from marts.kpi_monthly order by all",
}


def _marts(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {name: con.sql(sql).fetchall() for name, sql in COMPARED.items()}


def _calls(marts: dict[str, list[tuple]]) -> dict[str, tuple]:
    return {row[0]: row[1:] for row in marts["fct_call"]}


def test_a_call_in_both_systems_is_one_call_with_the_crms_label(same_night):
    calls = _calls(_marts(same_night))
    phone_ids = [call for call, *_ in team.PHONE_CALLS]
    unlogged_task = team.CRM_LOGS[2][0]
    assert sorted(calls) == sorted(phone_ids + [unlogged_task])
    for call, label in team.LOGGED_RESULTS.items():
        rep, lead, day, result, logged_result, *_, seen_in, placed, logged = calls[call]
        assert (logged_result, seen_in, placed, logged) == (label, "miitel, salesforce", True, True), call
    assert calls["M3"][-3:] == ("miitel", True, False)
    assert calls[unlogged_task][-3:] == ("salesforce", False, True)
    dials = {(rep, day.isoformat()): (d, c) for day, rep, d, c in _marts(same_night)["kpi_daily"] if d}
    assert dials == team.DIALS


def test_the_logging_gap_is_the_hand_count(same_night):
    got = {(rep, day.isoformat()): (placed, logged, matched, not_logged, not_placed)
           for day, rep, placed, logged, matched, not_logged, not_placed, _ in _marts(same_night)["call_logging"]}
    assert got == team.LOGGING
    rates = {(rep, day.isoformat()): rate for day, rep, *_, rate in _marts(same_night)["call_logging"]}
    assert rates[("R1", "2026-05-12")] == pytest.approx(2 / 3)


def test_a_crm_log_a_night_late_changes_no_count(nights, same_night):
    first, second = _calls(nights["night 1"]), _calls(nights["night 2"])
    assert set(first) == set(second)  # T5 and T7 joined M5 and M7, which counted from night 1
    assert (first["M5"][4], second["M5"][4]) == (None, "appointment")
    assert nights["night 1"]["kpi_daily"] == nights["night 2"]["kpi_daily"]
    for mart in ("fct_call", "kpi_daily", "call_logging"):
        assert nights["night 2"][mart] == _marts(same_night)[mart], mart


def test_a_crm_export_that_syncs_every_task_again_changes_nothing(nights):
    assert nights["resync"] == nights["night 2"]
