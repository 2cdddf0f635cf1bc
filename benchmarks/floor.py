"""The floor: one hand-written DuckDB pass that reads and types every export and computes the
core of kpi_daily, with no checks, no history and no publishing. What the machine can do at best.

    python -m benchmarks.floor EXPORTS_DIR OUT.parquet
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from benchmarks.generate import EXPORTS
from connectors.files import entity_of
from connectors.sql import literal
from orchestration.paths import DBT_PROJECT_DIR

DISPOSITIONS = DBT_PROJECT_DIR / "seeds" / "call_dispositions.csv"

KPI_DAILY_CORE = """
with dials as (
    select rep_id, cast(started_at as date) as activity_date,
           count(*) as dials,
           count(*) filter (where rang) as rang_calls,
           count(*) filter (where connected) as connected_calls,
           count(*) filter (where effective) as effective_contacts,
           coalesce(sum(talk_seconds) filter (where connected), 0) as connected_talk_seconds
    from calls join dispositions using (result)
    where direction = 'outbound'
    group by all
), messages as (
    select message_id,
           any_value(rep_id) filter (where event_type = 'sent') as rep_id,
           cast(min(occurred_at) filter (where event_type = 'sent') as date) as activity_date,
           bool_or(event_type = 'open') as opened, bool_or(event_type = 'reply') as replied
    from email_events where sender_type = 'rep'
    group by message_id
), sent as (
    select rep_id, activity_date, count(*) as emails_sent, count(*) filter (where opened) as emails_opened,
           count(*) filter (where replied) as emails_replied
    from messages where activity_date is not null group by all
), booked as (
    select set_by_rep_id as rep_id, cast(agreed_at as date) as activity_date, count(*) as meetings_set
    from meetings where not coalesce(is_deleted, false) group by all
), assigned as (
    select owner_rep_id as rep_id, cast(created_at as date) as activity_date, count(*) as leads_assigned
    from leads where owner_rep_id is not null and not coalesce(is_deleted, false) group by all
)
select activity_date, rep_id,
       coalesce(dials, 0) as dials, coalesce(rang_calls, 0) as rang_calls, coalesce(connected_calls, 0) as connected_calls,
       coalesce(effective_contacts, 0) as effective_contacts, coalesce(connected_talk_seconds, 0) as connected_talk_seconds,
       coalesce(emails_sent, 0) as emails_sent, coalesce(emails_opened, 0) as emails_opened, coalesce(emails_replied, 0) as emails_replied,
       coalesce(meetings_set, 0) as meetings_set, coalesce(leads_assigned, 0) as leads_assigned
from dials
full join sent using (rep_id, activity_date)
full join booked using (rep_id, activity_date)
full join assigned using (rep_id, activity_date)
where rep_id in (select rep_id from reps where department = 'is')
order by activity_date, rep_id
"""


def export_files(exports: Path, entity: str) -> list[str]:
    """The entity's files, named as the loader names them (`calls.csv`, `calls_202604.csv`)."""
    return sorted(str(p) for p in exports.glob("*.csv") if entity_of(p.name, list(EXPORTS)) == entity)


def compute(exports: Path, out: Path, memory_limit: str = "4GB") -> int:
    with duckdb.connect() as con:
        con.execute(f"set memory_limit = {literal(memory_limit)}")
        con.execute(f"set temp_directory = {literal(str(out.with_suffix('.tmp')))}")
        for entity in EXPORTS:
            files = export_files(exports, entity)
            con.execute(f"""create table {entity} as select * from read_csv({files}, header = true, union_by_name = true,
                            timestampformat = '%Y-%m-%d %H:%M:%S')""")
        con.execute(f"create table dispositions as select * from read_csv({literal(str(DISPOSITIONS))}, header = true)")
        con.execute(f"copy ({KPI_DAILY_CORE}) to {literal(str(out))} (format parquet)")
        return con.execute(f"select count(*) from {literal(str(out))}").fetchone()[0]


if __name__ == "__main__":
    print(compute(Path(sys.argv[1]), Path(sys.argv[2])))
