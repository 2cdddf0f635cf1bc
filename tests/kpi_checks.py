"""The published kpi_daily, cell by cell, against a tally made outside the warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd


def read_kpi_daily(warehouse: Path) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frame = con.sql("select * from marts.kpi_daily order by activity_date, rep_id").df()
    frame["activity_date"] = pd.to_datetime(frame["activity_date"]).dt.date
    return frame


def assert_kpi_daily_matches(expected: pd.DataFrame, warehouse: Path) -> None:
    actual = read_kpi_daily(warehouse)
    assert list(actual.columns) == list(expected.columns)
    assert actual[["activity_date", "rep_id", "team"]].equals(expected[["activity_date", "rep_id", "team"]])
    for column in expected.columns[3:]:
        want, got = expected[column].astype(float), actual[column].astype(float)
        mismatched = ~np.isclose(want, got, equal_nan=True)
        assert not mismatched.any(), (
            f"{column}: {mismatched.sum()} cells differ, e.g. "
            f"{actual.loc[mismatched, ['activity_date', 'rep_id']].head(3).to_dict('records')} "
            f"want {want[mismatched].head(3).tolist()} got {got[mismatched].head(3).tolist()}"
        )
