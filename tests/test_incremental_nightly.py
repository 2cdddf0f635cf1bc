"""The incremental nightly build against a full rebuild over the same raw rows.

Three nights in one workspace, with late arrivals (tests/late_nights.py). Both later nights must
build incrementally, and every published mart must equal, byte for byte, what `--full-refresh`
then builds from the same raw tables. A mapping edit makes the next build a full one."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest
from digests import ABOUT_THE_LOADS
from late_nights import (
    LAST_DAY,
    LOST_BY_NUMBER,
    MISLOGGED_MEETING,
    MOVED_CALL,
    ORPHAN_BY_ID,
    ORPHAN_BY_PHONE,
    SHARED_NUMBER,
    WON_AFTER_LAST_DAY,
    first_night_inbox,
    night_three,
    night_two,
    read_csv,
    write_csv,
)
from workspaces import dbt_by_hand, workspace_for

from orchestration.nightly import run_nightly

pytestmark = pytest.mark.e2e


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
    generated, inbox = first_night_inbox(root)
    workspace = workspace_for(root / "ws" / "iskpi.duckdb", inbox)
    work_db = workspace.work_db

    nights = []
    for prepare in (lambda: None, lambda: night_two(generated, inbox), lambda: night_three(generated, inbox)):
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
    dispositions = read_csv(mapping)
    dispositions.loc[dispositions["result"] == "absent", "connected"] = "true"
    write_csv(dispositions, mapping)

    outcome = run_nightly(workspace)
    assert outcome.success, outcome.message
    full, reason = _builds(work_db)[-1]
    assert full and "mapping" in reason
    with duckdb.connect(str(workspace.warehouse), read_only=True) as con:
        absent = con.execute(
            "select count(*), count(*) filter (where is_connected) from marts.fct_call where canonical_result = 'absent'"
        ).fetchone()
    assert absent[0] > 0 and absent[1] == absent[0]
