"""The planning and monitoring marts (SPEC §6) built by the real job: business-day pacing as of
an explicit date (May 2026, with Golden Week), reproducible whatever arrived later; the
bottleneck, period comparison, open SAL forecast and plan; the manager's sheets."""

from __future__ import annotations

import math
import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from digests import table_digests
from workspaces import dbt_by_hand, run_nightly

from orchestration import planning
from orchestration.cli.main import main
from orchestration.sheets.formatting import kpi_labels

pytestmark = pytest.mark.e2e

AS_OF = date(2026, 5, 15)  # May 2026 has 18 business days; 8 of them by the 15th (1, 7, 8, 11–15)


def _frame(warehouse: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).df()


@pytest.fixture(scope="module")
def as_of_run(small_sample, tmp_path_factory) -> Path:
    warehouse = tmp_path_factory.mktemp("as_of") / "iskpi.duckdb"
    outcome = run_nightly(small_sample.out_dir, warehouse, as_of=AS_OF)
    assert outcome.success, outcome.message
    return warehouse


def test_targets_are_paced_by_business_day_through_golden_week(as_of_run):
    may = _frame(as_of_run, "select * from marts.kpi_targets_vs_actuals where month_start = '2026-05-01'")
    assert not may.empty
    assert set(may["business_days"]) == {18} and set(may["business_days_elapsed"]) == {8}
    for row in may.itertuples():
        if row.is_cumulative:
            assert math.isclose(row.paced_target, row.target * 8 / 18)
            assert math.isclose(row.landing_forecast, row.actual / 8 * 18)
        else:  # a rate has no pace: its target stands, its landing is the rate so far
            assert row.paced_target == row.target and math.isclose(row.landing_forecast, row.actual)
        assert math.isclose(row.attainment, row.actual / row.target)
        assert math.isclose(row.paced_attainment, row.actual / row.paced_target)
    dials = may[(may.kpi == "dials") & (may.scope_id == "東京SDR")].iloc[0]
    assert dials.is_cumulative and dials.target == 3600
    april = _frame(as_of_run, "select * from marts.kpi_targets_vs_actuals where month_start = '2026-04-01'")
    assert set(april["business_days"]) == {21} and set(april["business_days_elapsed"]) == {21}  # a closed month


def test_the_landing_forecast_has_a_band_that_holds_what_is_done_and_the_semantic_layer_answers_it(as_of_run, tmp_path):
    may = _frame(as_of_run, "select * from marts.kpi_targets_vs_actuals where month_start = '2026-05-01'")
    # April, closed by 15 May, calibrates May's bands; revenue has none: the sample's first deals
    # close late in April, too few business days of history to forecast April with
    assert may[may.kpi != "revenue"]["landing_low"].notna().all() and may[may.kpi == "revenue"]["landing_low"].isna().all()
    for row in may[may["landing_low"].notna()].itertuples():
        assert row.landing_low <= row.landing_forecast <= row.landing_high
        if row.is_cumulative:  # a count cannot end below what is done
            assert row.landing_low >= row.actual
    out = tmp_path / "landing.csv"
    completed = CliRunner().invoke(main, [
        "--workspace", str(as_of_run.parent), "metrics", "landing_forecast,landing_low,landing_high",
        "--group-by", "metric_time__month,target__kpi,target__scope_type,target__scope_id",
        "--warehouse", str(as_of_run), "--csv", str(out)])
    assert completed.exit_code == 0, completed.output
    answers = pd.read_csv(out)
    answers = answers[answers["metric_time__month"].str.startswith("2026-05")].set_index(
        ["target__kpi", "target__scope_type", "target__scope_id"]).sort_index()
    expected = may.set_index(["kpi", "scope_type", "scope_id"]).sort_index()
    for column in ("landing_forecast", "landing_low", "landing_high"):
        assert np.allclose(answers[column], expected[column], rtol=1e-12, equal_nan=True), column


def test_records_created_by_the_as_of_date_count_even_if_exported_later(as_of_run, sample_run):
    # a lead created on 10 May and updated on 20 May has only that later version in the export:
    # it existed on the 15th, so an as-of build keeps it
    _, everything, _ = sample_run
    created_by = f"created_date <= '{AS_OF}'"
    for table in ("dim_lead", "fct_opportunity"):
        as_of_count = _frame(as_of_run, f"select count(*) as n from marts.{table} where {created_by}")["n"][0]
        assert as_of_count == _frame(everything, f"select count(*) as n from marts.{table} where {created_by}")["n"][0], table
    with duckdb.connect(str(as_of_run.parent / ".iskpi" / "work" / "iskpi.work.duckdb"), read_only=True) as con:
        updated_later = con.execute(
            f"select count(*) from raw.leads where created_at < timestamptz '{AS_OF} 00:00:00+09' "
            "and updated_at > timestamptz '2026-05-16 00:00:00+09'"
        ).fetchone()[0]
    assert updated_later > 0  # the case is in the data


