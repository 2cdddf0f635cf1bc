"""Landing the checked raw layer as Parquet for Spark (connectors/lake.py): a night writes only
the rows appended since the last landing, and what Spark reads is always exactly the table."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from connectors.lake import land_checked_tables


@pytest.fixture
def work(tmp_path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "work.duckdb"))
    con.execute("create schema raw; create schema audit; create schema quarantine")
    con.execute("create table raw.calls (call_id varchar, started_at timestamptz, _append_id bigint)")
    con.execute("create table audit.raw_appends (append_id bigint, entity varchar, rows_appended bigint, appended_at timestamptz)")
    _append(con, "('c1', '2026-04-01 00:05:00+00', 1)", "('c2', '2026-04-01 00:06:00+00', 2)")
    con.execute("create table audit.load_files (file_id bigint, file_name varchar)")
    con.execute("insert into audit.load_files values (1, 'calls.csv')")
    con.execute("create table quarantine.calls (call_id varchar)")  # not a source of the models: not landed
    yield con
    con.close()


def _append(con, *rows: str) -> None:
    """Append rows to raw.calls as the gate does, each append numbered in audit.raw_appends."""
    con.execute(f"insert into raw.calls values {', '.join(rows)}")
    con.execute("insert into audit.raw_appends select _append_id, 'calls', count(*), now() from raw.calls "
                "where _append_id > (select coalesce(max(append_id), 0) from audit.raw_appends) group by _append_id")


def _files(lake: Path, table: str) -> list[str]:
    return sorted(p.name for p in (lake / table).iterdir())


def _lake_equals_table(con, lake: Path, table: str) -> bool:
    """The landed files hold exactly the table's rows, duplicates counted (an independent read)."""
    landed = f"read_parquet('{lake.joinpath(*table.split('.'))}/*.parquet')"
    return con.execute(f"select count(*) from (select * from {table} except all select * from {landed})").fetchone()[0] == 0 \
        and con.execute(f"select count(*) from (select * from {landed} except all select * from {table})").fetchone()[0] == 0


def test_first_landing_writes_every_table_whole(work, tmp_path):
    lake = tmp_path / "lake"
    landed = {t.table: t for t in land_checked_tables(work, lake)}
    assert set(landed) == {"raw.calls", "audit.load_files", "audit.raw_appends"}
    assert landed["raw.calls"].rows_written == 2 and landed["raw.calls"].whole
    assert _files(lake, "raw/calls") == [next(iter(_files(lake, "raw/calls")))] and _files(lake, "raw/calls")[0].startswith("appends-0-2-")
    assert _lake_equals_table(work, lake, "raw.calls") and _lake_equals_table(work, lake, "audit.load_files")
    assert not (lake / "quarantine").exists()


def test_a_night_appends_one_file_with_only_its_rows_and_leaves_history_alone(work, tmp_path):
    lake = tmp_path / "lake"
    land_checked_tables(work, lake)
    first = next((lake / "raw/calls").iterdir())
    written_before = first.stat().st_mtime_ns
    _append(work, "('c3', '2026-04-02 01:00:00+00', 5)", "('c4', '2026-04-02 02:00:00+00', 5)")
    work.execute("insert into audit.load_files values (2, 'calls-0402.csv')")
    landed = {t.table: t for t in land_checked_tables(work, lake)}
    assert landed["raw.calls"].rows_written == 2 and not landed["raw.calls"].whole
    names = _files(lake, "raw/calls")
    assert len(names) == 2 and names[1].startswith("appends-3-5-")
    assert first.stat().st_mtime_ns == written_before
    assert landed["audit.load_files"].rows_written == 2  # the audit is small: whole, every night
    assert _lake_equals_table(work, lake, "raw.calls") and _lake_equals_table(work, lake, "audit.load_files")
    # nothing new: nothing written
    assert {t.table: t.rows_written for t in land_checked_tables(work, lake)}["raw.calls"] == 0
    assert len(_files(lake, "raw/calls")) == 2


def test_a_new_column_lands_the_table_again_whole(work, tmp_path):
    lake = tmp_path / "lake"
    land_checked_tables(work, lake)
    work.execute("alter table raw.calls add column talk_seconds bigint")
    _append(work, "('c3', '2026-04-02 01:00:00+00', 3, 42)")
    landed = {t.table: t for t in land_checked_tables(work, lake)}
    assert landed["raw.calls"].whole and landed["raw.calls"].rows_written == 3
    assert len(_files(lake, "raw/calls")) == 1  # Spark reads one schema per folder
    assert _lake_equals_table(work, lake, "raw.calls")


def test_a_lake_that_is_not_this_databases_is_replaced(work, tmp_path):
    """A warehouse made again from scratch numbers its appends from 1 again: the lake's files of the
    old one must not stand in for its rows."""
    lake = tmp_path / "lake"
    land_checked_tables(work, lake)
    work.execute("delete from raw.calls; delete from audit.raw_appends")
    _append(work, "('x1', '2026-05-01 00:00:00+00', 1)", "('x2', '2026-05-01 00:00:00+00', 2)", "('x3', '2026-05-01 00:00:00+00', 3)")
    landed = {t.table: t for t in land_checked_tables(work, lake)}
    assert landed["raw.calls"].whole
    assert _lake_equals_table(work, lake, "raw.calls")


def test_an_empty_table_still_gets_a_file_with_its_columns(work, tmp_path):
    lake = tmp_path / "lake"
    work.execute("create table raw.targets (period_month date, target_value double, _append_id bigint)")
    land_checked_tables(work, lake)
    landed = f"read_parquet('{lake}/raw/targets/*.parquet')"
    assert work.execute(f"select count(*) from {landed}").fetchone()[0] == 0
    assert [c[0] for c in work.execute(f"describe select * from {landed}").fetchall()] == ["period_month", "target_value", "_append_id"]


def test_nothing_half_written_is_left_visible(work, tmp_path):
    """Files land under a hidden name first; Spark (and this check) skip hidden files."""
    lake = tmp_path / "lake"
    land_checked_tables(work, lake)
    assert not [p for p in lake.rglob("*") if p.name.startswith(".")]
