"""What a team writes instead: a plain pandas script over the same exports, computing the same
core of kpi_daily as the floor (benchmarks/floor.py), one group-by per source.

    python -m benchmarks.pandas_kpi_daily EXPORTS_DIR OUT.parquet
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from benchmarks.floor import DISPOSITIONS, export_files


def read(exports: Path, entity: str, columns: list[str], dates: list[str]) -> pd.DataFrame:
    return pd.concat([pd.read_csv(path, usecols=columns, parse_dates=dates) for path in export_files(exports, entity)],
                     ignore_index=True)


def call_days(exports: Path) -> pd.DataFrame:
    dispositions = pd.read_csv(DISPOSITIONS)[["result", "rang", "connected", "effective"]]
    calls = read(exports, "calls", ["rep_id", "direction", "started_at", "result", "talk_seconds"], ["started_at"])
    calls = calls[calls["direction"] == "outbound"].merge(dispositions, on="result")
    calls["activity_date"] = calls["started_at"].dt.date
    calls["connected_talk_seconds"] = calls["talk_seconds"].where(calls["connected"], 0)
    return calls.groupby(["activity_date", "rep_id"]).agg(
        dials=("result", "size"), rang_calls=("rang", "sum"), connected_calls=("connected", "sum"),
        effective_contacts=("effective", "sum"), connected_talk_seconds=("connected_talk_seconds", "sum"))


def email_days(exports: Path) -> pd.DataFrame:
    events = read(exports, "email_events", ["message_id", "sender_type", "rep_id", "event_type", "occurred_at"], ["occurred_at"])
    events = events[events["sender_type"] == "rep"]
    sends = events[events["event_type"] == "sent"].sort_values("occurred_at").drop_duplicates("message_id")
    messages = sends[["message_id", "rep_id", "occurred_at"]].set_index("message_id")
    messages["opened"] = messages.index.isin(events.loc[events["event_type"] == "open", "message_id"])
    messages["replied"] = messages.index.isin(events.loc[events["event_type"] == "reply", "message_id"])
    messages["activity_date"] = messages["occurred_at"].dt.date
    return messages.groupby(["activity_date", "rep_id"]).agg(
        emails_sent=("opened", "size"), emails_opened=("opened", "sum"), emails_replied=("replied", "sum"))


def per_rep_and_day(exports: Path, entity: str, rep: str, when: str, name: str) -> pd.Series:
    """Rows of a record table (meetings, leads) that are not deleted, by rep and local date."""
    records = read(exports, entity, [rep, when, "is_deleted"], [when])
    records = records[records[rep].notna() & ~records["is_deleted"].fillna(False).astype(bool)]
    return records.groupby([records[when].dt.date.rename("activity_date"), records[rep].rename("rep_id")]).size().rename(name)


def compute(exports: Path, out: Path) -> int:
    reps = read(exports, "reps", ["rep_id", "department"], [])
    inside_sales = set(reps.loc[reps["department"] == "is", "rep_id"])
    daily = pd.concat([
        call_days(exports), email_days(exports),
        per_rep_and_day(exports, "meetings", "set_by_rep_id", "agreed_at", "meetings_set"),
        per_rep_and_day(exports, "leads", "owner_rep_id", "created_at", "leads_assigned"),
    ], axis=1).fillna(0).astype("int64").reset_index()
    daily = daily[daily["rep_id"].isin(inside_sales)].sort_values(["activity_date", "rep_id"])
    daily.to_parquet(out, index=False)
    return len(daily)


if __name__ == "__main__":
    print(compute(Path(sys.argv[1]), Path(sys.argv[2])))