def test_the_python_calendar_of_iskpi_plan_agrees_with_dim_date(bundled_run):
    from connectors.calendar import BusinessCalendar

    business_days_in_month = BusinessCalendar.from_mappings(bundled_run.parent / "mappings").business_days_in_month

    months = _frame(bundled_run, "select month_start, count(*) filter (where is_business_day) as n from marts.dim_date group by all")
    assert len(months) >= 24
    for row in months.itertuples():
        start = pd.Timestamp(row.month_start)
        assert business_days_in_month(start.year, start.month) == row.n, start


def test_nothing_after_the_as_of_date_counts(as_of_run):
    last_day = _frame(as_of_run, "select max(activity_date) as d from marts.kpi_daily")["d"][0]
    assert pd.Timestamp(last_day).date() == AS_OF
    assert _frame(as_of_run, "select max(agreed_date) as d from marts.fct_meeting")["d"][0] <= pd.Timestamp(AS_OF)


def test_a_rerun_for_a_past_date_gives_the_same_numbers_whatever_arrived_since(small_sample, as_of_run, tmp_path):
    inputs = tmp_path / "in"
    shutil.copytree(small_sample.out_dir, inputs)
    # exported after the as-of date: a call of the 20th, and a lead re-exported with a new owner on the 25th
    (inputs / "calls_late.csv").write_text(
        "call_id,rep_id,lead_id,phone,direction,started_at,result,talk_seconds\n"
        "LATE1,R001,,03-1111-2222,outbound,2026-05-20 10:00,appointment,300\n",
        encoding="utf-8",
    )
    with duckdb.connect(str(as_of_run.parent / ".iskpi" / "work" / "iskpi.work.duckdb"), read_only=True) as con:
        lead_id, created_at = con.execute(
            "select lead_id, created_at from staging.stg_raw__leads where owner_rep_id = 'R001' order by lead_id limit 1"
        ).fetchone()
    (inputs / "leads_late.csv").write_text(
        "lead_id,lead_type,owner_rep_id,created_at,updated_at,status\n"
        f"{lead_id},inbound,R002,{created_at.isoformat()},2026-05-25 10:00,lost\n",
        encoding="utf-8",
    )
    later = tmp_path / "wh" / "iskpi.duckdb"
    outcome = run_nightly(inputs, later, as_of=AS_OF)
    assert outcome.success, outcome.message
    # every mart but input_quality, which accounts for the exports received, whatever their dates
    later_marts, marts = table_digests(later), table_digests(as_of_run)
    assert later_marts.pop("input_quality") != marts.pop("input_quality")
    assert later_marts == marts


def test_the_bottleneck_is_the_factor_furthest_below_target(sample_run):
    _, warehouse, _ = sample_run
    factors = _frame(warehouse, "select * from marts.kpi_bottleneck")
    assert set(factors["factor"]) == {"dials", "connect_rate", "effective_per_connected", "meeting_conversion_rate"}
    for _, group in factors.groupby(["month_start", "scope_type", "scope_id"]):
        assert group["is_bottleneck"].sum() == 1
        assert group.loc[group["is_bottleneck"], "attainment"].iloc[0] == group["attainment"].min()
    dials_short = factors[factors["factor"] == "dials"].set_index(["month_start", "scope_type", "scope_id"])["attainment"] < 1
    for row in factors[factors["attainment"] < 1].itertuples():
        if row.factor == "dials":
            assert row.shortfall_type == "activity"
        else:  # quality only while activity is on pace (SPEC §6)
            on_pace = not dials_short.get((row.month_start, row.scope_type, row.scope_id), False)
            assert row.shortfall_type == ("quality" if on_pace else "quality_and_activity"), row
    assert factors.loc[factors["attainment"] >= 1, "shortfall_type"].isna().all()


