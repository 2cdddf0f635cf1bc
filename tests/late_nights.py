"""Three nights of one generated team, with the late arrivals an incremental build must take in
(tests/test_incremental_nightly.py on DuckDB, tests/test_spark_engine.py on Spark).

The generated team history; the next day's exports (new calls, opens of older messages, leads and
deals in their new version) with two calls nobody can resolve yet, and two leads sharing the
number of a third call; then a night of late arrivals: the leads those two calls belong to (one
by its number, one by the lead_id the call already named), one of the two leads with a new
number, a call of a month before exported again with another result, an open and a reply of a
message sent weeks before, and a backdated stage change. Stage history has late cases of its
own: a meeting first logged on a lead id nobody knows, then corrected to a real lead (the unknown
id must lose every stage it had); a deal won the morning after the last day, which night two
leaves out (it is after the as-of day) and night three must take in once a Monday call moves the
as-of day, though no row of that deal is new (a lead recycled to nurture on that Saturday,
likewise); and a pricing-page visit known only by a lead's address. Touches have late cases that
take a lead's only touch away though no row of that lead is new: a second lead with the number a
call was resolved by (the first lead was created on a day no other row of night three falls on,
so only this changes that day's kpi_daily), and a call exported again naming another lead."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd

from benchmarks.generate import generate

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


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False)


def night_two(generated: Path, inbox: Path) -> None:
    """The day's delta; its calls file also holds three calls no lead can be found for yet and
    two calls of new leads, and its leads file two leads with the same number and three more."""
    for path in (generated / "delta").glob("*.csv"):
        shutil.copy(path, inbox / path.name)
    calls_file = inbox / f"calls_{LAST_DAY:%Y%m%d}.csv"
    calls = read_csv(calls_file)
    call_id, number, _, _ = SHARED_NUMBER
    orphans = pd.DataFrame([
        {**calls.iloc[0].to_dict(), "call_id": call_id, "lead_id": lead if call_id == "C_LATE_ID" else "",
         "phone": phone, "started_at": f"{LAST_DAY} 10:00:00", "result": "connected", "talk_seconds": "95"}
        for call_id, phone, lead in (ORPHAN_BY_PHONE, ORPHAN_BY_ID, (call_id, number, ""))
    ])
    (lost_call, lost_number, lost_lead, _), (moved_call, (moved_from, from_number), (moved_to, to_number)) = LOST_BY_NUMBER, MOVED_CALL
    only_touches = pd.DataFrame([_new_call(calls, lost_call, "", lost_number), _new_call(calls, moved_call, moved_from, from_number)])
    write_csv(pd.concat([calls, orphans, only_touches]), calls_file)
    leads_file = inbox / f"leads_{LAST_DAY:%Y%m%d}.csv"
    leads = read_csv(leads_file)
    sharing = pd.DataFrame([_new_lead(leads, lead, number, "09:00") for lead in SHARED_NUMBER[2]]
                           + [_new_lead(leads, lead, phone, "09:00") for lead, phone in ((moved_from, from_number), (moved_to, to_number))]
                           # created on a day no row of night three falls on: only its lost touch changes that day's counts
                           + [_new_lead(leads, lost_lead, lost_number, "09:00", day=LOST_LEAD_CREATED)])
    write_csv(pd.concat([leads, sharing]), leads_file)

    meetings = read_csv(generated / "history" / "meetings.csv")
    write_csv(pd.DataFrame([_mislogged_meeting(meetings, MISLOGGED_MEETING[1])]), inbox / "meetings_mislogged.csv")
    history = read_csv(generated / "history" / "opportunity_stage_history.csv")
    won = history[history["opportunity_id"] == _open_deal(generated)].iloc[[-1]].assign(stage="closed_won", changed_at=WON_AFTER_LAST_DAY)
    write_csv(won, inbox / "opportunity_stage_history_weekend.csv")
    statuses = read_csv(generated / "history" / "lead_status_history.csv")
    recycled = statuses.iloc[[0]].assign(lead_id=_recycled_on_saturday(generated), status="nurture", changed_at=WON_AFTER_LAST_DAY)
    write_csv(recycled, inbox / "lead_status_history_weekend.csv")


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
    deals = read_csv(generated / "history" / "opportunities.csv")
    history = read_csv(generated / "history" / "opportunity_stage_history.csv")
    later = {*read_csv(generated / "delta" / f"opportunities_{LAST_DAY:%Y%m%d}.csv")["opportunity_id"],
             *read_csv(generated / "delta" / f"opportunity_stage_history_{LAST_DAY:%Y%m%d}.csv")["opportunity_id"],
             _backdated_deal(history)["opportunity_id"]}
    later_leads = set(read_csv(generated / "delta" / f"leads_{LAST_DAY:%Y%m%d}.csv")["lead_id"])
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
    leads = read_csv(generated / "history" / "leads.csv")
    busy = set()
    for name in ("meetings", "opportunities", "ma_activities"):
        busy |= set(read_csv(generated / "history" / f"{name}.csv")["lead_id"])
    quiet = leads[~leads["lead_id"].isin(busy) & leads["status"].isin(["new", "contacted"]) & (leads["email"] != "")
                  & (leads["is_deleted"] == "false") & (leads["score"].astype(int) < 50)]
    return quiet


def _new_lead(leads: pd.DataFrame, lead_id: str, phone: str, created: str, updated: str | None = None,
              day: date = LAST_DAY) -> dict[str, str]:
    """A lead in the template's shape, created (and last updated) at these times of the day (the last)."""
    return {**leads.iloc[0].to_dict(), "lead_id": lead_id, "phone": phone, "email": f"{lead_id.lower()}@example.jp",
            "created_at": f"{day} {created}:00", "updated_at": f"{day} {updated or created}:00", "status": "new"}


