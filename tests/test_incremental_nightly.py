"""The incremental nightly build against a full rebuild over the same raw rows.

Three nights in one workspace: the generated team history; the next day's exports (new calls,
opens of older messages, leads and deals in their new version) with two calls nobody can
resolve yet, and two leads sharing the number of a third call; then a night of late arrivals:
the leads those two calls belong to (one by its number, one by the lead_id the call already
named), one of the two leads with a new number, a call of a month before exported again with
another result, an open and a reply of a message sent weeks before, and a backdated stage
change. Stage history has late cases of its own: a meeting first logged on a lead id nobody
knows, then corrected to a real lead (the unknown id must lose every stage it had); a deal won
the morning after the last day, which night two leaves out (it is after the as-of day) and night
three must take in once a Monday call moves the as-of day, though no row of that deal is new (a
lead recycled to nurture on that Saturday, likewise); and a pricing-page visit known only by a
lead's address. Touches have late cases that take a lead's only touch away though no row of that
lead is new: a second lead with the number a call was resolved by (the first lead was created
on a day no other row of night three falls on, so only this changes that day's kpi_daily), and
a call exported again naming another lead. Both later nights must build incrementally, and every
published mart must equal, byte for byte, what `--full-refresh` then builds from the same raw
tables. A mapping edit makes the next build a full one."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from digests import ABOUT_THE_LOADS
from workspaces import dbt_by_hand, workspace_for

from benchmarks.generate import generate
from orchestration.nightly import run_nightly

pytestmark = pytest.mark.e2e

LAST_DAY = date(2026, 3, 13)  # a Friday; the generated exports end on it
ORPHAN_BY_PHONE = ("C_LATE_PHONE", "+81399990001", "L_LATE_PHONE")
ORPHAN_BY_ID = ("C_LATE_ID", "+81399990002", "L_LATE_ID")
# two leads share a number, so a call to it resolves to neither, until one of them gets another number
SHARED_NUMBER = ("C_SHARED", "+81399990003", ("L_SHARED_A", "L_SHARED_B"), "+81399990004")
# night two: the call resolves by its number to the lead; night three: a second lead with that number
# arrives, the call resolves to nobody, and the first lead has no touch left
LOST_BY_NUMBER = ("C_LOST_BY_NUMBER", "+81399990005", "L_LOST_BY_NUMBER", "L_SAME_NUMBER")
LOST_LEAD_CREATED = date(2026, 3, 10)
# night two: the call names the first lead; night three: exported again naming the second
MOVED_CALL = ("C_MOVED", ("L_MOVED_FROM", "+81399990006"), ("L_MOVED_TO", "+81399990007"))
MISLOGGED_MEETING = ("MTG_MISLOGGED", "L_NOBODY")  # logged on an unknown lead id, corrected on night three
WON_AFTER_LAST_DAY = "2026-03-14 09:00:00"  # a Saturday: after night two's as-of day
NEXT_BUSINESS_DAY = "2026-03-16"


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _write(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False)


def _night_two(generated: Path, inbox: Path) -> None:
    """The day's delta; its calls file also holds three calls no lead can be found for yet and
    two calls of new leads, and its leads file two leads with the same number and three more."""
    for path in (generated / "delta").glob("*.csv"):
        shutil.copy(path, inbox / path.name)
    calls_file = inbox / f"calls_{LAST_DAY:%Y%m%d}.csv"
    calls = _read(calls_file)
    call_id, number, _, _ = SHARED_NUMBER
    orphans = pd.DataFrame([
        {**calls.iloc[0].to_dict(), "call_id": call_id, "lead_id": lead if call_id == "C_LATE_ID" else "",
         "phone": phone, "started_at": f"{LAST_DAY} 10:00:00", "result": "connected", "talk_seconds": "95"}
        for call_id, phone, lead in (ORPHAN_BY_PHONE, ORPHAN_BY_ID, (call_id, number, ""))
    ])
    (lost_call, lost_number, lost_lead, _), (moved_call, (moved_from, from_number), (moved_to, to_number)) = LOST_BY_NUMBER, MOVED_CALL
    only_touches = pd.DataFrame([_new_call(calls, lost_call, "", lost_number), _new_call(calls, moved_call, moved_from, from_number)])
    _write(pd.concat([calls, orphans, only_touches]), calls_file)
    leads_file = inbox / f"leads_{LAST_DAY:%Y%m%d}.csv"
    leads = _read(leads_file)
    sharing = pd.DataFrame([_new_lead(leads, lead, number, "09:00") for lead in SHARED_NUMBER[2]]
                           + [_new_lead(leads, lead, phone, "09:00") for lead, phone in ((moved_from, from_number), (moved_to, to_number))]
                           # created on a day no row of night three falls on: only its lost touch changes that day's counts
                           + [_new_lead(leads, lost_lead, lost_number, "09:00", day=LOST_LEAD_CREATED)])
    _write(pd.concat([leads, sharing]), leads_file)

    meetings = _read(generated / "history" / "meetings.csv")
    _write(pd.DataFrame([_mislogged_meeting(meetings, MISLOGGED_MEETING[1])]), inbox / "meetings_mislogged.csv")
    history = _read(generated / "history" / "opportunity_stage_history.csv")
    won = history[history["opportunity_id"] == _open_deal(generated)].iloc[[-1]].assign(stage="closed_won", changed_at=WON_AFTER_LAST_DAY)
    _write(won, inbox / "opportunity_stage_history_weekend.csv")
    statuses = _read(generated / "history" / "lead_status_history.csv")
    recycled = statuses.iloc[[0]].assign(lead_id=_recycled_on_saturday(generated), status="nurture", changed_at=WON_AFTER_LAST_DAY)
    _write(recycled, inbox / "lead_status_history_weekend.csv")


def _new_call(calls: pd.DataFrame, call_id: str, lead_id: str, phone: str) -> dict[str, str]:
    """An outbound call at 10:00 on the last day, answered."""
    return {**calls.iloc[0].to_dict(), "call_id": call_id, "lead_id": lead_id, "phone": phone, "direction": "outbound",
            "started_at": f"{LAST_DAY} 10:00:00", "result": "connected", "talk_seconds": "95"}


def _mislogged_meeting(meetings: pd.DataFrame, lead_id: str) -> dict[str, str]:
    return {**meetings.iloc[0].to_dict(), "meeting_id": MISLOGGED_MEETING[0], "lead_id": lead_id,
            "agreed_at": f"{LAST_DAY} 11:00:00", "date_confirmed_at": "", "scheduled_for": f"{LAST_DAY} 15:00:00",
            "status": "scheduled", "updated_at": f"{LAST_DAY} 11:00:00"}


def _open_deal(generated: Path) -> str:
    """The deal won on the Saturday: open, of a known lead, with stage history, and with no row in
    any later file (so only the moving as-of day can bring its win in)."""
    deals = _read(generated / "history" / "opportunities.csv")
    history = _read(generated / "history" / "opportunity_stage_history.csv")
    later = {*_read(generated / "delta" / f"opportunities_{LAST_DAY:%Y%m%d}.csv")["opportunity_id"],
             *_read(generated / "delta" / f"opportunity_stage_history_{LAST_DAY:%Y%m%d}.csv")["opportunity_id"],
             _backdated_deal(history)["opportunity_id"]}
    later_leads = set(_read(generated / "delta" / f"leads_{LAST_DAY:%Y%m%d}.csv")["lead_id"])
    open_deals = deals[(deals["closed_at"] == "") & (deals["lead_id"] != "") & deals["opportunity_id"].isin(history["opportunity_id"])
                       & ~deals["opportunity_id"].isin(later) & ~deals["lead_id"].isin(later_leads)]
    return open_deals["opportunity_id"].iloc[0]


def _recycled_on_saturday(generated: Path) -> str:
    """A quiet lead other than the two night three picks, recycled on the Saturday."""
    return _quiet_leads(generated)["lead_id"].iloc[-1]


def _backdated_deal(history: pd.DataFrame) -> pd.Series:
    return history.groupby("opportunity_id").filter(lambda rows: len(rows) >= 2).iloc[0]


def _quiet_leads(generated: Path) -> pd.DataFrame:
    """Live leads with no meeting, deal or MA activity, with an address and a low score."""
    leads = _read(generated / "history" / "leads.csv")
    busy = set()
    for name in ("meetings", "opportunities", "ma_activities"):
        busy |= set(_read(generated / "history" / f"{name}.csv")["lead_id"])
    quiet = leads[~leads["lead_id"].isin(busy) & leads["status"].isin(["new", "contacted"]) & (leads["email"] != "")
                  & (leads["is_deleted"] == "false") & (leads["score"].astype(int) < 50)]
    return quiet


def _new_lead(leads: pd.DataFrame, lead_id: str, phone: str, created: str, updated: str | None = None,
              day: date = LAST_DAY) -> dict[str, str]:
    """A lead in the template's shape, created (and last updated) at these times of the day (the last)."""
    return {**leads.iloc[0].to_dict(), "lead_id": lead_id, "phone": phone, "email": f"{lead_id.lower()}@example.jp",
            "created_at": f"{day} {created}:00", "updated_at": f"{day} {updated or created}:00", "status": "new"}