def test_dials_are_judged_against_their_paced_target_mid_month(as_of_run):
    # as of 15 May 8 of 18 business days have elapsed: 東京SDR's 3,600 dials target is 1,600 so far
    dials = _frame(as_of_run, "select * from marts.kpi_bottleneck where month_start = '2026-05-01' "
                              "and scope_type = 'team' and scope_id = '東京SDR' and factor = 'dials'").iloc[0]
    actual = _frame(as_of_run, "select dials from marts.kpi_monthly where month_start = '2026-05-01' "
                               "and scope_type = 'team' and scope_id = '東京SDR'").iloc[0].dials
    assert dials.month_target == 3600 and math.isclose(dials.target, 3600 * 8 / 18)
    assert math.isclose(dials.actual, actual) and math.isclose(dials.attainment, actual / (3600 * 8 / 18))


def test_every_dbt_unit_test_passes_the_spec_bottleneck_example_and_phase_boundaries_among_them(sample_run):
    from orchestration.transform.dbt_parse import workspace_dbt_dir
    from orchestration.workspace import work_db_for

    _, warehouse, _ = sample_run
    names = ["bottleneck_of_the_spec_worked_example", "bottleneck_paced_in_the_middle_of_the_month",
             "anomaly_of_a_week_against_the_eight_before",
             "organisation_phase_at_five_and_six_months", "organisation_phase_at_six_months",
             "company_name_variants_share_one_matching_key"]
    # every unit test of the project: the nightly build leaves them to CI
    completed = dbt_by_hand(warehouse.parent, work_db_for(warehouse.parent, warehouse), workspace_dbt_dir(warehouse.parent) / "unit-tests",
                            "test", "--select", "test_type:unit")
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert all(re.search(rf"PASS (\w+::)?{n}\b", completed.stdout) for n in names), completed.stdout[-3000:]
    # every unit test the project has is one of these (the run's own hook counts as a PASS too)
    assert len(re.findall(r"\d+ of \d+ PASS ", completed.stdout)) == len(names), completed.stdout[-3000:]


QUIET_WEEK = (date(2026, 6, 15), date(2026, 6, 21))  # R001 makes no call that week


def _local_date(text: str) -> date | None:
    """The JST date of a sample timestamp, however it is written (2026/06/15 9:05, ISO with Z)."""
    try:
        stamp = pd.Timestamp(text.replace("/", "-"))
    except ValueError:  # the sample's deliberately bad dates (02-30)
        return None
    return (stamp.tz_convert("Asia/Tokyo") if stamp.tzinfo else stamp).date()


@pytest.fixture(scope="module")
def quiet_week_run(tmp_path_factory) -> Path:
    """The bundled sample (13 complete weeks) with R001's calls of one June week taken out."""
    from orchestration.paths import SAMPLE_INPUT_DIR

    exports = tmp_path_factory.mktemp("quiet_week_exports")
    for source in SAMPLE_INPUT_DIR.glob("*.csv"):
        if not source.name.startswith("calls"):
            # a blank last line: a team's edited copy, which the guard against loading the bundled
            # sample into a team's warehouse does not take for the sample
            (exports / source.name).write_bytes(source.read_bytes() + b"\n")
            continue
        try:
            source.read_bytes().decode("utf-8")
            encoding = "utf-8-sig"
        except UnicodeDecodeError:  # the sample's Shift_JIS export
            encoding = "cp932"
        calls = pd.read_csv(source, dtype=str, keep_default_na=False, encoding=encoding)
        day = calls["started_at"].map(_local_date)
        quiet = (calls["rep_id"] == "R001") & day.map(lambda d: d is not None and QUIET_WEEK[0] <= d <= QUIET_WEEK[1])
        calls[~quiet].to_csv(exports / source.name, index=False, encoding=encoding)
    warehouse = tmp_path_factory.mktemp("quiet_week") / "iskpi.duckdb"
    outcome = run_nightly(exports, warehouse)
    assert outcome.success, outcome.message
    return warehouse


