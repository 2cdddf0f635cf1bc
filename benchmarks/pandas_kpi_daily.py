"""What a team writes instead: a plain pandas script over the same exports, computing the same
core of kpi_daily as the floor (benchmarks/floor.py), one group-by per source.

    python -m benchmarks.pandas_kpi_daily EXPORTS_DIR OUT.parquet
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from benchmarks.floor import DISPOSITIONS, export_files


def read(exports: Path, entity: str, dates: list[str]) -> pd.DataFrame:
    return pd.concat([pd.read_csv(path, parse_dates=dates, dtype={"lead_id": str}) for path in export_files(exports, entity)],
                     ignore_index=True)


def compute(exports: Path, out: Path) -> int:
    reps = read(exports, "reps", [])
    inside_sales = set(reps.loc[reps["department"] == "is", "rep_id"])
    dispositions = pd.read_csv(DISPOSITIONS)

    calls = read(exports, "calls", ["started_at"])
    calls = calls[calls["direction"] == "outbound"].merge(dispositions[["result", "rang", "connected", "effective"]], on="result")
    calls["activity_date"] = calls["started_at"].dt.date
    calls["connected_talk_seconds"] = calls["talk_seconds"].where(calls["connected"], 0)
    dials = calls.groupby(["activity_date", "rep_id"]).agg(
        dials=("call_id", "size"), rang_calls=("rang", "sum"), connected_calls=("connected", "sum"),
        effective_contacts=("effective", "sum"), connected_talk_seconds=("connected_talk_seconds", "sum"))

    events = read(exports, "email_events", ["occurred_at"])
    events = events[events["sender_type"] == "rep"]
    sends = events[events["event_type"] == "sent"].sort_values("occurred_at").drop_duplicates("message_id")
    messages = sends[["message_id", "rep_id", "occurred_at"]].set_index("message_id")
    messages["opened"] = messages.index.isin(events.loc[events["event_type"] == "open", "message_id"])
    messages["replied"] = messages.index.isin(events.loc[events["event_type"] == "reply", "message_id"])
    messages["activity_date"] = messages["occurred_at"].dt.date
    sent = messages.groupby(["activity_date", "rep_id"]).agg(
        emails_sent=("opened", "size"), emails_opened=("opened", "sum"), emails_replied=("replied", "sum"))

    meetings = read(exports, "meetings", ["agreed_at"])
    meetings = meetings[~meetings["is_deleted"].fillna(False).astype(bool)]
    booked = meetings.groupby([meetings["agreed_at"].dt.date.rename("activity_date"), meetings["set_by_rep_id"].rename("rep_id")]).size().rename("meetings_set")

    leads = read(exports, "leads", ["created_at"])
    leads = leads[leads["owner_rep_id"].notna() & ~leads["is_deleted"].fillna(False).astype(bool)]
    assigned = leads.groupby([leads["created_at"].dt.date.rename("activity_date"), leads["owner_rep_id"].rename("rep_id")]).size().rename("leads_assigned")

    daily = pd.concat([dials, sent, booked, assigned], axis=1).fillna(0).astype("int64").reset_index()
    daily = daily[daily["rep_id"].isin(inside_sales)].sort_values(["activity_date", "rep_id"])
    daily.to_parquet(out, index=False)
    return len(daily)


if __name__ == "__main__":
    print(compute(Path(sys.argv[1]), Path(sys.argv[2])))
