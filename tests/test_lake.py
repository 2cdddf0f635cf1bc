"""Landing the checked raw layer as Parquet for Spark (connectors/lake.py): a night writes only
the rows appended since the last landing, in the folder of the day each append was made, and what
Spark reads is always exactly the table."""

from __future__ import annotations

from datetime import date
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
    _append(con, "('c1', '2026-04-01 00:05:00+00', 1)", "('c2', '2026-04-01 00:06:00+00', 2)", made="2026-04-01 23:30:00+09")
    con.execute("create table audit.load_files (file_id bigint, file_name varchar)")
    con.execute("insert into audit.load_files values (1, 'calls.csv')")
    con.execute("create table quarantine.calls (call_id varchar)")  # not a source of the models: not landed
    yield con
    con.close()


def _append(con, *rows: str, made: str) -> None:
    """Append rows to raw.calls as the gate does, each append numbered in audit.raw_appends, made at `made`."""
    con.execute(f"insert into raw.calls values {', '.join(rows)}")
    con.execute(f"insert into audit.raw_appends select _append_id, 'calls', count(*), timestamptz '{made}' from raw.calls "
                "where _append_id > (select coalesce(max(append_id), 0) from audit.raw_appends) group by _append_id")


def _files(lake: Path, table: str) -> list[str]:
    """The table's files, as `load-date folder/name` for a raw table's."""
    folder = lake / table
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _lake_equals_table(con, lake: Path, table: str) -> bool:
    """The landed files hold exactly the table's rows, duplicates counted (an independent read)."""
    folder = lake.joinpath(*table.split("."))
    landed = f"read_parquet('{folder}/{'*/' if table.startswith('raw.') else ''}*.parquet', hive_partitioning = false)"
    return con.execute(f"select count(*) from (select * from {table} except all select * from {landed})").fetchone()[0] == 0 \
        and con.execute(f"select count(*) from (select * from {landed} except all select * from {table})").fetchone()[0] == 0


def test_first_landing_writes_every_table_whole(work, tmp_path):
    lake = tmp_path / "lake"
    landed = {t.table: t for t in land_checked_tables(work, lake)}
    assert set(landed) == {"raw.calls", "audit.load_files", "audit.raw_appends", "audit.lake_partitions"}
    assert landed["raw.calls"].rows_written == 2 and landed["raw.calls"].whole
    # the append was made at 23:30 in Tokyo: 14:30 UTC, the 1st
    columns, calls = _files(lake, "raw/calls")
    assert calls.startswith("load_date=2026-04-01/appends-0-2-") and columns.startswith("load_date=1970-01-01/columns-")
    assert _lake_equals_table(work, lake, "raw.calls") and _lake_equals_table(work, lake, "audit.load_files")
    assert not (lake / "quarantine").exists()


def test_a_night_appends_one_file_with_only_its_rows_and_leaves_history_alone(work, tmp_path):
    lake = tmp_path / "lake"
    land_checked_tables(work, lake)
    first = next((lake / "raw/calls/load_date=2026-04-01").iterdir())
    written_before = first.stat().st_mtime_ns
    # appends 3 to 5, two of them made just after midnight UTC: the night's rows span two load dates
    _append(work, "('c3', '2026-04-02 01:00:00+00', 3)", "('c4', '2026-04-02 02:00:00+00', 3)", made="2026-04-02 08:59:00+09")
    _append(work, "('c5', '2026-04-02 03:00:00+00', 5)", made="2026-04-02 09:01:00+09")
    work.execute("insert into audit.load_files values (2, 'calls-0402.csv')")
    landed = {t.table: t for t in land_checked_tables(work, lake)}
    assert landed["raw.calls"].rows_written == 3 and not landed["raw.calls"].whole
    names = _files(lake, "raw/calls")
    assert [n.split("/")[0] for n in names] == ["load_date=1970-01-01", "load_date=2026-04-01", "load_date=2026-04-01",
                                                "load_date=2026-04-02"]
    assert names[2].startswith("load_date=2026-04-01/appends-3-5-") and names[3].startswith("load_date=2026-04-02/appends-3-5-")
    assert first.stat().st_mtime_ns == written_before
    assert landed["audit.load_files"].rows_written == 2  # the audit is small: whole, every night
    assert _lake_equals_table(work, lake, "raw.calls") and _lake_equals_table(work, lake, "audit.load_files")
    # the folders Spark registers, from the append log: the columns folder, and each day's appends
    assert work.execute("select table_name, load_date, first_append_id, last_append_id from audit.lake_partitions").fetchall() == [
        ("calls", date(1970, 1, 1), 0, 0), ("calls", date(2026, 4, 1), 1, 3), ("calls", date(2026, 4, 2), 5, 5)]
    # nothing new: nothing written
    assert {t.table: t.rows_written for t in land_checked_tables(work, lake)}["raw.calls"] == 0
    assert len(_files(lake, "raw/calls")) == 4


