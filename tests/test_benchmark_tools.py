"""The benchmark's generator, floor and pandas script (benchmarks/), at the smallest scale: the
history and the night's delta split at the last day, and the floor and the pandas script, two
independent tallies, give the same kpi_daily core. (The timed runs are benchmarks, not tests.)"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from benchmarks import floor, pandas_kpi_daily
from benchmarks.generate import EXPORTS, generate, last_export_day

LAST_DAY = date(2026, 3, 13)  # a Friday


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    rows = generate("sample", out, LAST_DAY, memory_limit="1GB")
    return out, rows


def test_the_last_day_is_the_delta_and_the_rest_is_history(exports):
    out, rows = exports
    assert rows["calls"] > 50_000 and rows["leads"] > 1_000
    with duckdb.connect() as con:
        for entity, (cut_column, _) in EXPORTS.items():
            history = f"read_csv('{out}/history/{entity}*.csv', timestampformat = '%Y-%m-%d %H:%M:%S')"
            if cut_column is None:
                assert con.execute(f"select count(*) from {history}").fetchone()[0] == rows[entity]
                continue
            delta = f"read_csv('{out}/delta/{entity}_{LAST_DAY:%Y%m%d}.csv', timestampformat = '%Y-%m-%d %H:%M:%S')"
            last_before = con.execute(f"select max(cast({cut_column} as date)) from {history}").fetchone()[0]
            days_in_delta = con.execute(f"select distinct cast({cut_column} as date) from {delta}").fetchall()
            assert last_before < LAST_DAY and days_in_delta == [(LAST_DAY,)], entity


def test_the_floor_and_the_pandas_script_agree(exports, tmp_path):
    out, _ = exports
    floor.compute(out / "history", tmp_path / "floor.parquet", memory_limit="1GB")
    pandas_kpi_daily.compute(out / "history", tmp_path / "pandas.parquet")
    by_floor, by_pandas = (pd.read_parquet(tmp_path / name) for name in ("floor.parquet", "pandas.parquet"))
    for frame in (by_floor, by_pandas):
        frame["activity_date"] = pd.to_datetime(frame["activity_date"])
    pd.testing.assert_frame_equal(by_floor.reset_index(drop=True), by_pandas.reset_index(drop=True), check_dtype=False)
    assert by_floor["dials"].sum() > 0 and by_floor["emails_sent"].sum() > 0 and by_floor["meetings_set"].sum() > 0


def test_exports_end_on_the_last_business_day_before_today():
    after_a_holiday_and_a_weekend = date(2026, 11, 24)  # Mon 23 Nov is 勤労感謝の日, 21–22 a weekend
    assert last_export_day(after_a_holiday_and_a_weekend) == date(2026, 11, 20)
    assert last_export_day(date(2026, 3, 11)) == date(2026, 3, 10)