def test_anomalies_are_weeks_far_from_the_eight_before_by_an_independent_tally(quiet_week_run):
    warehouse = quiet_week_run
    as_of = pd.Timestamp(_frame(warehouse, "select as_of_date from marts.organisation_phase").iloc[0].as_of_date)
    weekly = _frame(warehouse, "select week_start, scope_type, scope_id, dials from marts.kpi_weekly")
    weekly["week_start"] = pd.to_datetime(weekly["week_start"])
    expected, intervals = set(), {}
    for (scope_type, scope_id), rows in weekly.groupby(["scope_type", "scope_id"]):
        weeks = pd.date_range(rows["week_start"].min(), as_of - pd.Timedelta(days=6), freq="W-MON")
        dials = rows.set_index("week_start")["dials"].reindex(weeks).fillna(0)  # a silent week dialled 0
        for i in range(8, len(weeks)):
            usual = dials.iloc[i - 8:i]
            # a count varies at least as a Poisson count does; the week's chance and the usual level's
            spread = math.sqrt(max(usual.var(ddof=1), usual.mean()) * (1 + 1 / 8))
            if spread > 0 and abs(dials.iloc[i] - usual.mean()) > 2.5 * spread:
                expected.add((weeks[i], scope_type, scope_id))
                intervals[(weeks[i], scope_type, scope_id)] = (max(usual.mean() - 2.5 * spread, 0), usual.mean() + 2.5 * spread)
    flagged = _frame(warehouse, "select * from marts.kpi_anomalies")
    flagged["week_start"] = pd.to_datetime(flagged["week_start"])
    dials = flagged[flagged["kpi"] == "dials"]
    assert set(zip(dials["week_start"], dials["scope_type"], dials["scope_id"])) == expected
    for row in dials.itertuples():  # the interval is published beside the value
        low, high = intervals[(row.week_start, row.scope_type, row.scope_id)]
        assert math.isclose(row.interval_low, low, rel_tol=1e-9, abs_tol=1e-9) and math.isclose(row.interval_high, high, rel_tol=1e-9)
    assert (pd.Timestamp(QUIET_WEEK[0]), "rep", "R001") in expected  # the week taken out is found
    quiet = dials[(dials["scope_id"] == "R001") & (dials["week_start"] == pd.Timestamp(QUIET_WEEK[0]))].iloc[0]
    assert quiet.value == 0 and quiet.direction == "down" and quiet.is_worse and quiet.relative_to_usual == 0
    assert ((flagged["direction"] == "up") == (flagged["value"] > flagged["usual_value"])).all()
    # a rate is judged only over weeks with at least 20 in its denominator: never R001's silent week
    assert flagged[(flagged["kpi"] == "connect_rate") & (flagged["scope_id"] == "R001")
                   & (flagged["week_start"] == pd.Timestamp(QUIET_WEEK[0]))].empty
    # the weekly sheet of that week leads with them, in words
    from orchestration.sheets.formatting import kpi_labels
    from orchestration.sheets.queries import Warehouse, weekly_sheet

    sheet = weekly_sheet(Warehouse(warehouse), QUIET_WEEK[1], kpi_labels(), [])
    assert sheet.tables[0].slug == "anomalies"
    assert "R001の架電数が通常の0%に低下 (dials of R001 fell to 0% of its usual level)" in list(sheet.tables[0].frame["異常 (anomaly)"])


def test_period_comparison_is_this_period_against_the_one_before(sample_run):
    _, warehouse, _ = sample_run
    weekly = _frame(warehouse, "select week_start, meetings_set from marts.kpi_weekly where scope_type = 'team' and scope_id = '東京SDR'")
    by_week = dict(zip(pd.to_datetime(weekly["week_start"]), weekly["meetings_set"]))
    rows = _frame(
        warehouse,
        "select * from marts.kpi_period_comparison where grain = 'week' and scope_type = 'team' and scope_id = '東京SDR' "
        "and kpi = 'meetings_set' and previous_value is not null and compared_with = 'previous week'",
    )
    assert len(rows) >= 3
    for row in rows.itertuples():
        assert row.value == by_week[pd.Timestamp(row.period_start)]
        assert row.previous_value == by_week[pd.Timestamp(row.period_start) - pd.Timedelta(days=7)]
        assert math.isclose(row.relative_change, row.value / row.previous_value)
        assert row.absolute_change == row.value - row.previous_value
    grains = set(_frame(warehouse, "select distinct grain from marts.kpi_period_comparison")["grain"])
    assert grains == {"week", "month", "quarter"}
    kpis = set(_frame(warehouse, "select distinct kpi from marts.kpi_period_comparison")["kpi"])
    assert set(kpi_labels()) - {"revenue", "stage_days", "channel_conversion"} <= kpis