def _night_three(generated: Path, inbox: Path) -> dict[str, str]:
    """Late arrivals; returns the ids the checks look at."""
    leads = _read(generated / "delta" / f"leads_{LAST_DAY:%Y%m%d}.csv")
    late_leads = [_new_lead(leads, lead, phone, "11:00") for _, phone, lead in (ORPHAN_BY_PHONE, ORPHAN_BY_ID)]
    # the first sharing lead gets another number: the shared one is now the second lead's alone
    late_leads.append(_new_lead(leads, SHARED_NUMBER[2][0], SHARED_NUMBER[3], "09:00", updated="12:00"))
    late_leads.append(_new_lead(leads, LOST_BY_NUMBER[3], LOST_BY_NUMBER[1], "12:00"))
    _write(pd.DataFrame(late_leads), inbox / "leads_late.csv")

    calls = _read(generated / "delta" / f"calls_{LAST_DAY:%Y%m%d}.csv")
    # a call of a month before, exported again: its day's counts change, and no other row of that day is new
    earlier_calls = _read(sorted((generated / "history").glob("calls_*.csv"))[-2])
    re_exported = earlier_calls[earlier_calls["result"] == "no_answer"].iloc[[0]].assign(result="appointment")
    moved_call, (_, from_number), (moved_to, _) = MOVED_CALL
    _write(pd.concat([re_exported, pd.DataFrame([_new_call(calls, moved_call, moved_to, from_number)])]), inbox / "calls_reexport.csv")

    events = _read(next((generated / "history").glob("email_events_*.csv")))
    sent = events[(events["event_type"] == "sent") & (events["sender_type"] == "rep")].iloc[0]
    late_events = pd.DataFrame([
        {**sent.to_dict(), "event_id": f"{sent['event_id']}_{kind}", "event_type": kind,
         "occurred_at": f"{LAST_DAY} 18:0{n}:00"}
        for n, kind in enumerate(("open", "reply"))
    ])
    _write(late_events, inbox / "email_events_late.csv")

    history = _read(generated / "history" / "opportunity_stage_history.csv")
    deal = _backdated_deal(history)
    backdated = pd.DataFrame([{**deal.to_dict(), "stage": "proposal", "changed_at": "2026-01-05 10:00:00"}])
    _write(backdated, inbox / "opportunity_stage_history_late.csv")

    # the mislogged meeting corrected to a real lead
    meetings = _read(generated / "history" / "meetings.csv")
    quiet = _quiet_leads(generated)
    corrected_lead = quiet.iloc[0]
    visitor = quiet[quiet["status"] == "new"].iloc[0]  # not yet past mql, so the visit makes it one
    corrected = _mislogged_meeting(meetings, corrected_lead["lead_id"]) | {"updated_at": f"{LAST_DAY} 19:00:00"}
    _write(pd.DataFrame([corrected]), inbox / "meetings_corrected.csv")
    # Monday's first call moves the as-of day past the Saturday win
    monday = calls.iloc[[0]].assign(call_id="C_MONDAY", started_at=f"{NEXT_BUSINESS_DAY} 09:30:00")
    _write(monday, inbox / "calls_monday.csv")
    # a pricing-page visit known by the visitor's address only
    activities = _read(generated / "history" / "ma_activities.csv")
    visit = {**activities.iloc[0].to_dict(), "activity_id": "MA_PRICING", "lead_id": "", "email": visitor["email"],
             "activity_type": "page_visit", "detail": "/pricing", "occurred_at": f"{LAST_DAY} 17:00:00", "score_delta": ""}
    _write(pd.DataFrame([visit]), inbox / "ma_activities_late.csv")
    return {"re_exported_call": re_exported["call_id"].iloc[0], "old_message": sent["message_id"],
            "corrected_lead": corrected_lead["lead_id"], "visitor": visitor["lead_id"], "won_deal": _open_deal(generated),
            "recycled": _recycled_on_saturday(generated)}


