"""A team whose systems overlap and change, over two nights, with every answer counted by hand.

Two IS reps call four leads in May 2026 with MiiTel, whose Salesforce integration logs the calls
as tasks; reps also log calls by hand. The team's sheets (reps, leads) are in the template.

    MiiTel (phone system)                      Salesforce tasks (CRM)
    M1 R1→L1 05-12 10:00 120 s 担当者接続   T1 call_object M1, saved 10:03, "effective"     night 1
    M2 R1→L2 05-12 11:00   0 s 不在         T2 no call_object, saved 11:02, "no_answer"     night 1
    M3 R1→L1 05-12 14:00   0 s 不在         (never logged)
                                               T4 R1→L2 05-12 16:00 "connected" (a mobile call) night 1
    M5 R2→L3 05-20 10:00 300 s アポ獲得     T5 no call_object, saved 10:06, "appointment"   night 2
    M6 R2→L4 05-20 10:02   0 s 不在         (never logged; near M5 in time, another lead)
    M7 R1→L1 05-20 09:00  60 s 担当者接続   T7 call_object M7, saved 09:02, "connected"     night 2

One call each: M1+T1, M2+T2, M3, T4, M5+T5, M6, M7+T7 (seven dials, not ten).

R1 moves from 大阪BDR to 東京SDR on 16 May: night 1's reps file has R1 in 大阪BDR, night 2's has
R1 in 東京SDR from 2026-05-16 (the template's team_from). R2 is in 東京SDR throughout; night 2's
export corrects R2's name, with no team_from: a version that changes no team.
"""

from __future__ import annotations

import csv
from pathlib import Path

EMAILS = {"R1": "r1@example.jp", "R2": "r2@example.jp"}
USER_IDS = {"R1": "0055g00000R1AAA", "R2": "0055g00000R2AAA"}
LEADS = {  # lead id (the CRM's), number, owner
    "L1": ("00Q5g00000L1AAA", "03-1111-0001", "R1"),
    "L2": ("00Q5g00000L2AAA", "03-1111-0002", "R1"),
    "L3": ("00Q5g00000L3AAA", "03-1111-0003", "R2"),
    "L4": ("00Q5g00000L4AAA", "03-1111-0004", "R2"),
}
# call id, rep, lead, start (JST), talk seconds, MiiTel result
PHONE_CALLS = [
    ("M1", "R1", "L1", "2026-05-12 10:00:00", 120, "担当者接続"),
    ("M2", "R1", "L2", "2026-05-12 11:00:00", 0, "不在"),
    ("M3", "R1", "L1", "2026-05-12 14:00:00", 0, "不在"),
    ("M5", "R2", "L3", "2026-05-20 10:00:00", 300, "アポ獲得"),
    ("M6", "R2", "L4", "2026-05-20 10:02:00", 0, "不在"),
    ("M7", "R1", "L1", "2026-05-20 09:00:00", 60, "担当者接続"),
]
# task id, rep, lead, saved (UTC), call result, call object, night it arrives
CRM_LOGS = [
    ("00T5g00000T1AAA", "R1", "L1", "2026-05-12 01:03:00", "effective", "M1", 1),
    ("00T5g00000T2AAA", "R1", "L2", "2026-05-12 02:02:00", "no_answer", "", 1),
    ("00T5g00000T4AAA", "R1", "L2", "2026-05-12 07:00:00", "connected", "", 1),
    ("00T5g00000T5AAA", "R2", "L3", "2026-05-20 01:06:00", "appointment", "", 2),
    ("00T5g00000T7AAA", "R1", "L1", "2026-05-20 00:02:00", "connected", "M7", 2),
]
TEAM_MOVE = "2026-05-16"

# --- what the nights must give, counted by hand from the tables above ------------------------------
# (rep, local day): dials, connected calls (M1 担当者接続, T4 connected, M5 アポ獲得, M7 担当者接続)
DIALS = {("R1", "2026-05-12"): (4, 2), ("R2", "2026-05-20"): (2, 1), ("R1", "2026-05-20"): (1, 1)}
# the logging gap after both nights: placed, logged, matched, placed not logged, logged not placed
LOGGING = {
    ("R1", "2026-05-12"): (3, 3, 2, 1, 1),
    ("R2", "2026-05-20"): (2, 1, 1, 1, 0),
    ("R1", "2026-05-20"): (1, 1, 1, 0, 0),
}
# the counted call of each matched pair: the CRM's result label and the systems it was seen in
LOGGED_RESULTS = {"M1": "effective", "M2": "no_answer", "M5": "appointment", "M7": "connected"}
# May dials by team, each call in the team its rep was in on the call's day
MAY_TEAM_DIALS = {"大阪BDR": 4, "東京SDR": 3}


def _write(path: Path, header: list[str], rows: list[list[object]], encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)


def _reps(folder: Path, name: str, r1_team: str, r1_team_from: str = "", r2_name: str = "馬場 次郎") -> None:
    _write(folder / name, ["rep_id", "rep_name", "department", "team", "team_from", "role", "email", "active_from"], [
        ["R1", "青木 一郎", "is", r1_team, r1_team_from, "sdr", EMAILS["R1"], "2026-04-01"],
        ["R2", r2_name, "is", "東京SDR", "", "sdr", EMAILS["R2"], "2026-04-01"],
    ])


def _tasks(folder: Path, name: str, night: int) -> None:
    _write(folder / "salesforce" / name, [
        "id", "who_id", "owner_id", "subject", "task_subtype", "call_type", "call_disposition", "call_duration_in_seconds",
        "call_object", "completed_date_time", "created_date", "status", "is_deleted",
    ], [
        [task, LEADS[lead][0], USER_IDS[rep], "Call", "Call", "Outbound", result, "", call_object, saved, saved, "Completed", "false"]
        for task, rep, lead, saved, result, call_object, arrives in CRM_LOGS if arrives == night
    ])


def write_night_1(folder: Path) -> Path:
    _reps(folder, "reps.csv", "大阪BDR")
    _write(folder / "leads.csv", ["lead_id", "lead_type", "channel", "owner_rep_id", "phone", "created_at", "status", "updated_at"], [
        [lead_id, "outbound", "リスト", owner, phone, "2026-05-01 09:00:00", "contacted", "2026-05-01 09:00:00"]
        for lead_id, phone, owner in LEADS.values()
    ])
    _write(folder / "salesforce" / "User.csv", ["id", "name", "email", "username", "is_active"], [
        [USER_IDS[rep], rep, email, email + ".sf", "true"] for rep, email in EMAILS.items()
    ])
    sequence = iter(range(9001, 9100))
    _write(folder / "miitel" / "応対履歴_202605.csv", [
        "Parent sequence ID", "Sequence ID", "Previous sequence ID", "Call type", "Start time", "User email", "Phone number",
        "Talk duration", "Result",
    ], [
        [call, next(sequence), "", "outbound", started, EMAILS[rep], LEADS[lead][1],
         f"{talk // 3600:02d}:{talk % 3600 // 60:02d}:{talk % 60:02d}", result]
        for call, rep, lead, started, talk, result in PHONE_CALLS
    ], encoding="cp932")
    _tasks(folder, "task_20260520.csv", night=1)
    return folder


def write_night_2(folder: Path) -> Path:
    """The second night's drops, added to the first night's folder: the tasks synced a night later
    and a reps export after the reorganisation."""
    # R2's name corrected, the team unchanged: a new version of R2 that must move nothing
    _reps(folder, "reps_20260521.csv", "東京SDR", TEAM_MOVE, r2_name="馬場 二郎")
    _tasks(folder, "task_20260521.csv", night=2)
    return folder