def night_three(generated: Path, inbox: Path) -> dict[str, str]:
    """Late arrivals; returns the ids the checks look at."""
    leads = read_csv(generated / "delta" / f"leads_{LAST_DAY:%Y%m%d}.csv")
    late_leads = [_new_lead(leads, lead, phone, "11:00") for _, phone, lead in (ORPHAN_BY_PHONE, ORPHAN_BY_ID)]
    # the first sharing lead gets another number: the shared one is now the second lead's alone
    late_leads.append(_new_lead(leads, SHARED_NUMBER[2][0], SHARED_NUMBER[3], "09:00", updated="12:00"))
    late_leads.append(_new_lead(leads, LOST_BY_NUMBER[3], LOST_BY_NUMBER[1], "12:00"))
    write_csv(pd.DataFrame(late_leads), inbox / "leads_late.csv")

    calls = read_csv(generated / "delta" / f"calls_{LAST_DAY:%Y%m%d}.csv")
    # a call of a month before, exported again: its day's counts change, and no other row of that day is new
    earlier_calls = read_csv(sorted((generated / "history").glob("calls_*.csv"))[-2])
    re_exported = earlier_calls[earlier_calls["result"] == "no_answer"].iloc[[0]].assign(result="appointment")
    moved_call, (_, from_number), (moved_to, _) = MOVED_CALL
    write_csv(pd.concat([re_exported, pd.DataFrame([_new_call(calls, moved_call, moved_to, from_number)])]), inbox / "calls_reexport.csv")

    events = read_csv(next((generated / "history").glob("email_events_*.csv")))
    sent = events[(events["event_type"] == "sent") & (events["sender_type"] == "rep")].iloc[0]
    late_events = pd.DataFrame([
        {**sent.to_dict(), "event_id": f"{sent['event_id']}_{kind}", "event_type": kind,
         "occurred_at": f"{LAST_DAY} 18:0{n}:00"}
        for n, kind in enumerate(("open", "reply"))
    ])
    write_csv(late_events, inbox / "email_events_late.csv")

    history = read_csv(generated / "history" / "opportunity_stage_history.csv")
    deal = _backdated_deal(history)
    backdated = pd.DataFrame([{**deal.to_dict(), "stage": "proposal", "changed_at": "2026-01-05 10:00:00"}])
    write_csv(backdated, inbox / "opportunity_stage_history_late.csv")

    # the mislogged meeting corrected to a real lead
    meetings = read_csv(generated / "history" / "meetings.csv")
    quiet = _quiet_leads(generated)
    corrected_lead = quiet.iloc[0]
    visitor = quiet[quiet["status"] == "new"].iloc[0]  # not yet past mql, so the visit makes it one
    corrected = _mislogged_meeting(meetings, corrected_lead["lead_id"]) | {"updated_at": f"{LAST_DAY} 19:00:00"}
    write_csv(pd.DataFrame([corrected]), inbox / "meetings_corrected.csv")
    # Monday's first call moves the as-of day past the Saturday win
    monday = calls.iloc[[0]].assign(call_id="C_MONDAY", started_at=f"{NEXT_BUSINESS_DAY} 09:30:00")
    write_csv(monday, inbox / "calls_monday.csv")
    # a pricing-page visit known by the visitor's address only
    activities = read_csv(generated / "history" / "ma_activities.csv")
    visit = {**activities.iloc[0].to_dict(), "activity_id": "MA_PRICING", "lead_id": "", "email": visitor["email"],
             "activity_type": "page_visit", "detail": "/pricing", "occurred_at": f"{LAST_DAY} 17:00:00", "score_delta": ""}
    write_csv(pd.DataFrame([visit]), inbox / "ma_activities_late.csv")
    return {"re_exported_call": re_exported["call_id"].iloc[0], "old_message": sent["message_id"],
            "corrected_lead": corrected_lead["lead_id"], "visitor": visitor["lead_id"], "won_deal": _open_deal(generated),
            "recycled": _recycled_on_saturday(generated)}


def first_night_inbox(root: Path) -> tuple[Path, Path]:
    """The generated team under `root` (its history and the next day's delta) and an inbox holding
    its history: (generated, inbox)."""
    generated = root / "generated"
    generate("sample", generated, LAST_DAY, memory_limit="1GB")
    inbox = root / "inbox"
    shutil.copytree(generated / "history", inbox)
    return generated, inbox
