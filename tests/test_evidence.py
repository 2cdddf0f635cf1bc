"""Numbers with their evidence, on the bundled sample's real run: the call-timing intervals are
Wilson's (statsmodels computes them here), the best hours beat the team beyond chance, the
landing band is the days' variation recomputed here from kpi_daily, and it holds about four
times in five on the months that closed (the final values read from kpi_monthly)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm
from statsmodels.stats.proportion import proportion_confint

pytestmark = pytest.mark.e2e

MIN_DIALS = 30  # the call_timing_min_dials default


def _frame(warehouse: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).df()


def test_every_call_timing_cell_carries_wilsons_interval_and_is_judged_against_its_scopes_rate(bundled_run):
    cells = _frame(bundled_run, "select * from marts.kpi_call_timing")
    low, high = proportion_confint(cells["connected_calls"], cells["dials"], alpha=0.05, method="wilson")
    assert np.allclose(cells["connect_rate_low"], low, rtol=0, atol=1e-12)
    assert np.allclose(cells["connect_rate_high"], high, rtol=0, atol=1e-12)
    assert (cells["has_too_little_data"] == (cells["dials"] < MIN_DIALS)).all()
    monthly = _frame(bundled_run, "select month_start, scope_type, scope_id, connect_rate as monthly_rate from marts.kpi_monthly")
    judged = cells.merge(monthly, on=["month_start", "scope_type", "scope_id"], validate="many_to_one")
    assert np.allclose(judged["scope_connect_rate"], judged["monthly_rate"], rtol=0, atol=1e-12)
    beats = (judged["dials"] >= MIN_DIALS) & (pd.Series(low, index=cells.index) > judged["monthly_rate"])
    assert (judged["beats_scope_rate"] == beats).all()
    # the sample has both: cells that beat their team, and cells whose high rate is chance
    assert beats.any()
    assert ((cells["connect_rate"] > judged["monthly_rate"] + 0.1) & ~beats).any()


def test_the_monthly_sheet_names_only_hours_whose_interval_beats_the_team(bundled_run):
    with (bundled_run.parent / "reports" / "monthly_best_hours_raw.csv").open(encoding="utf-8-sig") as stream:
        rows = list(csv.DictReader(stream))
    assert {r["チーム (team)"] for r in rows} == {"東京SDR", "大阪BDR"}
    for row in rows:
        assert int(float(row["架電数 (dials)"])) >= MIN_DIALS
        assert float(row["下限 (95% low)"]) > float(row["チームの接続率 (team's connect rate)"])


def test_the_landing_band_is_the_days_variation_recomputed_from_kpi_daily(bundled_run):
    """Org dials, June 2026 after its 10th business day: s² is the variance of the org's daily
    dials over its business days since the first dial (from 1 March, three months before), silent
    ones as 0; the band is forecast ± z₀.₉ × √(s² (B − b) B ÷ b) × the month's calibration."""
    days = _frame(bundled_run, """
        select d.date_day, d.is_business_day, coalesce(sum(k.dials), 0) as dials
        from marts.dim_date d left join marts.kpi_daily k on k.activity_date = d.date_day
        where d.date_day between '2026-03-01' and '2026-06-30' group by all order by d.date_day
    """)
    june = days[days["date_day"] >= "2026-06-01"]
    business_days = int(june["is_business_day"].sum())
    tenth = june[june["is_business_day"]].iloc[9]["date_day"]
    first_dial = days[days["dials"] > 0]["date_day"].min()
    history = days[days["is_business_day"] & (days["date_day"] >= first_dial) & (days["date_day"] <= tenth)]
    done = june[june["date_day"] <= tenth]["dials"].sum()
    forecast = done / 10 * business_days
    spread = math.sqrt(history["dials"].var(ddof=1) * (business_days - 10) * business_days / 10)

    row = _frame(bundled_run, "select * from marts.forecast_backtest where scope_type = 'org' and kpi = 'dials' "
                              "and month_start = '2026-06-01' and business_days_elapsed = 10").iloc[0]
    z = norm.ppf(0.9)
    assert business_days == row["business_days"] == 22
    assert math.isclose(row["landing_forecast"], forecast, rel_tol=1e-12)
    assert math.isclose(row["landing_high"], forecast + z * spread * row["spread_factor"], rel_tol=1e-9)
    assert math.isclose(row["landing_low"], max(done, forecast - z * spread * row["spread_factor"]), rel_tol=1e-9)


def test_the_band_holds_about_four_times_in_five_on_the_months_that_closed(bundled_run):
    backtest = _frame(bundled_run, "select * from marts.forecast_backtest")
    counts = backtest[backtest["kind"] == "count"]
    monthly = _frame(bundled_run, "select * from marts.kpi_monthly")
    finals = monthly.rename(columns={"won_amount": "revenue"}).melt(
        id_vars=["month_start", "scope_type", "scope_id"], value_vars=sorted(set(counts["kpi"])), var_name="kpi", value_name="monthly")
    checked = counts.merge(finals, on=["month_start", "scope_type", "scope_id", "kpi"], validate="many_to_one")
    assert len(checked) == len(counts) and np.allclose(checked["final_value"], checked["monthly"], rtol=1e-12)
    covered = (backtest["landing_low"] <= backtest["final_value"]) & (backtest["final_value"] <= backtest["landing_high"])
    assert (covered == backtest["is_covered"]).all()
    assert len(backtest) > 5000 and backtest["month_start"].nunique() == 2  # May and June; April calibrates them
    assert 0.7 <= covered.mean() <= 0.9, covered.mean()
    accuracy = _frame(bundled_run, "select coverage from marts.forecast_accuracy where kpi = 'all'")
    assert math.isclose(accuracy["coverage"].iloc[0], covered.mean(), rel_tol=1e-12)
