"""The incremental nightly build against a full rebuild over the same raw rows.

Three nights in one workspace: the generated team history; the next day's exports (new calls,
opens of older messages, leads and deals in their new version) with two calls nobody can
resolve yet, and two leads sharing the number of a third call; then a night of late arrivals:
the leads those two calls belong to (one by its number, one by the lead_id the call already
named), one of the two leads with a new number, a call exported again with another result,
an open and a reply of a message sent weeks before, and a backdated stage change. Both later
nights must build incrementally, and every published mart must equal, byte for byte, what
`--full-refresh` then builds from the same raw tables. A mapping edit makes the next build a
full one."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from benchmarks.generate import generate
from orchestration.nightly import run_nightly
from workspaces import workspace_for

LAST_DAY = date(2026, 3, 13)  # a Friday; the generated exports end on it
ORPHAN_BY_PHONE = ("C_LATE_PHONE", "+81399990001", "L_LATE_PHONE")
ORPHAN_BY_ID = ("C_LATE_ID", "+81399990002", "L_LATE_ID")
# two leads share a number, so a call to it resolves to neither, until one of them gets another number
SHARED_NUMBER = ("C_SHARED", "+81399990003", ("L_SHARED_A", "L_SHARED_B"), "+81399990004")


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _write(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False)


def _night_two(generated: Path, inbox: Path) -> None:
    """The day's delta; its calls file also holds three calls no lead can be found for yet, and
    its leads file two leads with the same number."""
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
    _write(pd.concat([calls, orphans]), calls_file)
    leads_file = inbox / f"leads_{LAST_DAY:%Y%m%d}.csv"
    leads = _read(leads_file)
    sharing = pd.DataFrame([_new_lead(leads, lead, number, "09:00") for lead in SHARED_NUMBER[2]])
    _write(pd.concat([leads, sharing]), leads_file)


def _new_lead(leads: pd.DataFrame, lead_id: str, phone: str, created: str, updated: str | None = None) -> dict[str, str]:
    """A lead in the template's shape, created (and last updated) at these times of the last day."""
    return {**leads.iloc[0].to_dict(), "lead_id": lead_id, "phone": phone, "email": f"{lead_id.lower()}@example.jp",
            "created_at": f"{LAST_DAY} {created}:00", "updated_at": f"{LAST_DAY} {updated or created}:00", "status": "new"}


def _night_three(generated: Path, inbox: Path) -> dict[str, str]:
    """Late arrivals; returns the ids the checks look at."""
    leads = _read(generated / "delta" / f"leads_{LAST_DAY:%Y%m%d}.csv")
    late_leads = [_new_lead(leads, lead, phone, "11:00") for _, phone, lead in (ORPHAN_BY_PHONE, ORPHAN_BY_ID)]
    # the first sharing lead gets another number: the shared one is now the second lead's alone
    late_leads.append(_new_lead(leads, SHARED_NUMBER[2][0], SHARED_NUMBER[3], "09:00", updated="12:00"))
    _write(pd.DataFrame(late_leads), inbox / "leads_late.csv")

    calls = _read(generated / "delta" / f"calls_{LAST_DAY:%Y%m%d}.csv")
    re_exported = calls[calls["result"] == "no_answer"].iloc[[0]].assign(result="appointment")
    _write(re_exported, inbox / "calls_reexport.csv")

    events = _read(next((generated / "history").glob("email_events_*.csv")))
    sent = events[(events["event_type"] == "sent") & (events["sender_type"] == "rep")].iloc[0]
    late_events = pd.DataFrame([
        {**sent.to_dict(), "event_id": f"{sent['event_id']}_{kind}", "event_type": kind,
         "occurred_at": f"{LAST_DAY} 18:0{n}:00"}
        for n, kind in enumerate(("open", "reply"))
    ])
    _write(late_events, inbox / "email_events_late.csv")

    history = _read(generated / "history" / "opportunity_stage_history.csv")
    deal = history.groupby("opportunity_id").filter(lambda rows: len(rows) >= 2).iloc[0]
    backdated = pd.DataFrame([{**deal.to_dict(), "stage": "proposal", "changed_at": "2026-01-05 10:00:00"}])
    _write(backdated, inbox / "opportunity_stage_history_late.csv")
    return {"re_exported_call": re_exported["call_id"].iloc[0], "old_message": sent["message_id"]}


def _builds(work_db: Path) -> list[tuple]:
    with duckdb.connect(str(work_db), read_only=True) as con:
        return con.execute("select is_full_refresh, reason from audit.dbt_builds where finished_at is not null order by build_id").fetchall()


def _mart_dumps(published: Path, out_dir: Path) -> dict[str, bytes]:
    """Every published mart as CSV, rows in a fixed order."""
    out_dir.mkdir()
    dumps = {}
    with duckdb.connect(str(published), read_only=True) as con:
        tables = [name for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by table_name").fetchall()]
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
    work_db = root / "ws" / ".work" / "iskpi.work.duckdb"

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
        opened = con.execute(
            "select is_opened, is_replied from marts.fct_email_message where message_id = ?", [late["old_message"]]
        ).fetchone()
        assert opened == (True, True)


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
