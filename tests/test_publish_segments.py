"""Publishing costs the change: the event facts go out as monthly Parquet segments, a month is
written only when its rows changed, and a reader of the previous file still reads it whole."""

from __future__ import annotations

import duckdb
import pytest

from connectors.sql import DuckDBLimits
from orchestration.serving.publish import KEPT_PUBLISHES, publish_warehouse
from orchestration.workspace import segments_dir

CALLS = """
create schema marts; create schema audit;
create table audit.load_files as select 1 as file_id, 'calls.csv' as file_name;
create table marts.kpi_daily as select date '2026-03-02' as activity_date, 'R1' as rep_id, 3 as dials;
create table marts.fct_call as
select
    'C' || lpad(i::varchar, 4, '0') as call_id,
    'R' || (i % 3) as rep_id,
    case when i % 7 = 0 then null else 'L' || i end as lead_id,
    date '2026-01-05' + cast(i // 10 as integer) as started_date,
    timestamptz '2026-01-05 09:00:00+09' + to_seconds(i * 8640) as started_at,
    i % 2 = 0 as is_connected,
    i * 7 as talk_seconds,
    cast(i / 3 as decimal(18, 6)) as amount
from range(900) t(i);
create table marts.fct_email_message as select * from (values ('M1', null::date)) m(message_id, sent_date) where false;
"""


@pytest.fixture
def warehouse(tmp_path):
    work_db, published = tmp_path / "work.duckdb", tmp_path / "out" / "iskpi.duckdb"
    with duckdb.connect(str(work_db)) as con:
        con.execute(CALLS)
    limits = DuckDBLimits(temp_directory=str(tmp_path / "tmp"), memory_limit="512MB", threads=1)
    return work_db, published, limits


def _segments(published):
    return {p.name: p.stat().st_mtime_ns for p in (segments_dir(published) / "fct_call").glob("*.parquet")}


def _rows(path, table="marts.fct_call"):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(f"select * from {table} order by all").fetchall(), con.execute(f"describe {table}").fetchall()


def test_the_published_view_holds_the_work_table_exactly(warehouse):
    work_db, published, limits = warehouse
    publish_warehouse(work_db, published, limits)
    assert _rows(published) == _rows(work_db)
    months = sorted(name.split(".")[0] for name in _segments(published))
    assert months == ["2026-01", "2026-02", "2026-03", "2026-04"]  # 90 days from 5 Jan
    with duckdb.connect(str(published), read_only=True) as con:
        kinds = dict(con.execute("select table_name, table_type from information_schema.tables where table_schema = 'marts'").fetchall())
        assert con.execute("select count(*) from marts.fct_email_message").fetchone()[0] == 0
    assert kinds == {"fct_call": "VIEW", "kpi_daily": "BASE TABLE", "fct_email_message": "BASE TABLE"}


def test_a_night_rewrites_only_the_month_that_changed_and_keeps_earlier_ones_for_readers(warehouse):
    work_db, published, limits = warehouse
    publish_warehouse(work_db, published, limits)
    first = _segments(published)
    reader = duckdb.connect(str(published), read_only=True)  # a BI connection kept open across nights
    before = reader.execute("select * from marts.fct_call order by all").fetchall()

    with duckdb.connect(str(work_db)) as con:  # a call of February re-exported with another result
        con.execute("update marts.fct_call set is_connected = not is_connected where call_id = 'C0400'")
    publish_warehouse(work_db, published, limits)
    second = _segments(published)
    new = set(second) - set(first)
    assert [name.split(".")[0] for name in new] == ["2026-02"]
    assert {name: second[name] for name in first} == first  # untouched months: the same files, not rewritten
    old_february = next(name for name in first if name.startswith("2026-02"))
    # the reader still reads the file it opened, whole, through every night the segments are kept for
    for _ in range(KEPT_PUBLISHES - 1):
        assert old_february in _segments(published)
        assert reader.execute("select * from marts.fct_call order by all").fetchall() == before
        publish_warehouse(work_db, published, limits)
    reader.close()  # (a second connection in this process would share the reader's open file)
    assert _rows(published) == _rows(work_db)
    # KEPT_PUBLISHES publishes after the first, no published file kept reads the old February
    assert set(_segments(published)) == set(second) - {old_february}