def _builds(work_db: Path) -> list[tuple]:
    with duckdb.connect(str(work_db), read_only=True) as con:
        return con.execute("select is_full_refresh, reason from audit.dbt_builds where finished_at is not null order by build_id").fetchall()


def _mart_dumps(published: Path, out_dir: Path) -> dict[str, bytes]:
    """Every published mart as CSV but those about the loads, rows in a fixed order."""
    out_dir.mkdir()
    dumps = {}
    with duckdb.connect(str(published), read_only=True) as con:
        tables = [name for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by table_name").fetchall()
            if name not in ABOUT_THE_LOADS]
        for table in tables:
            path = out_dir / f"{table}.csv"
            con.execute(f"copy (select * from marts.{table} order by all) to '{path}' (header)")
            dumps[table] = path.read_bytes()
    return dumps


@pytest.fixture(scope="module")
def three_nights(tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental")
    generated = root / "generated"
    generate("sample", generated, LAST_DAY, memory_limit="1GB")
    inbox = root / "inbox"
    shutil.copytree(generated / "history", inbox)
    workspace = workspace_for(root / "ws" / "iskpi.duckdb", inbox)
    work_db = workspace.work_db

    nights = []
    for prepare in (lambda: None, lambda: _night_two(generated, inbox), lambda: _night_three(generated, inbox)):
        late_ids = prepare()
        outcome = run_nightly(workspace)
        assert outcome.success, outcome.message
        nights.append(late_ids)
    incremental = root / "incremental.duckdb"
    shutil.copy(workspace.warehouse, incremental)

    rebuilt = run_nightly(workspace, full_refresh=True)
    assert rebuilt.success, rebuilt.message
    return workspace, work_db, incremental, nights[2], root


def test_later_nights_build_incrementally(three_nights):
    _, work_db, *_ = three_nights
    builds = _builds(work_db)
    assert [full for full, _ in builds] == [True, False, False, True]
    assert builds[-1][1] == "full build asked for (--full-refresh)"


def test_incremental_marts_equal_a_full_rebuild_byte_for_byte(three_nights):
    workspace, _, incremental, _, root = three_nights
    incremental_dumps = _mart_dumps(incremental, root / "dump_incremental")
    full_dumps = _mart_dumps(workspace.warehouse, root / "dump_full")
    assert sorted(incremental_dumps) == sorted(full_dumps)
    assert len(full_dumps) > 20
    differing = [table for table in full_dumps if incremental_dumps[table] != full_dumps[table]]
    assert differing == []


def test_late_arrivals_reach_the_marts(three_nights):
    """What the late night changed, checked on the incremental build against the files written above."""
    _, _, incremental, late, _ = three_nights
    with duckdb.connect(str(incremental), read_only=True) as con:
        def call(call_id):
            return con.execute(
                "select lead_id, lead_resolution, canonical_result, is_appointment from marts.fct_call where call_id = ?", [call_id]
            ).fetchone()

        assert call(ORPHAN_BY_PHONE[0])[:2] == (ORPHAN_BY_PHONE[2], "phone")  # the lead came after its cold call
        assert call(ORPHAN_BY_ID[0])[:2] == (ORPHAN_BY_ID[2], "given")
        assert call(SHARED_NUMBER[0])[:2] == (SHARED_NUMBER[2][1], "phone")
        assert call(late["re_exported_call"])[2:] == ("appointment", True)  # the newer export wins
        assert call(LOST_BY_NUMBER[0])[:2] == (None, "unresolved")
        assert call(MOVED_CALL[0])[:2] == (MOVED_CALL[2][0], "given")

        def touched(lead_id):
            return con.execute("select is_touched, first_touched_at is not null from marts.fct_lead_lifecycle where lead_id = ?",
                               [lead_id]).fetchone()

        # each lost its only touch though no row of its own is new
        assert touched(LOST_BY_NUMBER[2]) == (False, False)
        assert touched(MOVED_CALL[1][0]) == (False, False)
        assert touched(MOVED_CALL[2][0]) == (True, True)
        opened = con.execute(
            "select is_opened, is_replied from marts.fct_email_message where message_id = ?", [late["old_message"]]
        ).fetchone()
        assert opened == (True, True)

        def stages(lead_id):
            return dict(con.execute(
                "select stage, first_entered_at at time zone 'Asia/Tokyo' from marts.fct_lead_stage "
                "where lead_id = ? and first_entered_at is not null",
                [lead_id]).fetchall())

        assert stages(MISLOGGED_MEETING[1]) == {}  # the corrected meeting took its only sign away
        assert str(stages(late["corrected_lead"])["qualified"]) == f"{LAST_DAY} 11:00:00"
        assert str(stages(late["visitor"])["mql"]) == f"{LAST_DAY} 17:00:00"
        won_lead = con.execute("select lead_id from marts.fct_opportunity where opportunity_id = ?", [late["won_deal"]]).fetchone()[0]
        assert str(stages(won_lead)["won"]) == WON_AFTER_LAST_DAY  # known once the as-of day moved, though the deal had no new row
        recycled = con.execute("select current_stage, is_recycled from marts.fct_lead_lifecycle where lead_id = ?",
                               [late["recycled"]]).fetchone()
        assert recycled == ("nurture", True)


def test_a_duplicated_key_fails_the_increments_uniqueness_tests(three_nights, tmp_path):
    """unique_in_increment reads only the keys a build rewrote; the last build was a full one,
    which rewrote them all, so a row duplicated in any of the five tables must fail its test."""
    workspace, work_db, *_ = three_nights
    copy = tmp_path / "work.duckdb"
    shutil.copy(work_db, copy)
    tables = {"staging.stg_raw__calls": "call_id", "staging.stg_raw__email_events": "event_id",
              "intermediate.int_email_messages_rolled_up": "message_id", "marts.fct_call": "call_id",
              "marts.fct_email_message": "message_id"}
    with duckdb.connect(str(copy)) as con:
        for table in tables:
            con.execute(f"insert into {table} select * from {table} limit 1")
    completed = dbt_by_hand(workspace.root, copy, tmp_path / "target", "test", "--select", "test_name:unique_in_increment")
    failed = re.findall(r"FAIL 1 unique_in_increment_(\w+)", completed.stdout)  # the test's name: model, then arguments
    assert completed.returncode == 1, completed.stdout[-3000:]
    assert len(failed) == len(tables), completed.stdout[-3000:]
    assert all(any(name.startswith(table.split(".")[1] + "_") for name in failed) for table in tables), failed


def test_a_mapping_edit_rebuilds_what_depends_on_it(three_nights):
    workspace, work_db, *_ = three_nights
    mapping = workspace.mappings_dir / "call_dispositions.csv"
    dispositions = _read(mapping)
    dispositions.loc[dispositions["result"] == "absent", "connected"] = "true"
    _write(dispositions, mapping)

    outcome = run_nightly(workspace)
    assert outcome.success, outcome.message
    full, reason = _builds(work_db)[-1]
    assert full and "mapping" in reason
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        absent = con.execute(
            "select count(*), count(*) filter (where is_connected) from marts.fct_call where canonical_result = 'absent'"
        ).fetchone()
    assert absent[0] > 0 and absent[1] == absent[0]
