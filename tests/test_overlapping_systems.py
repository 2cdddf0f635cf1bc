"""A team whose phone system and CRM both record its calls, and whose reps change teams
(overlapping_team): one call is one call whichever night its CRM log arrives, the logging gap is
the hand count, and every call counts in the team its rep was in that day."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import duckdb
import overlapping_team as team
import psycopg
import pytest
import webhook_endpoint
from pytest_postgresql import factories
from workspaces import fresh_database, run_nightly

from orchestration.serving.postgres import team_role

pytestmark = pytest.mark.e2e

postgresql_proc = factories.postgresql_proc(executable=str(Path(__file__).parent / "postgres" / "pg_ctl"), port=None)
DATABASE = "iskpi_overlapping"

def _night(folder: Path, warehouse: Path, **settings: object) -> Path:
    # no as-of date: a night that names one builds in full, and these nights must be incremental
    outcome = run_nightly(folder, warehouse, **settings)
    assert outcome.success, outcome.message
    return warehouse


@pytest.fixture(scope="module")
def postgres_dsn(postgresql_proc) -> str:
    return fresh_database(postgresql_proc, DATABASE)


@pytest.fixture(scope="module")
def webhook():
    with webhook_endpoint.listening() as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def same_night(tmp_path_factory, postgres_dsn) -> Path:
    """Both nights' exports dropped at once, the marts published to PostgreSQL too; the night's
    webhook is dead (nothing listens on its port)."""
    folder = team.write_night_2(team.write_night_1(tmp_path_factory.mktemp("same_night_inbox")))
    warehouse = tmp_path_factory.mktemp("same_night") / "iskpi.duckdb"
    outcome = run_nightly(folder, warehouse, postgres_publish=True, postgres_dsn=postgres_dsn,
                          notify_webhook_url="http://127.0.0.1:9/hooks/iskpi", notify_timeout_seconds=2.0)
    assert outcome.success, outcome.message
    assert any("notification webhook at 127.0.0.1 could not be reached" in w for w in outcome.warnings), outcome.warnings
    assert "could not be reached" in outcome.log_file.read_text(encoding="utf-8")
    return warehouse


@pytest.fixture(scope="module")
def nights(tmp_path_factory, webhook) -> dict[str, dict[str, list[tuple]]]:
    """Night 1, then night 2 (the CRM logs of two calls a night late, the reorganisation), then a
    night whose CRM export syncs every task again: the marts after each, and what the webhook got."""
    folder = team.write_night_1(tmp_path_factory.mktemp("nights_inbox"))
    warehouse = tmp_path_factory.mktemp("nights") / "iskpi.duckdb"
    notify = {"notify_webhook_url": f"{webhook[0]}/hooks/nights"}
    after = {"night 1": _marts(_night(folder, warehouse, **notify))}
    team.write_night_2(folder)
    after["night 2"] = _marts(_night(folder, warehouse, **notify))
    resync = folder / "salesforce" / "task_20260522_full_sync.csv"
    with resync.open("w", encoding="utf-8", newline="") as stream:
        for number, name in enumerate(("task_20260520.csv", "task_20260521.csv")):
            lines = (folder / "salesforce" / name).read_text(encoding="utf-8").splitlines(keepends=True)
            stream.writelines(lines if number == 0 else lines[1:])
    after["resync"] = _marts(_night(folder, warehouse, **notify))
    after["messages"] = [body for path, body in webhook[1] if path == "/hooks/nights"]
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
           for day, rep, _team, placed, logged, matched, not_logged, not_placed, _rate in _marts(same_night)["call_logging"]}
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
    assert {mart: rows for mart, rows in nights["resync"].items() if mart != "messages"} == {
        mart: rows for mart, rows in nights["night 2"].items() if mart != "messages"}


def _team_dials(marts: dict[str, list[tuple]]) -> dict[str, int]:
    return {scope_id: dials for month, scope_type, scope_id, dials in marts["kpi_monthly"]
            if scope_type == "team" and month == date(2026, 5, 1)}


def test_a_rep_who_moved_counts_in_each_team_on_the_days_he_was_in_it(same_night, nights):
    with duckdb.connect(str(same_night), read_only=True) as con:
        history = con.sql("select rep_id, team, valid_from, valid_to from marts.dim_rep_team order by all").fetchall()
    move = date.fromisoformat(team.TEAM_MOVE)
    assert history == [("R1", "大阪BDR", date(1900, 1, 1), move), ("R1", "東京SDR", move, None), ("R2", "東京SDR", date(1900, 1, 1), None)]
    assert _team_dials(_marts(same_night)) == team.MAY_TEAM_DIALS
    assert _team_dials(nights["night 2"]) == team.MAY_TEAM_DIALS
    assert _team_dials(nights["night 1"]) == {"大阪BDR": 5, "東京SDR": 2}  # before the reorganisation was known


def test_the_monthly_sheet_splits_the_rep_and_the_weekly_sheet_names_who_logs_least(same_night):
    reports = same_night.parent / "reports"
    with (reports / "monthly_kpis_raw.csv").open(encoding="utf-8-sig") as stream:
        dials = next(row for row in csv.DictReader(stream) if row["KPI"].startswith("架電数"))
    assert {name: int(float(dials[f"team {name}"])) for name in team.MAY_TEAM_DIALS} == team.MAY_TEAM_DIALS
    with (reports / "weekly_logging_gap_raw.csv").open(encoding="utf-8-sig") as stream:
        rows = list(csv.DictReader(stream))
    *_, not_logged, not_placed = team.LOGGING[("R1", "2026-05-12")]  # the week of 11 May: R1 alone logged less
    assert [(r["担当者ID (rep ID)"], int(float(r["未入力 (not logged)"])), int(float(r["発信記録なし (logged, no phone record)"])))
            for r in rows] == [
        ("R1", not_logged, not_placed)]


def test_a_team_with_a_handful_of_calls_gets_no_best_hours_but_not_enough_data(same_night):
    """7 dials in May: every weekday × hour cell is thin, and 1 of 1 connected is not advice."""
    with (same_night.parent / "reports" / "monthly_best_hours_raw.csv").open(encoding="utf-8-sig") as stream:
        rows = list(csv.DictReader(stream))
    assert [(r["チーム (team)"], r["時間帯 (when)"]) for r in rows] == [
        (name, "まだ判断できません (not enough data yet)") for name in sorted(team.MAY_TEAM_DIALS)]
    with duckdb.connect(str(same_night), read_only=True) as con:
        cells = con.sql("select connect_rate, has_too_little_data from marts.kpi_call_timing where scope_type = 'team'").fetchall()
    assert any(rate == 1.0 for rate, _ in cells) and all(thin for _, thin in cells)


def test_a_team_role_reads_its_rep_on_the_days_he_was_in_the_team(same_night, postgres_dsn):
    expected_days = {team_name: {(rep, day) for (rep, day) in team.DIALS
                                 if (team_name == "大阪BDR") == (rep == "R1" and day < team.TEAM_MOVE)}
                     for team_name in team.MAY_TEAM_DIALS}
    for team_name, days in expected_days.items():
        with psycopg.connect(psycopg.conninfo.make_conninfo(postgres_dsn, user=team_role(team_name))) as reader:
            got = {(rep, day.isoformat()) for rep, day in reader.execute(
                "select rep_id, activity_date from marts.kpi_daily where dials > 0").fetchall()}
            monthly = reader.execute("select scope_id, dials from marts.kpi_monthly "
                                     "where scope_type = 'team' and month_start = '2026-05-01'").fetchall()
        assert got == days, team_name
        assert monthly == [(team_name, team.MAY_TEAM_DIALS[team_name])]


def test_teams_as_current_counts_every_day_in_the_team_the_rep_is_in_now(tmp_path, webhook):
    """Its webhook hangs: the night gives up on it after 1 s, says so, and publishes."""
    folder = team.write_night_2(team.write_night_1(tmp_path / "inbox"))
    outcome = run_nightly(folder, tmp_path / "current" / "iskpi.duckdb", teams_as="current",
                          notify_webhook_url=f"{webhook[0]}/hang", notify_timeout_seconds=1.0)
    assert outcome.success, outcome.message
    assert any("did not answer within 1 s" in w for w in outcome.warnings), outcome.warnings
    assert _team_dials(_marts(tmp_path / "current" / "iskpi.duckdb")) == {"東京SDR": sum(team.MAY_TEAM_DIALS.values())}


# -- whether to trust it ---------------------------------------------------------------------------


def test_the_sheets_open_with_each_sources_freshness_and_flag_a_stale_one(same_night):
    with (same_night.parent / "reports" / "daily_sources_raw.csv").open(encoding="utf-8-sig") as stream:
        banner = {row["ソース (source)"]: row for row in csv.DictReader(stream)}
    # the as-of day is 20 May, the last day with data; the leads were exported up to Friday 1 May: the
    # business days after it are 7-8, 11-15 and 18-20 May (4-6 May are Golden Week holidays)
    assert banner["template leads"]["状態 (state)"].startswith("⚠")
    assert float(banner["template leads"]["遅れ 営業日 (business days behind)"]) == 2 + 5 + 3
    assert banner["miitel calls"]["状態 (state)"] == "OK" and banner["salesforce calls"]["状態 (state)"] == "OK"
    assert banner["miitel calls"]["最新レコード (latest record)"] == "2026-05-20 10:02"
    assert int(float(banner["miitel calls"]["昨夜の取込行 (rows loaded last night)"])) == len(team.PHONE_CALLS)
    html = (same_night.parent / "reports" / "daily.html").read_text(encoding="utf-8")
    assert "公開済み" in html and "doubtful" in html  # published, and a source to check


def test_the_webhook_gets_one_message_per_night_naming_stale_sources_and_no_row_content(nights):
    messages = nights["messages"]
    assert [m["status"] for m in messages] == ["published", "published", "unchanged"]
    # night 1: the CRM's tasks ended on 12 May while the phone system's calls ran to 20 May
    assert any(line.startswith("salesforce calls: latest record 2026-05-12") for line in messages[0]["stale_sources"])
    assert not any(line.startswith("salesforce calls") for line in messages[1]["stale_sources"])
    sent = json.dumps(messages, ensure_ascii=False)
    for private in [*team.EMAILS.values(), *(phone for _, phone, _ in team.LEADS.values()), "青木", "馬場",
                    *(lead_id for lead_id, _, _ in team.LEADS.values())]:
        assert private not in sent
