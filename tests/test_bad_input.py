"""Bad input: refused with a message naming file, column and rule; nothing half-published."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest
from workspaces import run_nightly

from orchestration.defs.quality import MIN_ROWS_JUDGED

pytestmark = pytest.mark.e2e


@pytest.fixture()
def published(sample_run, tmp_path) -> tuple[Path, Path, bytes]:
    """A copy of the sample's input and of its published warehouse, to break."""
    sample, warehouse, outcome = sample_run
    assert outcome.success
    inputs = tmp_path / "in"
    shutil.copytree(sample.out_dir, inputs)
    target = tmp_path / "wh" / "iskpi.duckdb"
    target.parent.mkdir()
    shutil.copy(warehouse, target)
    shutil.copytree(warehouse.parent / ".iskpi" / "work", target.parent / ".iskpi" / "work")
    return inputs, target, target.read_bytes()


def test_missing_required_column_rejects_the_file_and_publishes_nothing(published):
    inputs, warehouse, before = published
    (inputs / "calls_20990101.csv").write_text(
        "call_id,rep_id,lead_id,direction,result,talk_seconds\nX1,R001,,outbound,busy,0\n", encoding="utf-8"
    )
    outcome = run_nightly(inputs, warehouse)
    assert not outcome.success
    assert "calls_20990101.csv" in outcome.message
    assert "started_at" in outcome.message
    assert "contract.yml" in outcome.message
    assert warehouse.read_bytes() == before


def test_file_over_the_quarantine_threshold_is_blocked_whole(published):
    inputs, warehouse, before = published
    (inputs / "calls_20990102.csv").write_text(
        "call_id,rep_id,lead_id,phone,direction,started_at,result,talk_seconds\n"
        "Y1,R001,,,outbound,2026-05-01 10:00,busy,0\n"
        "Y2,R404,,,outbound,2026-05-01 10:01,busy,0\n"
        "Y3,R001,,,outbound,2026-05-01 10:02,wrong_result,0\n",
        encoding="utf-8",
    )
    outcome = run_nightly(inputs, warehouse)
    assert not outcome.success
    assert "calls_20990102.csv: 2 of 3 rows (67%)" in outcome.message
    assert "audit.quarantine" in outcome.message
    assert warehouse.read_bytes() == before
    with duckdb.connect(str(warehouse.parent / ".iskpi" / "work" / "iskpi.work.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from raw.calls where call_id like 'Y%'").fetchone()[0] == 0
        rules = dict(
            con.execute(
                "select rule, count(*) from audit.quarantine q join audit.load_files f using (file_id) "
                "where f.file_name = 'calls_20990102.csv' group by rule"
            ).fetchall()
        )
    assert rules == {
        "calls.rep_id.references_reps": 1,
        "calls.result.one_of": 1,
        "file.over_quarantine_threshold": 1,
    }


def test_calls_that_resolve_to_no_lead_block_publishing_over_the_threshold(published):
    inputs, warehouse, before = published
    # one corrected cold call is a handful of rows, which no share judges; a file of twenty is judged
    (inputs / "calls_20990103.csv").write_text(
        "call_id,rep_id,lead_id,phone,direction,started_at,result,talk_seconds\n"
        "U0,R001,,03-9999-0000,outbound,2026-05-01 09:59,busy,0\n",
        encoding="utf-8",
    )
    rows = [f"U{i},R001,{'NOBODY' if i % 2 else ''},{f'03-9999-{i:04d}' if i % 3 else ''},outbound,2026-05-01 10:{i:02d},busy,0"
            for i in range(1, MIN_ROWS_JUDGED + 1)]
    (inputs / "calls_20990103b.csv").write_text(
        "call_id,rep_id,lead_id,phone,direction,started_at,result,talk_seconds\n" + "\n".join(rows) + "\n", encoding="utf-8",
    )
    outcome = run_nightly(inputs, warehouse, max_unresolved_share=0.99)
    assert not outcome.success
    assert f"calls_20990103b.csv: {MIN_ROWS_JUDGED} of {MIN_ROWS_JUDGED} calls (100%) name no known lead" in outcome.message
    assert not re.search(r"calls_20990103\.csv: \d+ of \d+ calls", outcome.message)  # 1 of 1, too few to judge
    assert "more than the 99% allowed" in outcome.message
    assert "lead_resolution = 'unresolved'" in outcome.message
    assert warehouse.read_bytes() == before
    # the same files pass under the default threshold: cold calls are still dials
    assert run_nightly(inputs, warehouse, max_unresolved_share=1.0).success


def test_refused_files_block_only_beyond_the_allowed_count(published):
    inputs, warehouse, before = published
    (inputs / "calls_20990104.csv").write_text("call_id,rep_id\nX1,R001\n", encoding="utf-8")
    refused = run_nightly(inputs, warehouse)
    assert not refused.success and "calls_20990104.csv: required columns" in refused.message
    assert warehouse.read_bytes() == before
    tolerated = run_nightly(inputs, warehouse, max_rejected_files=1)
    assert tolerated.success, tolerated.message
    assert "refused, within the 1 file(s) allowed: calls_20990104.csv" in tolerated.message
    assert warehouse.read_bytes() != before


def test_reps_alone_publish_an_empty_warehouse_without_sheets(tmp_path):
    # SPEC §2: any entity may be absent except reps
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "reps.csv").write_text("rep_id,rep_name,department,team,role\nR1,山田 花子,is,東京SDR,sdr\n", encoding="utf-8")
    warehouse = tmp_path / "wh" / "iskpi.duckdb"
    outcome = run_nightly(tmp_path / "in", warehouse)
    assert outcome.success, outcome.message
    assert "no new calls file" in outcome.message
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.dim_rep").fetchone()[0] == 1
        assert con.execute("select count(*) from marts.kpi_plan").fetchone()[0] == 0
    assert not (warehouse.parent / "reports").exists()  # nothing to report yet


def test_a_missing_input_folder_is_a_clear_message(tmp_path):
    outcome = run_nightly(tmp_path / "nope", tmp_path / "wh.duckdb")
    assert not outcome.success
    assert "does not exist" in outcome.message
    assert not (tmp_path / "wh.duckdb").exists()


def test_an_empty_inbox_ends_in_the_users_message_not_the_frameworks(tmp_path):
    (tmp_path / "in").mkdir()
    outcome = run_nightly(tmp_path / "in", tmp_path / "wh" / "iskpi.duckdb")
    assert not outcome.success
    assert "put reps.csv" in outcome.message
    assert "Dagster" not in outcome.message and "Error" not in outcome.message, outcome.message