def test_a_month_in_progress_is_compared_with_as_many_business_days_of_the_month_before(as_of_run):
    # as of Friday 15 May, May has had 8 business days (1, 7, 8, 11–15; Golden Week is 4–6 May):
    # April's first 8 are 1–3 and 6–10 April, so the comparison stops at the end of 10 April
    row = _frame(as_of_run, "select * from marts.kpi_period_comparison where grain = 'month' and period_start = '2026-05-01' "
                            "and scope_type = 'org' and kpi = 'dials'").iloc[0]
    daily = _frame(as_of_run, "select activity_date, dials from marts.kpi_daily")
    days = pd.to_datetime(daily["activity_date"]).dt.date
    first_eight = daily[(days >= date(2026, 4, 1)) & (days <= date(2026, 4, 10))]["dials"].sum()
    assert row.compared_with == "first 8 business days of the previous month"
    assert row.previous_value == first_eight and row.value == daily[days >= date(2026, 5, 1)]["dials"].sum()
    april = _frame(as_of_run, "select * from marts.kpi_period_comparison where grain = 'month' and period_start = '2026-04-01' "
                              "and scope_type = 'org' and kpi = 'dials'").iloc[0]
    assert april.compared_with == "previous month"  # a complete month against the whole month before


def test_open_sals_are_ranked_on_bant_and_forecast_by_probability(sample_run):
    _, warehouse, _ = sample_run
    sals = _frame(warehouse, "select * from marts.fct_open_sal")
    assert len(sals) > 10
    for row in sals.itertuples():
        want = ("A" if row.has_budget and row.has_need and row.has_timing else
                "B" if row.has_need and row.has_timing else "C" if row.has_need else "D")
        assert row.rank == want
    assert dict(zip(sals["rank"], sals["probability"])) == {"A": 0.8, "B": 0.5, "C": 0.3, "D": 0.1}
    forecast = _frame(warehouse, "select * from marts.open_sal_forecast where scope_type = 'org'").set_index("rank")
    for rank, group in sals.groupby("rank"):
        assert forecast.loc[rank, "open_sals"] == len(group)
        assert math.isclose(forecast.loc[rank, "expected_sqls"], group["probability"].sum())
        assert math.isclose(forecast.loc[rank, "expected_amount"], (group["probability"] * group["open_amount"].fillna(0)).sum())


def test_the_monthly_plan_is_the_one_iskpi_plan_computes(bundled_run):
    warehouse = bundled_run
    plans = _frame(warehouse, "select * from marts.kpi_plan")
    assert len(plans) == 3 and plans["dials_needed"].notna().all()  # April to June carry an org revenue target
    for row in plans.itertuples():
        assert row.wins_needed == planning.required(row.revenue_target, row.avg_deal_size)
        reverse = planning.reverse_plan(int(row.wins_needed), row.win_rate, row.meeting_conversion_rate,
                                        row.effective_contact_rate, int(row.business_days))
        assert (row.meetings_needed, row.effective_contacts_needed, row.dials_needed, row.dials_per_business_day) == (
            reverse.meetings, reverse.effective_contacts, reverse.dials, reverse.dials_per_business_day)
        pipeline = planning.pipeline_plan(row.revenue_target, row.win_rate, row.avg_deal_size, row.sal_to_sql_rate, 3, 6, "2026Q2")
        assert (row.sqls_needed, row.sals_needed, row.qualification_calls_needed) == (
            pipeline.sqls, pipeline.sals, pipeline.qualification_calls)
        assert pd.Timestamp(row.pipeline_needed_by) == pd.Timestamp(row.month_start) - pd.DateOffset(months=6)
    suggestion = _frame(warehouse, "select * from marts.kpi_target_suggestion where scope_type = 'org' and kpi = 'dials'").iloc[0]
    monthly = _frame(warehouse, "select dials from marts.kpi_monthly where scope_type = 'org' order by month_start")
    assert suggestion.trailing_months == 3 and len(monthly) == 3  # April to June, complete by 30 June
    assert suggestion.stretch_target == pytest.approx(monthly["dials"].mean() * 1.15)
    assert suggestion.achievable_target == pytest.approx(monthly["dials"].mean() * 1.025)
    assert suggestion.floor_target == pytest.approx(monthly["dials"].mean() * 0.9)


