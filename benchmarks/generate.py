"""A whole team's exports at a named scale, in the CSV template, generated in DuckDB SQL.

    python -m benchmarks.generate --scale team --out /tmp/bench

`team` is 30 IS reps × 12 months (≈ 0.8 M calls), `enterprise` 300 × 36 (≈ 24 M calls, 23 M
e-mail events, 1.5 M leads; ≈ 4 GB of CSV). Every value is a hash of the row's number, so the
same scale and end day give the same files on any machine and any thread count.

The exports end on the last business day up to yesterday (Asia/Tokyo), as a real night's do.
`history/` holds every day before that one; `delta/` holds that one day: its calls, e-mail
events (opens and replies of older messages among them), status changes, and the leads,
meetings and opportunities created or changed on it (re-exported with their new version).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from connectors.calendar import BusinessCalendar
from connectors.sql import ident, literal


@dataclass(frozen=True)
class Scale:
    is_reps: int
    months: int
    # per IS rep and business day; enterprise at these rates: 24 M calls, 23 M e-mail events, 1.6 M leads
    leads_per_day: int = 7
    calls_per_day: int = 105
    messages_per_day: int = 40


SCALES = {
    "sample": Scale(is_reps=8, months=3),
    "team": Scale(is_reps=30, months=12),
    "enterprise": Scale(is_reps=300, months=36),
}

TOKYO = ZoneInfo("Asia/Tokyo")

# (result, cumulative probability): ring ~92 %, connect ~27 %, effective ~15 %, appointment ~6.5 %
CALL_RESULTS = [("failed", 0.03), ("busy", 0.08), ("no_answer", 0.41), ("voicemail", 0.51), ("gatekeeper", 0.64),
                ("absent", 0.73), ("connected", 0.85), ("effective", 0.935), ("appointment", 1.0)]
CHANNELS = ["Webフォーム", "資料請求", "ウェビナー", "展示会", "紹介", "テレアポリスト", "セミナー"]


def last_export_day(today: date | None = None) -> date:
    """The last business day before today in Tokyo: the day a night's exports end on."""
    day = (today or datetime.now(TOKYO).date()) - timedelta(days=1)
    calendar = BusinessCalendar(frozenset())
    while not calendar.is_business_day(day):
        day -= timedelta(days=1)
    return day


def _case(column: str, cumulative: list[tuple[str, float]]) -> str:
    whens = " ".join(f"when {column} < {p} then {literal(value)}" for value, p in cumulative[:-1])
    return f"case {whens} else {literal(cumulative[-1][0])} end"


