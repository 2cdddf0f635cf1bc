"""What reading a vendor's own export costs over the template: the same calls as a Salesforce task
table (synced by an EL tool: snake_case, UTC, who_id a lead or a converted contact, owners resolved
by e-mail, some tasks no calls) and as the template's calls.csv, each loaded into a fresh working
database (landing, input rules in Great Expectations, quarantine, raw).

    python -m benchmarks.source_formats --rows 1000000

Only the calls' load is timed; the reps and the Salesforce users and leads it resolves through are
loaded before. Prints the figures; writes them to benchmarks/results/formats-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from connectors.contract import entity_names
from connectors.files import discover
from connectors.source_formats import shipped_formats
from connectors.sql import DuckDBLimits
from orchestration.ingest.loading import LoadSettings, load_entity
from orchestration.paths import DEFAULT_MAPPINGS_DIR

RESULTS = Path(__file__).with_name("results")
REPS = 30
LEADS = 100_000
# a task table holds more than calls: e-mails logged, to-dos
CALL_SHARE = 0.9


def write_exports(folder: Path, rows: int) -> tuple[Path, Path, int]:
    """Two inboxes with the same calls, one in the template, one as Salesforce exports; and how many calls."""
    template, vendor = folder / "template", folder / "salesforce_inbox"
    (vendor / "salesforce").mkdir(parents=True)
    template.mkdir(parents=True)
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    reps = f"select 'R' || lpad(i::varchar, 3, '0') as rep_id, 'rep ' || i as rep_name, 'is' as department, 'T' as team, " \
           f"'sdr' as role, 'rep' || i || '@example.jp' as email from range(1, {REPS} + 1) t(i)"
    for inbox in (template, vendor):
        con.execute(f"copy ({reps}) to '{inbox / 'reps.csv'}' (header)")
    con.execute(f"""copy (select '005' || lpad(i::varchar, 12, '0') as id, 'rep' || i || '@example.jp' as email, 'rep ' || i as name,
                                'rep' || i || '@example.jp.sf' as username, 'true' as is_active, 'Standard' as user_type
                         from range(1, {REPS} + 1) t(i)) to '{vendor / 'salesforce' / 'user.csv'}' (header)""")
    con.execute(f"""copy (select '00Q' || lpad(i::varchar, 12, '0') as id, 'company ' || i as company, 'Working - Contacted' as status,
                                case when i % 2 = 0 then 'true' else 'false' end as is_converted,
                                case when i % 2 = 0 then '003' || lpad(i::varchar, 12, '0') end as converted_contact_id,
                                '2025-01-01 00:00:00' as created_date, 'Webフォーム' as lead_source,
                                '005' || lpad((i % {REPS} + 1)::varchar, 12, '0') as owner_id
                         from range(1, {LEADS} + 1) t(i)) to '{vendor / 'salesforce' / 'lead.csv'}' (header)""")
    calls = f"""
        select i, (i % {LEADS}) + 1 as lead_no, (i % {REPS}) + 1 as rep_no,
               timestamp '2025-06-01 00:00:00' + to_seconds(i * 7) as started,
               (['不在', '話し中', '担当者接続', '有効会話', 'アポ獲得', '留守電'])[i % 6 + 1] as result,
               case when i % 6 >= 2 then (i % 600)::varchar else '0' end as talk,
               random() < {CALL_SHARE} as is_call
        from range(1, {rows} + 1) t(i)"""
    con.execute(f"create table generated as {calls}")
    con.execute(f"""copy (select '00T' || lpad(i::varchar, 12, '0') as id,
                                case when lead_no % 2 = 0 then '003' else '00Q' end || lpad(lead_no::varchar, 12, '0') as who_id,
                                null as what_id, '005' || lpad(rep_no::varchar, 12, '0') as owner_id,
                                case when is_call then 'Call' else 'To-do' end as subject,
                                case when is_call then 'Call' else 'Task' end as task_subtype,
                                case when is_call then 'Outbound' end as call_type,
                                case when is_call then result end as call_disposition,
                                case when is_call then talk end as call_duration_in_seconds,
                                strftime(started, '%Y-%m-%d 00:00:00') as activity_date,
                                strftime(started, '%Y-%m-%d %H:%M:%S') as completed_date_time,
                                strftime(started, '%Y-%m-%d %H:%M:%S') as created_date,
                                'Completed' as status, 'Normal' as priority, 'false' as is_deleted, 'true' as is_closed,
                                'description of task ' || i as description, '2025-06-30 00:00:00' as _fivetran_synced
                         from generated) to '{vendor / 'salesforce' / 'task.csv'}' (header)""")
    # the template's calls: the same calls, the lead a contact stands for already named
    con.execute(f"""copy (select '00T' || lpad(i::varchar, 12, '0') as call_id, 'R' || lpad(rep_no::varchar, 3, '0') as rep_id,
                                '00Q' || lpad(lead_no::varchar, 12, '0') as lead_id, null as phone, 'outbound' as direction,
                                strftime(started, '%Y-%m-%d %H:%M:%S') || '+00:00' as started_at, result, talk as talk_seconds
                         from generated where is_call) to '{template / 'calls.csv'}' (header)""")
    calls_written = con.execute("select count(*) filter (where is_call) from generated").fetchone()[0]
    con.close()
    return template, vendor, calls_written


def time_calls_load(inbox: Path, work: Path) -> dict:
    settings = LoadSettings(
        work_db=work / "work.duckdb", limits=DuckDBLimits(temp_directory=str(work / "tmp")),
        scratch_dir=work / "scratch", mappings_dir=DEFAULT_MAPPINGS_DIR, business_time_zone="Asia/Tokyo",
        max_quarantine_share=1.0, future_tolerance=timedelta(hours=24), formats=shipped_formats(),
    )
    now = datetime.now(UTC)
    for entity in ("reps", "source_links"):
        load_entity(entity, discover([inbox], entity, entity_names(), settings.formats), settings, now)
    files = discover([inbox], "calls", entity_names(), settings.formats)
    started = time.monotonic()
    load = load_entity("calls", files, settings, now)
    seconds = time.monotonic() - started
    outcome = load.outcomes[0]
    return {"seconds": round(seconds, 2), "file_bytes": sum(f.path.stat().st_size for f in files),
            "rows_loaded": outcome.rows_loaded, "rows_quarantined": outcome.rows_quarantined,
            "rows_per_second": round(outcome.rows_loaded / seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the Salesforce task table")
    parser.add_argument("--folder", type=Path, default=Path("/tmp/iskpi-formats-bench"))
    args = parser.parse_args()
    shutil.rmtree(args.folder, ignore_errors=True)
    template, vendor, calls = write_exports(args.folder, args.rows)
    figures = {"task_rows": args.rows, "calls": calls, "machine": f"{platform.machine()}, {platform.node()}"}
    for name, inbox in (("template", template), ("salesforce", vendor)):
        figures[name] = time_calls_load(inbox, args.folder / f"work-{name}")
        f = figures[name]
        print(f"{name:11} {f['seconds']:7.1f} s  {f['rows_loaded']:,} calls loaded ({f['rows_quarantined']:,} quarantined) "
              f"from {f['file_bytes'] / 2**20:,.0f} MiB, {f['rows_per_second']:,} rows/s")
    figures["ratio"] = round(figures["salesforce"]["seconds"] / figures["template"]["seconds"], 2)
    figures["peak_rss_gib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)
    print(f"Salesforce task table / template: {figures['ratio']}×; peak RSS {figures['peak_rss_gib']} GiB")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"formats-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(figures, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