def test_trailing_rates_are_pooled_over_three_months_and_lower_is_better_goes_down(bundled_run):
    monthly = _frame(bundled_run, "select * from marts.kpi_monthly where scope_type = 'org' order by month_start")
    suggestions = _frame(bundled_run, "select * from marts.kpi_target_suggestion where scope_type = 'org'").set_index("kpi")
    assert len(monthly) == 3 and suggestions["months_without_data"].isna().all()
    won, lost = monthly["won_opportunities"].sum(), monthly["lost_opportunities"].sum()
    assert suggestions.loc["win_rate", "baseline"] == pytest.approx(won / (won + lost))  # Σ won ÷ Σ closed
    assert suggestions.loc["avg_deal_size", "baseline"] == pytest.approx(monthly["won_amount"].sum() / won)
    assert suggestions.loc["connect_rate", "baseline"] == pytest.approx(monthly["connected_calls"].sum() / monthly["dials"].sum())
    plan = _frame(bundled_run, "select * from marts.kpi_plan").iloc[0]
    assert plan.win_rate == pytest.approx(won / (won + lost))
    cancel = suggestions.loc["meeting_cancel_rate"]
    assert cancel.direction == "lower" and cancel.baseline > 0
    assert cancel.stretch_target == pytest.approx(cancel.baseline * 0.85) and cancel.floor_target == pytest.approx(cancel.baseline * 1.1)


def test_the_organisation_phase_follows_the_months_since_the_team_started(sample_run, bundled_run):
    _, small, _ = sample_run
    row = _frame(small, "select * from marts.organisation_phase").iloc[0]
    assert pd.Timestamp(row.started_on).date() == date(2024, 4, 1)  # the IS reps' earliest active_from
    assert pd.Timestamp(row.as_of_date).date() == date(2026, 5, 29)
    assert (row.months_active, row.phase) == (25, "mature")
    assert _frame(bundled_run, "select count(*) as n from marts.organisation_phase")["n"][0] == 1


def test_the_manager_sheets_are_written_after_publish(bundled_run):
    reports = bundled_run.parent / "reports"
    names = {p.name for p in reports.iterdir()}
    assert {"daily.html", "weekly.html", "monthly.html", "monthly_kpis.csv", "monthly_bottleneck.csv",
            "weekly_week_over_week.csv", "daily_activity_by_rep.csv"} <= names
    monthly = (reports / "monthly.html").read_text(encoding="utf-8")
    assert monthly.count("<svg") >= 3 and monthly.count("<table") >= 5
    assert "受注貢献額 (IS-sourced won amount)" in monthly and "ボトルネック (bottleneck)" in monthly
    for html in ("daily.html", "weekly.html", "monthly.html"):
        text = (reports / html).read_text(encoding="utf-8")
        assert "<svg" in text
        # opens offline: nothing is fetched (the only URLs are SVG namespaces)
        assert not [u for u in re.findall(r"""(?:src|href)=["']([^"']+)""", text) if not u.startswith("#")]
    kpis = pd.read_csv(reports / "monthly_kpis.csv", encoding="utf-8-sig")
    # the mature phase leads with won amount and win rate
    assert list(kpis["KPI"][:2]) == ["受注貢献額 (IS-sourced won amount)", "受注率 (Win rate)"]
    assert (reports / "monthly_kpis.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_iskpi_report_writes_cp932_on_request_and_refuses_another_as_of_date(bundled_run, tmp_path):
    runner = CliRunner()
    written = runner.invoke(main, ["report", "--warehouse", str(bundled_run), "--out", str(tmp_path), "--encoding", "cp932",
                                   "--as-of", "2026-06-30"])
    assert written.exit_code == 0, written.output
    assert "大阪BDR" in (tmp_path / "monthly_kpis.csv").read_bytes().decode("cp932")
    refused = runner.invoke(main, ["report", "--warehouse", str(bundled_run), "--out", str(tmp_path), "--as-of", "2026-05-15"])
    assert refused.exit_code != 0
    assert "built as of 2026-06-30" in refused.output and "iskpi run --as-of 2026-05-15" in refused.output


def test_iskpi_plan_finds_the_demo_warehouse_as_query_and_metrics_do(bundled_run, tmp_path, monkeypatch):
    """Right after the README's first command, `iskpi plan --wins 10` said there was no warehouse."""
    import shutil

    from click.testing import CliRunner

    from orchestration.cli.main import main
    from orchestration.workspace import demo_workspace

    monkeypatch.delenv("ISKPI_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    demo = demo_workspace()
    demo.warehouse.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(bundled_run, demo.warehouse)
    planned = CliRunner().invoke(main, ["plan", "--wins", "10", "--month", "2026-06"])
    assert planned.exit_code == 0, planned.output
    assert "pooled over the trailing three months" in planned.output
    refused = CliRunner().invoke(main, ["plan", "--wins", "10", "--win-rate", "25"])
    assert refused.exit_code != 0 and "give 0.25" in refused.output