def _setup(con: duckdb.DuckDBPyConnection, scale: Scale, days: list[date]) -> None:
    r, lpd = scale.is_reps, scale.leads_per_day
    fs_reps = max(2, r // 5)
    con.execute("create macro u(k, salt) as (hash(k, salt) % 1000003) / 1000003.0")
    con.execute("create macro pick(k, salt, n) as cast(hash(k, salt) % n as bigint)")
    con.execute("create table days as select unnest(?::date[]) as day, generate_subscripts(?::date[], 1) - 1 as d", [days, days])
    con.execute(f"""
        create table reps as
        select 'R' || lpad(i::varchar, 4, '0') as rep_id, 'IS担当 ' || i as rep_name, 'is' as department,
               'チーム' || (i // 10 + 1) as team, case when i % 3 = 0 then 'bdr' else 'sdr' end as role,
               'r' || i || '@example.co.jp' as email, {literal(days[0].isoformat())}::date as active_from, null::date as active_to
        from range(1, {r + 1}) t(i)
        union all
        select 'F' || lpad(i::varchar, 3, '0'), 'FS担当 ' || i, 'fs', 'フィールド', 'fs', 'f' || i || '@example.co.jp',
               {literal(days[0].isoformat())}::date, null
        from range(1, {fs_reps + 1}) t(i)
    """)
    n_leads = len(days) * lpd * r
    n_accounts = max(100, n_leads // 5)
    con.execute(f"""
        create table accounts as
        select 'A' || lpad(i::varchar, 7, '0') as account_id,
               case i % 3 when 0 then '株式会社' when 1 then '(株)' else '㈱' end || 'サンプル' || i as account_name,
               '製造' as industry, 10 + pick(i, 'emp', 2000) as employee_count, '東京都' as prefecture, 1 + pick(i, 'tier', 3) as icp_tier
        from range({n_accounts}) t(i)
    """)
    # lead i: created on business day i // (lpd·r), owned by IS rep i % r
    con.execute(f"""
        create table lead_base as
        select i, 'L' || lpad(i::varchar, 8, '0') as lead_id, 'R' || lpad((i % {r} + 1)::varchar, 4, '0') as owner_rep_id,
               days.day + interval 9 hour + to_seconds(cast(u(i, 'created') * 32400 as bigint)) as created_at,
               'A' || lpad((i % {n_accounts})::varchar, 7, '0') as account_id,
               '+813' || lpad(i::varchar, 8, '0') as phone, 'l' || i || '@example.jp' as email,
               case when u(i, 'type') < 0.4 then 'inbound' else 'outbound' end as lead_type,
               [{', '.join(literal(c) for c in CHANNELS)}][1 + pick(i, 'channel', {len(CHANNELS)})] as channel
        from range({n_leads}) t(i) join days on days.d = i // {lpd * r}
    """)


def _slots(per_day: int, reps: int, n_days: int) -> str:
    """Row k of a rep's day: the business day d, the rep and the n-th slot of their day."""
    return f"""select k, k // {reps * per_day} as d, (k // {per_day}) % {reps} as rep, k % {per_day} as n
               from range({n_days * reps * per_day}) t(k)"""


def _activities(con: duckdb.DuckDBPyConnection, scale: Scale, n_days: int, through: datetime) -> None:
    r, lpd = scale.is_reps, scale.leads_per_day
    # the lead a rep works on day d: one of their leads from the fortnight before (none on the first days: a cold call)
    lead_of = f"""case when d - 1 - pick(k, 'ago', 15) >= 0
                  then ((d - 1 - pick(k, 'ago', 15)) * {lpd} + pick(k, 'slot', {lpd})) * {r} + rep end"""
    con.execute(f"""
        create table calls as
        with slots as ({_slots(scale.calls_per_day, r, n_days)}), dialled as (
            select slots.*, days.day, {lead_of} as lead_i, u(k, 'result') as p from slots join days using (d)
        )
        select 'C' || lpad(k::varchar, 9, '0') as call_id, 'R' || lpad((rep + 1)::varchar, 4, '0') as rep_id,
               case when lead_i is not null and u(k, 'given') < 0.7 then 'L' || lpad(lead_i::varchar, 8, '0') end as lead_id,
               case when lead_i is not null then '+813' || lpad(lead_i::varchar, 8, '0')
                    else '+816' || lpad(pick(k, 'cold', 100000000)::varchar, 8, '0') end as phone,
               case when u(k, 'dir') < 0.05 then 'inbound' else 'outbound' end as direction,
               day + interval 9 hour + to_seconds(n * 270 + pick(k, 'sec', 200)) as started_at,
               {_case('p', CALL_RESULTS)} as result,
               case when p >= 0.73 then 60 + pick(k, 'talk', 840) when p >= 0.08 then pick(k, 'ring', 30) else 0 end as talk_seconds
        from dialled
    """)
    con.execute(f"""
        create table messages as
        with slots as ({_slots(scale.messages_per_day, r, n_days)})
        select k, 'MSG' || lpad(k::varchar, 9, '0') as message_id, 'R' || lpad((rep + 1)::varchar, 4, '0') as rep_id,
               case when {lead_of} is not null then 'L' || lpad(({lead_of})::varchar, 8, '0') end as lead_id,
               day + interval 10 hour + to_seconds(n * 600 + pick(k, 'sec', 500)) as sent_at
        from slots join days using (d)
    """)
    con.execute(f"""
        create table email_events as
        with events as (
            select k, 'S' as kind, 'sent' as event_type, sent_at as occurred_at, * exclude (k) from messages
            union all
            select k, 'D', case when u(k, 'bounce') < 0.02 then 'bounce' else 'delivered' end, sent_at + interval 20 second, * exclude (k)
            from messages
            union all
            select k, 'O', 'open', sent_at + to_seconds(pick(k, 'open_at', 259200)), * exclude (k) from messages where u(k, 'open') < 0.35
            union all
            select k, 'C', 'click', sent_at + to_seconds(300 + pick(k, 'open_at', 259200)), * exclude (k) from messages where u(k, 'open') < 0.08
            union all
            select k, 'R', 'reply', sent_at + to_seconds(pick(k, 'reply_at', 172800)), * exclude (k) from messages where u(k, 'reply') < 0.05
        )
        select 'EV' || lpad(k::varchar, 9, '0') || kind as event_id, message_id, lead_id, null as email, null as campaign_id,
               'rep' as sender_type, rep_id, event_type, occurred_at
        from events where occurred_at < {literal(through.isoformat(sep=' '))}::timestamp
    """)
    con.execute("drop table messages")


def _records(con: duckdb.DuckDBPyConnection, through: datetime, suffix: str = "") -> None:
    """Meetings, opportunities, leads and their histories as known at `through`, in tables named <entity><suffix>."""
    cutoff = f"{literal(through.isoformat(sep=' '))}::timestamp"
    con.execute(f"""
        create table meetings{suffix} as
        with booked as (
            select i, lead_id, owner_rep_id,
                   created_at + to_seconds(86400 + pick(i, 'agreed', 777600)) as agreed_at, u(i, 'outcome') as p
            from lead_base where u(i, 'meeting') < 0.4
        ), scheduled as (
            select *, agreed_at + to_seconds(259200 + pick(i, 'when', 604800)) as scheduled_for from booked where agreed_at < {cutoff}
        )
        select 'MTG' || lpad(i::varchar, 8, '0') as meeting_id, lead_id, owner_rep_id as set_by_rep_id,
               'F' || lpad((i % (select count(*) from reps where department = 'fs') + 1)::varchar, 3, '0') as fs_rep_id,
               agreed_at, agreed_at + interval 1 hour as date_confirmed_at, scheduled_for,
               case when scheduled_for >= {cutoff} then 'scheduled' when p < 0.75 then 'held' when p < 0.85 then 'no_show' else 'cancelled'
               end as status,
               u(i, 'b') < 0.6 as bant_budget, u(i, 'a') < 0.6 as bant_authority, u(i, 'n') < 0.8 as bant_need, u(i, 't') < 0.5 as bant_timing,
               1 + pick(i, 'score', 5) as handoff_score,
               case when scheduled_for < {cutoff} then scheduled_for + interval 2 hour else agreed_at end as updated_at,
               false as is_deleted, i
        from scheduled
    """)
    # an opportunity per held meeting; 40 % never close (stale deals a CRM keeps open for ever)
    con.execute(f"""
        create table opportunities{suffix} as
        with opened as (
            select i, lead_id, meeting_id, scheduled_for + interval 1 day as created_at,
                   case when u(i, 'stale') >= 0.4 then scheduled_for + to_seconds(864000 + pick(i, 'close', 9504000)) end as closes_at
            from meetings{suffix} where status = 'held' and scheduled_for + interval 1 day < {cutoff}
        )
        select 'OPP' || lpad(i::varchar, 8, '0') as opportunity_id, lead_id,
               'A' || lpad((i % (select count(*) from accounts))::varchar, 7, '0') as account_id,
               meeting_id, 'F' || lpad((i % (select count(*) from reps where department = 'fs') + 1)::varchar, 3, '0') as owner_rep_id, created_at,
               case when closes_at < {cutoff} then (case when u(i, 'won') < 0.3 then 'closed_won' else 'closed_lost' end)
                    when created_at + interval 7 day < {cutoff} then 'proposal' else 'qualification' end as stage,
               (5 + pick(i, 'amount', 46)) * 100000 as amount, 'JPY' as currency,
               cast(created_at + interval 60 day as date) as expected_close_date,
               case when closes_at < {cutoff} then closes_at end as closed_at,
               case when closes_at < {cutoff} then u(i, 'won') < 0.3 end as is_won,
               case when closes_at < {cutoff} then closes_at when created_at + interval 7 day < {cutoff} then created_at + interval 7 day
                    else created_at end as updated_at,
               false as is_deleted, i
        from opened
    """)
    con.execute(f"""
        create table opportunity_stage_history{suffix} as
        select opportunity_id, 'qualification' as stage, amount, created_at as changed_at from opportunities{suffix}
        union all
        select opportunity_id, 'proposal', amount, created_at + interval 7 day from opportunities{suffix}
        where created_at + interval 7 day < coalesce(closed_at, {cutoff})
        union all
        select opportunity_id, stage, amount, closed_at from opportunities{suffix} where closed_at is not null
    """)
    con.execute(f"""
        create table lead_status_history{suffix} as
        with changes as (
            select lead_id, 'new' as status, created_at as changed_at, owner_rep_id from lead_base
            union all
            select lead_id, 'contacted', created_at + to_seconds(3600 + pick(i, 'contact', 172800)), owner_rep_id
            from lead_base where u(i, 'contact') < 0.8
            union all
            select lead_id, 'sal', scheduled_for + interval 3 hour, set_by_rep_id from meetings{suffix} where status = 'held'
            union all
            select opportunity.lead_id, case when stage = 'closed_won' then 'won' else 'lost' end, closed_at, lead_base.owner_rep_id
            from opportunities{suffix} as opportunity join lead_base using (lead_id) where closed_at is not null
        )
        select lead_id, status, changed_at, owner_rep_id as changed_by_rep_id from changes where changed_at < {cutoff}
    """)
    con.execute(f"""
        create table leads{suffix} as
        with latest as (
            select lead_id, arg_max(status, changed_at) as status, max(changed_at) as updated_at from lead_status_history{suffix} group by lead_id
        )
        select lead_id, account_id, '株式会社サンプル' || (i % 997) as company_name, '担当 ' || i as contact_name, email, phone,
               channel, lead_type, owner_rep_id, created_at, latest.status, pick(i, 'score', 101) as score, latest.updated_at,
               false as is_deleted
        from lead_base join latest using (lead_id)
        where created_at < {cutoff}
    """)
    con.execute(f"""
        create table ma_activities{suffix} as
        select 'MA' || lpad(i::varchar, 8, '0') as activity_id, lead_id, null as email, 'form_fill' as activity_type,
               '/contact' as detail, channel, created_at as occurred_at, 30 as score_delta
        from lead_base where lead_type = 'inbound' and created_at < {cutoff}
    """)


# entity -> (column the night's export is cut by, split into monthly files)
EXPORTS = {
    "reps": (None, False), "accounts": (None, False),
    "leads": ("updated_at", False), "lead_status_history": ("changed_at", False),
    "meetings": ("updated_at", False), "opportunities": ("updated_at", False),
    "opportunity_stage_history": ("changed_at", False),
    "calls": ("started_at", True), "email_events": ("occurred_at", True), "ma_activities": ("occurred_at", False),
}
# timestamps as a Japanese export writes them: local, no offset, `YYYY-MM-DD HH:MM:SS`
CSV_OPTIONS = "(header, timestampformat '%Y-%m-%d %H:%M:%S')"


def _copy(con: duckdb.DuckDBPyConnection, table: str, where: str, path: Path, first_by: str | None = None) -> None:
    """The rows in one order every run (`first_by`, then every column): a parallel join's output
    order is not, and which row comes first decides what the tests that edit exports pick."""
    names = [name for (name,) in con.execute(f"select column_name from (describe {table}) where column_name <> 'i'").fetchall()]
    order = ", ".join([*([first_by] if first_by else []), *map(ident, names)])
    con.execute(f"copy (select {', '.join(map(ident, names))} from {table} where {where} order by {order}) "
                f"to {literal(str(path))} {CSV_OPTIONS}")


def _write(con: duckdb.DuckDBPyConnection, out: Path, first_day: date, last_day: date) -> dict[str, int]:
    """history/: every record as known the evening before `last_day`; delta/: that day's export."""
    (out / "history").mkdir(parents=True, exist_ok=True)
    (out / "delta").mkdir(parents=True, exist_ok=True)
    cut = f"{literal(last_day.isoformat())}::date"
    tables = {name for (name,) in con.execute("select table_name from duckdb_tables()").fetchall()}
    written: dict[str, int] = {}
    for entity, (cut_column, monthly) in EXPORTS.items():
        known_before = f"{entity}_history" if f"{entity}_history" in tables else entity
        written[entity] = con.execute(f"select count(*) from {entity}").fetchone()[0]
        if cut_column is None:
            _copy(con, entity, "true", out / "history" / f"{entity}.csv")
            continue
        before = f"cast({cut_column} as date) < {cut}"
        if monthly:
            month = first_day.replace(day=1)
            while month < last_day:
                next_month = (month + timedelta(days=32)).replace(day=1)
                in_month = f"{cut_column} >= {literal(month.isoformat())}::date and {cut_column} < {literal(next_month.isoformat())}::date"
                _copy(con, known_before, f"{before} and {in_month}", out / "history" / f"{entity}_{month:%Y%m}.csv", cut_column)
                month = next_month
        else:
            _copy(con, known_before, before, out / "history" / f"{entity}.csv")
        # the night's export: what was created or changed on the last day, records in their new version
        _copy(con, entity, f"cast({cut_column} as date) = {cut}", out / "delta" / f"{entity}_{last_day:%Y%m%d}.csv")
    return written


def generate(scale_name: str, out: Path, last_day: date | None = None, memory_limit: str = "8GB") -> dict[str, int]:
    scale = SCALES[scale_name]
    last_day = last_day or last_export_day()
    first_day = (last_day.replace(day=1) - timedelta(days=31 * (scale.months - 1))).replace(day=1)
    days = BusinessCalendar(frozenset()).business_days_between(first_day, last_day)
    through = datetime.combine(last_day + timedelta(days=1), datetime.min.time())
    with duckdb.connect() as con:
        con.execute(f"set memory_limit = {literal(memory_limit)}")
        con.execute(f"set temp_directory = {literal(str(out / '.tmp'))}")
        _setup(con, scale, days)
        _activities(con, scale, len(days), through)
        _records(con, datetime.combine(last_day, datetime.min.time()), suffix="_history")
        _records(con, through)
        return _write(con, out, first_day, last_day)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="team")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--last-day", type=date.fromisoformat, help="the exports' last day (default: the last business day before today, Tokyo)")
    args = parser.parse_args()
    started = time.perf_counter()
    rows = generate(args.scale, args.out, args.last_day)
    print(f"{args.scale}: {sum(rows.values()):,} rows in {time.perf_counter() - started:.1f} s → {args.out}")
    for entity, count in rows.items():
        print(f"  {entity:<28}{count:>14,}")


if __name__ == "__main__":
    main()
