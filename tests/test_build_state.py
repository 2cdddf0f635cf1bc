"""When a night's dbt build is incremental and when it is a full one (orchestration/transform/build_state.py)."""

from __future__ import annotations

import duckdb
import pytest

from expectations.gate import ensure_audit
from orchestration.transform.build_state import begin_build, destinations_digest, finish_build, nothing_new, project_fingerprint, record_published


@pytest.fixture
def work():
    with duckdb.connect() as con:
        ensure_audit(con)
        yield con


def _append(con, append_id: int) -> None:
    con.execute("insert into audit.raw_appends values (?, 'calls', 10, now())", [append_id])


def test_the_first_build_is_full_and_the_next_covers_only_what_was_appended_since(work):
    _append(work, 1)
    _append(work, 2)
    first = begin_build(work, "f1", None)
    assert (first.is_full_refresh, first.since_append_id, first.through_append_id) == (True, 0, 2)
    assert first.reason == "first build of this warehouse"
    finish_build(work, first.build_id)

    _append(work, 3)
    second = begin_build(work, "f1", None)
    assert (second.is_full_refresh, second.since_append_id, second.through_append_id) == (False, 2, 3)


def test_a_build_that_did_not_finish_makes_the_next_one_full(work):
    finish_build(work, begin_build(work, "f1", None).build_id)
    begin_build(work, "f1", None)  # fails midway: never finished
    retry = begin_build(work, "f1", None)
    assert retry.is_full_refresh and retry.reason == "the last build did not finish"


def test_a_night_is_nothing_new_only_after_a_published_build_of_the_same_project_and_rows(work):
    here, there = destinations_digest("/w/iskpi.duckdb", None), destinations_digest("/w/iskpi.duckdb", "host=pg")
    _append(work, 1)
    assert not nothing_new(work, "f1", here)  # never built
    build = begin_build(work, "f1", None)
    assert not nothing_new(work, "f1", here)  # not finished
    finish_build(work, build.build_id)
    assert not nothing_new(work, "f1", here)  # built, never published
    record_published(work, here)
    assert nothing_new(work, "f1", here)
    assert not nothing_new(work, "f2", here)  # a mapping, setting or model changed
    assert not nothing_new(work, "f1", there)  # PostgreSQL publishing turned on
    record_published(work, None)  # the sheets or PostgreSQL failed after the file was published
    assert not nothing_new(work, "f1", here)
    record_published(work, here)
    _append(work, 2)
    assert not nothing_new(work, "f1", here)  # rows arrived


def test_a_changed_fingerprint_or_a_request_makes_it_full(work):
    finish_build(work, begin_build(work, "f1", None).build_id)
    changed = begin_build(work, "f2", None)
    assert changed.is_full_refresh and "mapping" in changed.reason
    finish_build(work, changed.build_id)
    asked = begin_build(work, "f2", "full build asked for (--full-refresh)")
    assert asked.is_full_refresh and asked.since_append_id == 0


def test_the_fingerprint_follows_every_file_and_the_vars(tmp_path):
    (tmp_path / "seeds").mkdir()
    mapping = tmp_path / "seeds" / "call_dispositions.csv"
    mapping.write_text("result,connected\nabsent,false\n")
    model = tmp_path / "model.sql"
    model.write_text("select 1")

    def fingerprint(dbt_vars='{"sla_minutes": 5}'):
        return project_fingerprint(tmp_path, [mapping, model], dbt_vars)

    before = fingerprint()
    assert fingerprint() == before
    assert fingerprint('{"sla_minutes": 10}') != before
    mapping.write_text("result,connected\nabsent,true\n")
    assert fingerprint() != before


def test_a_build_counts_as_finished_only_on_this_invocations_results(tmp_path):
    import json
    import os
    import time

    from orchestration.defs.transform import _every_model_built

    results = tmp_path / "run_results.json"

    def write(statuses):
        results.write_text(json.dumps({"results": [{"unique_id": u, "status": s} for u, s in statuses.items()]}))

    write({"model.iskpi.fct_call": "success", "seed.iskpi.channels": "success", "test.iskpi.unique_x": "fail"})
    started = time.time()
    os.utime(results, (started - 60, started - 60))  # last night's results, left by a dbt that failed early
    assert not _every_model_built(results, started)
    assert not _every_model_built(tmp_path / "missing.json", started)
    write({"model.iskpi.fct_call": "success", "seed.iskpi.channels": "success", "test.iskpi.unique_x": "fail"})
    assert _every_model_built(results, started)  # a failed test blocks the publish, not the increment
    write({"model.iskpi.fct_call": "skipped", "seed.iskpi.channels": "success"})
    assert not _every_model_built(results, started)
