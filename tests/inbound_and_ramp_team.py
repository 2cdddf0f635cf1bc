"""Three reps who joined 東京SDR a month apart, one long-standing 大阪BDR rep, and an inbound
line in April 2026, in the template, with every answer counted by hand (as of 30 April).

Dials per month (outbound, one day each month), the month of active_from being month 1:

    rep  team     active_from  Jan  Feb  Mar  Apr   months since start Jan..Apr
    R1   東京SDR  2026-01-05    10   20   30   40   1 2 3 4   (April: 38 + the 2 call-backs)
    R2   東京SDR  2026-02-02     -    6   16   26     1 2 3
    R3   東京SDR  2026-03-02     -    -    2   12       1 2
    R9   大阪BDR  2026-01-05   100  100  100  100   1 2 3 4

Inbound calls, all taken by R1's line (JST):

    I1 04-20 10:00 from 0001 answered
    I2 04-20 11:00 from 0002 missed   → R1 calls 0002 back at 11:30 (30 minutes)
    I3 04-20 15:00 from 0001 answered   (0001 again 5 hours after I1)
    I4 04-24 10:00 from 0001 missed     (0001 again 4 days 19 hours after I3), never called back
    I5 04-28 16:00 from 0003 missed   → R1 calls 0003 back at 04-29 09:15 (1,035 minutes)

As of the end of 30 April, I4's and I5's 7 days have not passed: not judged for 7 days.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

AS_OF = date(2026, 4, 30)
REPS = {  # rep: team, active_from
    "R1": ("東京SDR", "2026-01-05"), "R2": ("東京SDR", "2026-02-02"), "R3": ("東京SDR", "2026-03-02"), "R9": ("大阪BDR", "2026-01-05"),
}
CALL_DAYS = {1: "2026-01-14", 2: "2026-02-12", 3: "2026-03-12", 4: "2026-04-14"}
OUTBOUND = {  # rep: dials per month (1..4) on that month's call day, besides the call-backs
    "R1": {1: 10, 2: 20, 3: 30, 4: 38}, "R2": {2: 6, 3: 16, 4: 26}, "R3": {3: 2, 4: 12}, "R9": {1: 100, 2: 100, 3: 100, 4: 100},
}
NUMBERS = {"0001": "03-2222-0001", "0002": "03-2222-0002", "0003": "03-2222-0003"}
LIST_NUMBER = "06-9999-0000"  # the list every outbound dial goes to: a number that never calls in
# call id, number, start (JST), direction, result
INBOUND_LINE = [
    ("I1", "0001", "2026-04-20 10:00:00", "inbound", "connected"),
    ("I2", "0002", "2026-04-20 11:00:00", "inbound", "no_answer"),
    ("O1", "0002", "2026-04-20 11:30:00", "outbound", "connected"),
    ("I3", "0001", "2026-04-20 15:00:00", "inbound", "connected"),
    ("I4", "0001", "2026-04-24 10:00:00", "inbound", "no_answer"),
    ("I5", "0003", "2026-04-28 16:00:00", "inbound", "no_answer"),
    ("O2", "0003", "2026-04-29 09:15:00", "outbound", "no_answer"),
]

# --- what the warehouse must give, counted by hand from the tables above --------------------------
# kpi_inbound per day (org = 東京SDR = R1): inbound, answered, missed, 24h judged, 24h again,
# 7d judged, 7d again, missed called back, median minutes to the call-back
INBOUND = {
    "2026-04-20": (3, 2, 1, 3, 1, 3, 2, 1, 30.0),   # I1 again in 5 h; I1 and I3 again within 7 days
    "2026-04-24": (1, 0, 1, 1, 0, 0, 0, 0, None),   # I4: its 7 days end 1 May, after the as-of date
    "2026-04-28": (1, 0, 1, 1, 0, 0, 0, 1, 1035.0),
}
# dials by month since start: each rep's, the 東京SDR median and the median over every IS rep
DIALS_BY_MONTH_SINCE_START = {
    "R1": {1: 10, 2: 20, 3: 30, 4: 40}, "R2": {1: 6, 2: 16, 3: 26}, "R3": {1: 2, 2: 12}, "R9": {1: 100, 2: 100, 3: 100, 4: 100},
}
TOKYO_MEDIAN = {1: 6, 2: 16, 3: 28, 4: 40}  # (10, 6, 2), (20, 16, 12), (30, 26), (40)
ORG_MEDIAN = {1: 8, 2: 18, 3: 30, 4: 70}    # with R9's 100 each month


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)


def write(folder: Path) -> Path:
    _write(folder / "reps.csv", ["rep_id", "rep_name", "department", "team", "role", "email", "active_from"], [
        [rep, f"担当 {rep}", "is", team, "sdr", f"{rep.lower()}@example.jp", active_from] for rep, (team, active_from) in REPS.items()
    ])
    _write(folder / "leads.csv", ["lead_id", "lead_type", "channel", "owner_rep_id", "phone", "created_at", "status", "updated_at"], [
        [f"L{key}", "inbound", "web", "R1", number, "2026-01-05 09:00:00", "contacted", "2026-01-05 09:00:00"]
        for key, number in NUMBERS.items() if key != "0003"  # 0003 is nobody's lead: the number alone names the caller
    ] + [["LIST", "outbound", "リスト", "R9", LIST_NUMBER, "2026-01-05 09:00:00", "contacted", "2026-01-05 09:00:00"]])
    calls = []
    for rep, months in OUTBOUND.items():
        for month, dials in months.items():
            calls += [[f"{rep}-{month}-{i:03d}", rep, "LIST", LIST_NUMBER, "outbound", f"{CALL_DAYS[month]} {9 + i // 60:02d}:{i % 60:02d}:00",
                       "no_answer", 0] for i in range(dials)]
    calls += [[call, "R1", "", NUMBERS[number], direction, started, result, 60 if result == "connected" else 0]
              for call, number, started, direction, result in INBOUND_LINE]
    _write(folder / "calls.csv", ["call_id", "rep_id", "lead_id", "phone", "direction", "started_at", "result", "talk_seconds"], calls)
    return folder
