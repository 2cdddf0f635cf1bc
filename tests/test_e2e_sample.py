"""The real nightly job over generated exports, checked cell by cell against the generator."""

from __future__ import annotations

import csv
import filecmp
import io
import os
from datetime import date, datetime, time, timedelta

import duckdb
import pytest
from digests import table_digests
from kpi_checks import assert_kpi_daily_matches
from workspaces import as_if_never_published, run_nightly

from orchestration.paths import DBT_PROJECT_DIR, SAMPLE_INPUT_DIR
from orchestration.sample import generate

pytestmark = pytest.mark.e2e


def test_run_publishes(sample_run):
    _, warehouse, outcome = sample_run
    assert outcome.success, outcome.message
    assert warehouse.exists()


def test_every_kpi_daily_cell_matches_the_generator(sample_run):
    sample, warehouse, _ = sample_run
    assert_kpi_daily_matches(sample.expected_kpi_daily, warehouse)


def test_every_row_is_accounted_for(sample_run):
    sample, warehouse, _ = sample_run
    with duckdb.connect(str(warehouse), read_only=True) as con:
        files = con.sql("select * from audit.load_files").df()
    assert (files["status"] == "loaded").all()
    accounted = files["rows_loaded"] + files["rows_readmitted"] + files["rows_quarantined"] + files["exact_duplicates"]
    assert (files["rows_read"] == accounted).all()
    calls = files[files["entity"] == "calls"]
    assert calls["rows_quarantined"].sum() == sample.quarantined_rows
    assert calls["exact_duplicates"].sum() == sample.exact_duplicates
    assert set(files["encoding"]) == {"utf-8", "utf-8-sig", "cp932"}


def test_published_warehouse_holds_marts_and_audit_only(sample_run):
    _, warehouse, _ = sample_run
    with duckdb.connect(str(warehouse), read_only=True) as con:
        schemas = {s for (s,) in con.sql("select distinct schema_name from duckdb_tables()").fetchall()}
        columns = {c for (c,) in con.sql("select column_name from duckdb_columns()").fetchall()}
    assert schemas == {"marts", "audit"}
    assert not columns & {"email", "phone", "contact_name"}


def test_no_published_value_is_an_email_address_phone_number_or_contact_name(sample_run):
    """Looks at the values, not only the column names: PII must not leak under another name."""
    _, warehouse, _ = sample_run
    with duckdb.connect() as con:
        con.execute(f"attach '{warehouse}' as published (read_only)")
        # under the catalog name dbt gives it: staging views name their tables as iskpi.raw.<table>
        con.execute(f"attach '{warehouse.parent / '.iskpi' / 'work' / 'iskpi.work.duckdb'}' as iskpi (read_only)")
        con.execute(
            "create temp table private as select distinct value from iskpi.staging.stg_raw__leads "
            "cross join lateral (select unnest([email, phone, contact_name]) as value) where value is not null "
            # reps' own names are published (dim_rep); a contact who shares one is not a leak
            "except select rep_name from iskpi.staging.stg_raw__reps"
        )
        assert con.execute("select count(*) from private").fetchone()[0] > 1000
        text_columns = con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where database_name = 'published' and data_type = 'VARCHAR'"
        ).fetchall()
        leaks = [
            f"{schema}.{table}.{column}"
            for schema, table, column in text_columns
            if con.execute(f'select count(*) from published.{schema}.{table} where "{column}" in (select value from private)').fetchone()[0]
        ]
    assert len(text_columns) > 50 and not leaks


def test_loading_the_same_exports_again_gives_byte_identical_marts(sample_run, monkeypatch):
    """A night with nothing new touches nothing readers see, and knows it before starting the job;
    a file copied again is hashed and found old; and a build over nothing new (what a night runs
    when the last build never reached readers) publishes the same marts."""
    sample, warehouse, _ = sample_run
    marts_before, audit_before = table_digests(warehouse), table_digests(warehouse, "audit")
    published_before, reports_before = warehouse.stat(), sorted((p.name, p.stat().st_mtime_ns) for p in (warehouse.parent / "reports").iterdir())
    dbt_target = warehouse.parent / ".iskpi" / "dbt"  # the workspace's, never the installed project's
    target_folders = set(dbt_target.iterdir())
    project_files = sorted(p.relative_to(DBT_PROJECT_DIR) for p in DBT_PROJECT_DIR.rglob("*"))
    with monkeypatch.context() as patch:  # a quiet night never starts the Dagster job
        patch.setattr("orchestration.definitions.build_defs", lambda *_, **__: pytest.fail("the job ran on a quiet night"))
        outcome = run_nightly(sample.out_dir, warehouse)
    assert outcome.success and outcome.nothing_new and outcome.published is None and outcome.message == "", outcome.message

    calls = sorted(p for p in sample.files if p.name.startswith("calls_"))
    os.utime(calls[0])  # copied again: the same content, a new modification time
    outcome = run_nightly(sample.out_dir, warehouse)
    assert outcome.success and outcome.nothing_new and outcome.published is None, outcome.message
    assert f"no new calls file ({len(calls)} already loaded)" in outcome.message
    assert (warehouse.stat().st_ino, warehouse.stat().st_mtime_ns) == (published_before.st_ino, published_before.st_mtime_ns)
    assert sorted((p.name, p.stat().st_mtime_ns) for p in (warehouse.parent / "reports").iterdir()) == reports_before

    as_if_never_published(warehouse)
    outcome = run_nightly(sample.out_dir, warehouse)
    assert outcome.success and not outcome.nothing_new and outcome.published == warehouse, outcome.message
    assert len(marts_before) >= 20  # every published mart, not a chosen few
    assert table_digests(warehouse) == marts_before
    assert table_digests(warehouse, "audit") == audit_before
    assert set(dbt_target.iterdir()) == target_folders  # a night's dbt artifacts replace the last night's
    assert sorted(p.relative_to(DBT_PROJECT_DIR) for p in DBT_PROJECT_DIR.rglob("*")) == project_files