def test_a_new_column_lands_the_table_again_whole(work, tmp_path):
    lake = tmp_path / "lake"
    land_checked_tables(work, lake)
    work.execute("alter table raw.calls add column talk_seconds bigint")
    _append(work, "('c3', '2026-04-02 01:00:00+00', 3, 42)", made="2026-04-02 23:00:00+00")
    landed = {t.table: t for t in land_checked_tables(work, lake)}
    assert landed["raw.calls"].whole and landed["raw.calls"].rows_written == 3
    # Spark reads one schema per table: the old columns' files are gone
    assert [n.split("/")[0] for n in _files(lake, "raw/calls")] == ["load_date=1970-01-01", "load_date=2026-04-01", "load_date=2026-04-02"]
    assert all(("columns-" if n.startswith("load_date=1970") else "appends-0-3-") in n for n in _files(lake, "raw/calls"))
    assert _lake_equals_table(work, lake, "raw.calls")


def test_a_lake_that_is_not_this_databases_is_replaced(work, tmp_path):
    """A warehouse made again from scratch numbers its appends from 1 again: the lake's files of the
    old one must not stand in for its rows."""
    lake = tmp_path / "lake"
    land_checked_tables(work, lake)
    work.execute("delete from raw.calls; delete from audit.raw_appends")
    _append(work, "('x1', '2026-05-01 00:00:00+00', 1)", "('x2', '2026-05-01 00:00:00+00', 2)", "('x3', '2026-05-01 00:00:00+00', 3)",
            made="2026-05-01 12:00:00+00")
    landed = {t.table: t for t in land_checked_tables(work, lake)}
    assert landed["raw.calls"].whole
    assert _lake_equals_table(work, lake, "raw.calls")


def test_an_empty_table_still_gets_a_file_with_its_columns(work, tmp_path):
    lake = tmp_path / "lake"
    work.execute("create table raw.targets (period_month date, target_value double, _append_id bigint)")
    land_checked_tables(work, lake)
    assert _files(lake, "raw/targets") == [next(iter(_files(lake, "raw/targets")))]
    landed = f"read_parquet('{lake}/raw/targets/load_date=1970-01-01/*.parquet', hive_partitioning = false)"
    assert work.execute(f"select count(*) from {landed}").fetchone()[0] == 0
    assert [c[0] for c in work.execute(f"describe select * from {landed}").fetchall()] == ["period_month", "target_value", "_append_id"]


def test_a_lake_landed_before_load_date_folders_is_landed_again_in_them(work, tmp_path):
    lake = tmp_path / "lake"
    (lake / "raw/calls").mkdir(parents=True)
    work.execute(f"copy (select * from raw.calls) to '{lake}/raw/calls/appends-0-2-0123456789ab-01234567.parquet' (format parquet)")
    assert {t.table: t for t in land_checked_tables(work, lake)}["raw.calls"].whole
    assert [n.split("/")[0] for n in _files(lake, "raw/calls")] == ["load_date=1970-01-01", "load_date=2026-04-01"]
    assert _lake_equals_table(work, lake, "raw.calls")


def test_nothing_half_written_is_left_visible(work, tmp_path):
    """Files land under a hidden name first; Spark (and this check) skip hidden files."""
    lake = tmp_path / "lake"
    land_checked_tables(work, lake)
    assert not [p for p in lake.rglob("*") if p.name.startswith(".")]