def test_bundled_sample_is_the_generators_seed_42(tmp_path):
    generated = generate(tmp_path)
    names = sorted(p.name for p in generated.files)
    assert names == sorted(p.name for p in SAMPLE_INPUT_DIR.iterdir())
    _, mismatch, errors = filecmp.cmpfiles(tmp_path, SAMPLE_INPUT_DIR, names, shallow=False)
    assert not mismatch and not errors, "regenerate with: iskpi sample --out sample_data"


def _jst(text: str) -> datetime:
    if text.endswith("Z"):
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ") + timedelta(hours=9)
    return datetime.strptime(text.replace("/", "-"), "%Y-%m-%d %H:%M:%S")


def test_exports_that_end_on_a_day_hold_nothing_that_happened_after_it(tmp_path):
    """An export taken at the end of its last day cannot hold a later open, reply or stage change;
    a reply a day after a late send once sat in a night's export, in the future of the load time."""
    end = date(2026, 12, 2)
    generate(tmp_path, seed=11, reps=3, start=end - timedelta(days=48), end=end)
    taken_at = datetime.combine(end, time(23, 59))
    moments = {"email_events_*.csv": "occurred_at", "lead_status_history.csv": "changed_at",
               "opportunity_stage_history.csv": "changed_at"}
    for pattern, column in moments.items():
        for path in tmp_path.glob(pattern):
            text = _decoded(path.read_bytes())
            latest = max(_jst(row[column]) for row in csv.DictReader(io.StringIO(text)) if row[column])
            assert latest <= taken_at, f"{path.name}: {column} {latest} after the export was taken"


def _decoded(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp932")


def test_input_quality_credits_each_rep_with_the_rows_it_broke(sample_run):
    sample, warehouse, _ = sample_run
    with duckdb.connect(str(warehouse), read_only=True) as con:
        quality = con.sql("select * from marts.input_quality where source = 'calls'").df()
        calls_read = con.execute("select sum(rows_read) from audit.load_files where entity = 'calls'").fetchone()[0]
    totals = quality[quality["rule"] == "all"]
    assert totals["quarantined_rows"].sum() == sample.quarantined_rows
    assert totals["rows_read"].sum() == calls_read
    unknown_rep = totals[totals["rep_id"] == "R999"].iloc[0]  # two calls by a rep nobody knows
    assert (unknown_rep.rows_read, unknown_rep.quarantined_rows, unknown_rep.input_quality) == (2, 2, 1.0)
    by_rule = quality[quality["rule"] != "all"].set_index(["rep_id", "rule"])["violations"].to_dict()
    assert by_rule == {
        ("R999", "calls.rep_id.references_reps"): 2,
        ("R001", "calls.talk_seconds.between"): 1,
        ("R002", "calls.started_at.parseable"): 1,
    }
    clean_rep = totals[totals["rep_id"] == "R003"].iloc[0]
    assert clean_rep.quarantined_rows == 0 and clean_rep.input_quality == 0.0


def test_the_working_database_and_logs_are_the_owners_alone(sample_run):
    """The working database holds every lead's e-mail and phone; the published views name the
    warehouse folder it sits in, so its folder (and the logs') admit the owner only."""
    _, warehouse, outcome = sample_run
    assert (warehouse.parent / ".iskpi" / "work").stat().st_mode & 0o777 == 0o700
    assert outcome.log_file.parent.stat().st_mode & 0o777 == 0o700


def test_iskpi_query_reads_the_published_marts_and_nothing_else(sample_run, tmp_path):
    from click.testing import CliRunner

    from orchestration.cli.main import main

    _, warehouse, _ = sample_run
    work_db = warehouse.parent / ".iskpi" / "work" / f"{warehouse.stem}.work.duckdb"

    def query(sql: str):
        return CliRunner().invoke(main, ["query", "--warehouse", str(warehouse), sql])

    read = query("select count(*) as calls from marts.fct_call")  # a view over the file's own segments
    assert read.exit_code == 0 and "calls" in read.output, read.output
    listed = query("show tables")  # the marts, not the empty main schema
    assert listed.exit_code == 0 and "dim_account" in listed.output, listed.output
    held = query("select count(*) as held_rows from audit.quarantine")
    assert held.exit_code != 0  # not published
    held = CliRunner().invoke(main, ["--workspace", str(warehouse.parent), "query", "--work", "select count(*) as held_rows from audit.quarantine"])
    assert held.exit_code == 0 and "held_rows" in held.output, held.output
    written = tmp_path / "out.csv"
    for sql in (f"copy (select 42) to '{written}'", f"attach '{work_db}' as work",
                f"select * from read_csv('{work_db.parent / 'run.lock'}')", "set enable_external_access = true",
                "select 1; select 2"):
        refused = query(sql)
        assert refused.exit_code != 0 and "Traceback" not in refused.output, (sql, refused.output)
    assert not written.exists()


def test_the_bundled_sample_dropped_into_a_teams_inbox_is_refused_on_the_first_night(tmp_path):
    """It was loaded the first night, and then every later night was refused: the workspace was trapped."""
    import shutil

    from workspaces import workspace_for

    from orchestration.nightly import run_nightly as run_workspace

    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLE_INPUT_DIR, inbox)
    workspace = workspace_for(tmp_path / "ws" / "iskpi.duckdb", inbox)
    outcome = run_workspace(workspace)
    assert outcome.refused and "holds the bundled sample" in outcome.message and "accounts.csv" in outcome.message
    assert not workspace.warehouse.exists()
