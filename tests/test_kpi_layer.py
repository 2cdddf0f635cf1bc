"""The KPI layer: every KPI of SPEC §5 by name, pinned on a hand-computed fixture, with the
properties that must hold on any data, and the semantic layer answering like the marts."""

from __future__ import annotations

import io
import math
from pathlib import Path

import duckdb
import kpi_fixture
import pandas as pd
import pytest

from orchestration.kpi_reference import KPI_REFERENCE_MD, kpi_metrics, render

# SPEC §5, written out here on purpose: the test must not read the list from the code it checks.
SPEC_KPIS = [
    "dials", "ring_rate", "connect_rate", "effective_contact_rate", "avg_talk_seconds", "emails_sent",
    "open_rate", "click_rate", "reply_rate", "bounce_rate", "effective_contacts", "list_consumption_rate",
    "follow_up_rate", "touches_to_meeting",
    "meetings_set", "meeting_conversion_rate", "valid_meetings", "bant_rate", "appointment_confirm_rate",
    "meeting_cancel_rate", "handoff_quality", "sal_to_sql_rate",
    "win_rate", "cohort_win_rate", "is_sourced_won_amount", "avg_deal_size", "post_handoff_win_rate",
    "pipeline_amount", "pipeline_coverage",
    "lead_response_minutes", "lead_response_minutes_mean", "sla_5min_rate", "lead_to_meeting_days",
    "stage_days", "channel_conversion", "hot_leads", "input_quality",
]
# tables by nature (SPEC §7): their own marts, not kpi_monthly columns
TABLE_KPIS = {"stage_days": "kpi_stage_days", "channel_conversion": "kpi_channel_funnel", "input_quality": "input_quality"}
# input_quality is a table of the load audit (marts.input_quality); every other KPI is a metric
SEMANTIC_KPIS = [k for k in SPEC_KPIS if k != "input_quality"]
HEADLINE_KPIS = [
    "dials", "connect_rate", "effective_contact_rate", "avg_talk_seconds", "emails_sent", "open_rate",
    "list_consumption_rate", "meetings_set", "meeting_conversion_rate", "valid_meetings", "bant_rate",
    "sal_to_sql_rate", "win_rate", "is_sourced_won_amount", "lead_response_minutes", "hot_leads",
]


def _frame(warehouse: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).df()


@pytest.fixture(scope="module")
def fixture_warehouse(fixture_run) -> Path:
    return fixture_run[1]


def _close(want: float | None, got) -> bool:
    if want is None:
        return got is None or (isinstance(got, float) and math.isnan(got))
    return got is not None and not pd.isna(got) and math.isclose(float(got), want, rel_tol=1e-9, abs_tol=1e-9)


# -- the catalogue -----------------------------------------------------------------------------


def test_every_kpi_is_a_kpi_monthly_column_or_a_mart_of_its_own(fixture_warehouse):
    columns = set(_frame(fixture_warehouse, "select * from marts.kpi_monthly limit 0").columns)
    missing = [k for k in SPEC_KPIS if k not in TABLE_KPIS and k not in columns]
    assert not missing, f"kpi_monthly lacks {missing}"
    tables = set(_frame(fixture_warehouse, "select table_name from information_schema.tables where table_schema = 'marts'")["table_name"])
    assert set(TABLE_KPIS.values()) <= tables
    assert "stage_days" in set(_frame(fixture_warehouse, "select * from marts.kpi_stage_days limit 0").columns)
    assert "channel_conversion" in set(_frame(fixture_warehouse, "select * from marts.kpi_channel_funnel limit 0").columns)


def test_every_kpi_is_defined_once_with_label_definition_and_formula():
    metrics = {m["name"]: m for m in kpi_metrics()}
    assert sorted(metrics) == sorted(SEMANTIC_KPIS)
    for name, metric in metrics.items():
        meta = metric["config"]["meta"]
        assert metric["label"] and metric["description"] and meta["formula"] and meta["label_en"], name


def test_kpi_reference_page_is_rendered_from_the_yml():
    assert KPI_REFERENCE_MD.read_text(encoding="utf-8") == render(kpi_metrics()), "regenerate with: iskpi kpi-reference"


# -- hand-computed answers ---------------------------------------------------------------------


def test_the_fixture_pins_every_kpi_monthly_kpi_at_org_scope():
    pinned = set(kpi_fixture.EXPECTED[(kpi_fixture.APRIL, "org", "all")])
    assert not set(SPEC_KPIS) - set(TABLE_KPIS) - pinned


@pytest.mark.parametrize("scope", list(kpi_fixture.EXPECTED), ids=lambda s: "/".join(s))
def test_kpi_monthly_matches_the_hand_computed_fixture(fixture_warehouse, scope):
    month, scope_type, scope_id = scope
    rows = _frame(
        fixture_warehouse,
        f"select * from marts.kpi_monthly where month_start = '{month}' and scope_type = '{scope_type}' and scope_id = '{scope_id}'",
    )
    assert len(rows) == 1, f"no kpi_monthly row for {scope}"
    row = rows.iloc[0]
    wrong = {kpi: (want, row[kpi]) for kpi, want in kpi_fixture.EXPECTED[scope].items() if not _close(want, row[kpi])}
    assert not wrong, f"{scope}: (want, got) {wrong}"


def test_team_equals_its_only_rep_and_reps_without_credit_have_no_row(fixture_warehouse):
    monthly = _frame(fixture_warehouse, "select * from marts.kpi_monthly where month_start = '2026-04-01'")
    team = monthly[(monthly.scope_type == "team") & (monthly.scope_id == "東京SDR")].drop(columns=["scope_type", "scope_id"])
    rep = monthly[(monthly.scope_type == "rep") & (monthly.scope_id == "R1")].drop(columns=["scope_type", "scope_id"])
    pd.testing.assert_frame_equal(team.reset_index(drop=True), rep.reset_index(drop=True))
    # F1 owns opportunities and set M5: field sales is a dimension of its own, not a scope
    every_month = _frame(fixture_warehouse, "select * from marts.kpi_monthly")
    assert "F1" not in set(every_month.loc[every_month.scope_type == "rep", "scope_id"])
    assert "フィールドセールス" not in set(every_month.loc[every_month.scope_type == "team", "scope_id"])


def test_credit_no_is_rep_holds_is_the_organisations_and_has_its_row(fixture_warehouse):
    # M5 was set by field sales and L7 is owned by no one (1 May): the organisation's, in the day's
    # row with no rep, and nowhere else
    meeting = _frame(fixture_warehouse, "select rep_id, set_by_rep_id from marts.fct_meeting where meeting_id = 'M5'")
    assert meeting.to_dict("records") == [{"rep_id": None, "set_by_rep_id": "F1"}]
    lead = _frame(fixture_warehouse, "select assigned_rep_id, owner_rep_id from marts.fct_lead_lifecycle where lead_id = 'L7'")
    assert lead.isna().all(axis=None)
    organisation = _frame(fixture_warehouse, "select * from marts.kpi_counts_daily where rep_id is null")
    assert len(organisation) == 1 and str(organisation.activity_date[0])[:10] == "2026-05-01"
    row = organisation.iloc[0]
    assert (row.meetings_set, row.first_meetings, row.leads_assigned, row.leads_touched, row.dials) == (1, 1, 1, 0, 0)
    assert _frame(fixture_warehouse, "select count(*) as n from marts.kpi_daily where activity_date = '2026-05-01'").n[0] == 0


@pytest.mark.parametrize("scope", ["org", "rep"])
def test_a_month_is_its_days_and_its_days_are_the_month(fixture_warehouse, scope):
    # both ways: every monthly count is the sum of the days under it (org: every kpi_counts_daily
    # row, the organisation's included; rep: the rep's kpi_daily rows), and no day is in no month
    counts = ["dials", "connected_calls", "emails_sent", "leads_assigned", "leads_touched", "meetings_set", "first_meetings"]
    days = "marts.kpi_counts_daily" if scope == "org" else "marts.kpi_daily"
    scope_id = "'all'" if scope == "org" else "rep_id"
    daily = _frame(fixture_warehouse, f"select cast(date_trunc('month', activity_date) as date) as month_start, {scope_id} as scope_id, "
                                      f"{', '.join(f'sum({c}) as {c}' for c in counts)} from {days} group by all")
    monthly = _frame(fixture_warehouse, f"select month_start, scope_id, {', '.join(counts)} from marts.kpi_monthly where scope_type = '{scope}'")
    merged = daily.merge(monthly, on=["month_start", "scope_id"], how="outer", suffixes=("_days", "_month")).fillna(0)
    assert len(merged) == len(monthly) >= 2
    for count in counts:
        assert (merged[f"{count}_days"].astype(int) == merged[f"{count}_month"].astype(int)).all(), (count, merged)


def test_kpi_daily_puts_a_call_on_its_japanese_date(fixture_warehouse):
    daily = _frame(fixture_warehouse, "select * from marts.kpi_daily")
    daily["activity_date"] = daily["activity_date"].astype(str)
    for (day, rep), expected in kpi_fixture.EXPECTED_DAILY.items():
        row = daily[(daily.activity_date == day) & (daily.rep_id == rep)]
        assert len(row) == 1, (day, rep)
        for kpi, want in expected.items():
            assert _close(want, row.iloc[0][kpi]), (day, rep, kpi, want, row.iloc[0][kpi])


def test_stage_days_and_stuck_leads(fixture_warehouse):
    stages = _frame(fixture_warehouse, "select * from marts.kpi_stage_days where scope_type = 'org' and month_start = '2026-04-01'")
    for stage, (entered, median_days, stuck) in kpi_fixture.EXPECTED_STAGE_DAYS.items():
        row = stages[stages.stage == stage].iloc[0]
        assert (row.leads_entered, row.stuck_leads) == (entered, stuck)
        assert _close(median_days, row.stage_days)


def test_channel_funnel_counts_monotone_reach(fixture_warehouse):
    funnel = _frame(
        fixture_warehouse,
        "select channel, leads_created, leads_reached, channel_conversion from marts.kpi_channel_funnel "
        "where scope_type = 'org' and month_start = '2026-04-01' and stage = 'sal'",
    )
    got = {r.channel: (r.leads_created, r.leads_reached) for r in funnel.itertuples()}
    assert got == kpi_fixture.EXPECTED_CHANNEL_SAL
    assert all(_close(r.leads_reached / r.leads_created, r.channel_conversion) for r in funnel.itertuples())


def test_lifecycle_keeps_first_stage_times_transitions_and_flags(fixture_warehouse):
    lead = _frame(fixture_warehouse, "select * from marts.fct_lead_lifecycle where lead_id = 'L2'").iloc[0]
    # L2: new → contacted → qualified (M2 agreed) → sal (O2 opened) → lost; reach is monotone up to sal
    assert lead.current_stage == "lost"
    assert [lead[f"reached_{s}"] for s in ("new", "mql", "contacted", "engaged", "qualified", "sal", "sql", "lost")] == [
        True, True, True, True, True, True, False, True]
    transitions = _frame(fixture_warehouse, "select to_stage, source from marts.fct_stage_transition where lead_id = 'L2' order by transition_number")
    assert transitions.to_stage.tolist() == ["new", "contacted", "qualified", "sal", "lost"]
    assert transitions.source.tolist()[-2:] == ["opportunity_stage_history", "opportunity_stage_history"]
    assert _frame(fixture_warehouse, "select count(*) as n from marts.fct_lead_lifecycle where is_stuck").n[0] >= 1


def test_a_hot_lead_entered_mql_by_status_score_or_hot_action(fixture_warehouse):
    leads = _frame(fixture_warehouse, "select lead_id, is_hot_lead, reached_mql, current_stage, entered_mql_at::varchar as mql_at "
                                      "from marts.fct_lead_lifecycle").set_index("lead_id")
    assert leads.loc[["L1", "L3", "L5", "L6"], "is_hot_lead"].all()
    assert not leads.loc["L2", "is_hot_lead"] and leads.loc["L2", "reached_mql"]  # contacted: passed mql, never entered it
    assert leads.loc["L6", "mql_at"].startswith("2026-04-03 00:05:00")  # the pricing-page visit, 09:05 JST
    assert leads.loc["L6", "current_stage"] == "mql"
    assert leads.loc["L1", "current_stage"] == "won"  # the pricing page visited after the meeting sends nobody back


def test_activity_without_a_known_lead_is_resolved_by_phone_or_email_or_flagged(fixture_warehouse):
    for (table, key, value), (lead_id, resolution) in kpi_fixture.EXPECTED_RESOLUTION.items():
        row = _frame(fixture_warehouse, f"select lead_id, lead_resolution from marts.{table} where {key} = '{value}'").iloc[0]
        assert (None if pd.isna(row.lead_id) else row.lead_id, row.lead_resolution) == (lead_id, resolution), value


def test_records_deleted_in_the_crm_are_kept_flagged_and_count_nowhere(fixture_warehouse):
    work_db = fixture_warehouse.parent / ".iskpi" / "work" / "iskpi.work.duckdb"
    with duckdb.connect(str(work_db), read_only=True) as con:
        flagged = {
            key: deleted
            for table, column in (("stg_raw__leads", "lead_id"), ("stg_raw__meetings", "meeting_id"), ("stg_raw__opportunities", "opportunity_id"))
            for key, deleted in con.execute(f"select {column}, is_deleted from staging.{table}").fetchall()
        }
    assert (flagged["L4"], flagged["M4"], flagged["O4"]) == (True, True, True)
    assert not (flagged["L1"] or flagged["M1"] or flagged["O1"])
    assert _frame(fixture_warehouse, "select * from marts.fct_meeting where meeting_id = 'M4'").empty
    assert _frame(fixture_warehouse, "select * from marts.fct_opportunity where opportunity_id = 'O4'").empty
    assert _frame(fixture_warehouse, "select * from marts.fct_opportunity_stage_interval where opportunity_id = 'O4'").empty
    lead = _frame(fixture_warehouse, "select reached_sal, reached_won from marts.fct_lead_lifecycle where lead_id = 'L5'").iloc[0]
    assert not lead.reached_sal and not lead.reached_won  # M4 and O4 would have taken L5 there


def test_targets_attain_the_right_way_and_a_scope_without_activity_has_done_nothing(fixture_warehouse):
    progress = _frame(fixture_warehouse, "select * from marts.kpi_targets_vs_actuals").set_index(["month_start", "scope_id", "kpi"])
    cancel = progress.loc[(pd.Timestamp("2026-04-01"), "all", "meeting_cancel_rate")]
    assert cancel.direction == "lower" and math.isclose(cancel.attainment, 0.5 / (1 / 3))  # M2 of M1–M3 cancelled
    idle = progress.loc[(pd.Timestamp("2026-05-01"), "R1", "dials")]
    assert idle.actual == 0 and idle.attainment == 0 and idle.landing_forecast == 0


def test_a_week_in_progress_is_compared_like_for_like_and_a_silent_week_counts_zero(fixture_warehouse):
    # as of Thursday 7 May the week has had one business day (4–6 May are Golden Week holidays);
    # R2 did nothing on Monday 27 April, the previous week's first: 0 dials there, no connect rate
    rows = _frame(fixture_warehouse, "select kpi, value, previous_value, compared_with from marts.kpi_period_comparison "
                                     "where grain = 'week' and period_start = '2026-05-04' and scope_id = 'R2'").set_index("kpi")
    assert rows.loc["dials"].tolist() == [2, 0, "first business day of the previous week"]
    assert pd.isna(rows.loc["connect_rate", "previous_value"])


def test_pipeline_is_rebuilt_from_stage_history(fixture_warehouse):
    # O3 opened at 1,500,000 on 10 April and became 2,000,000 on 14 April
    open_on = ("select amount from marts.fct_opportunity_stage_interval where opportunity_id = 'O3' and is_open "
               "and open_from_day <= date '{day}' and (open_until_day is null or date '{day}' < open_until_day)")
    assert _frame(fixture_warehouse, open_on.format(day="2026-04-13")).amount.astype(float).tolist() == [1_500_000]
    assert _frame(fixture_warehouse, open_on.format(day="2026-04-14")).amount.astype(float).tolist() == [2_000_000]


# -- properties on the generated sample --------------------------------------------------------


@pytest.mark.e2e  # the generated sample's real run
def test_every_rate_is_a_share_or_null(sample_run):
    _, warehouse, outcome = sample_run
    assert outcome.success, outcome.message
    monthly = _frame(warehouse, "select * from marts.kpi_monthly")
    for column in [c for c in monthly.columns if c.endswith("_rate")]:
        values = monthly[column].dropna()
        assert ((values >= 0) & (values <= 1)).all(), column


@pytest.mark.e2e  # the generated sample's real run
def test_org_is_the_sum_of_its_reps_for_additive_kpis(sample_run):
    _, warehouse, _ = sample_run
    monthly = _frame(warehouse, "select * from marts.kpi_monthly")
    additive = ["dials", "effective_contacts", "emails_sent", "meetings_set", "valid_meetings", "leads_assigned", "hot_leads"]
    org = monthly[monthly.scope_type == "org"].set_index("month_start")[additive]
    reps = monthly[monthly.scope_type == "rep"].groupby("month_start")[additive].sum()
    pd.testing.assert_frame_equal(org.astype(float), reps.astype(float), check_names=False)


@pytest.mark.e2e  # the generated sample's real run
def test_monthly_is_the_sum_of_daily_for_additive_kpis(sample_run):
    sample, warehouse, _ = sample_run
    additive = ["dials", "rang_calls", "connected_calls", "effective_contacts", "connected_talk_seconds", "emails_sent",
                "emails_opened", "emails_clicked", "emails_replied", "emails_bounced", "leads_assigned", "leads_touched",
                "leads_followed_up", "meetings_set", "first_meetings", "touches_before_first_meetings"]
    daily = sample.expected_kpi_daily.assign(month_start=lambda f: pd.to_datetime(f.activity_date).dt.to_period("M").dt.start_time)
    want = daily.groupby(["month_start", "rep_id"])[additive].sum().astype(float)
    monthly = _frame(warehouse, "select * from marts.kpi_monthly where scope_type = 'rep'")
    monthly["month_start"] = pd.to_datetime(monthly["month_start"])
    got = monthly.rename(columns={"scope_id": "rep_id"}).set_index(["month_start", "rep_id"])[additive].astype(float)
    pd.testing.assert_frame_equal(got.loc[want.index], want, check_names=False)


# -- the semantic layer ------------------------------------------------------------------------


def _mf(warehouse: Path, metrics: list[str], group_by: str, tmp_path: Path) -> pd.DataFrame:
    """The semantic layer's answer as `iskpi metrics --csv` writes it."""
    from click.testing import CliRunner

    from orchestration.cli.main import main

    out = tmp_path / "mf.csv"
    completed = CliRunner().invoke(main, ["--workspace", str(warehouse.parent), "metrics", ",".join(metrics), "--group-by", group_by,
                                          "--warehouse", str(warehouse), "--csv", str(out)])
    assert completed.exit_code == 0, completed.output
    return pd.read_csv(io.StringIO(out.read_text(encoding="utf-8")))


@pytest.mark.e2e  # the generated sample's real run
def test_every_kpi_answers_through_the_semantic_layer(sample_run, tmp_path):
    _, warehouse, _ = sample_run
    answers = _mf(warehouse, SEMANTIC_KPIS, "metric_time__month", tmp_path)
    assert set(SEMANTIC_KPIS) <= set(answers.columns)
    assert answers[SEMANTIC_KPIS].notna().any().all(), "a metric answered nothing but NULL"
    monthly = _frame(warehouse, "select * from marts.kpi_monthly where scope_type = 'org'")
    monthly["month"] = pd.to_datetime(monthly["month_start"])
    answers["month"] = pd.to_datetime(answers["metric_time__month"])
    merged = monthly.merge(answers, on="month", suffixes=("_mart", "_mf"))
    assert len(merged) == len(monthly)
    # org scope: every kpi_monthly KPI
    for kpi in [k for k in SEMANTIC_KPIS if k not in TABLE_KPIS]:
        for mart, mf in zip(merged[f"{kpi}_mart"], merged[f"{kpi}_mf"]):
            assert _close(None if pd.isna(mart) else float(mart), None if pd.isna(mf) else float(mf)), (kpi, mart, mf)


def _parity(mart: pd.DataFrame, period: str, answers: pd.DataFrame, time_column: str, scope_column: str | None,
            kpis: list[str]) -> None:
    """Every KPI of every mart row answers the same through MetricFlow, and MetricFlow has no row
    with a value the mart lacks."""
    answers = answers.assign(_period=pd.to_datetime(answers[time_column]), _scope=answers[scope_column] if scope_column else "all")
    mart = mart.assign(_period=pd.to_datetime(mart[period]), _scope=mart["scope_id"])
    merged = mart.merge(answers, on=["_period", "_scope"], how="outer", suffixes=("_mart", "_mf"), indicator=True)
    only_mf = merged[merged["_merge"] == "right_only"]
    assert not (only_mf[[f"{k}_mf" for k in kpis]].fillna(0) != 0).any().any(), only_mf
    both = merged[merged["_merge"] != "right_only"]
    assert (both["_merge"] == "both").all(), both[both["_merge"] != "both"][[period, "scope_id"]]
    for kpi in kpis:
        for key, mart_value, mf_value in zip(both["_scope"], both[f"{kpi}_mart"], both[f"{kpi}_mf"]):
            mart, mf = (None if pd.isna(value) else float(value) for value in (mart_value, mf_value))
            assert _close(mart, mf), (kpi, key, mart_value, mf_value)


def test_marts_and_semantic_layer_give_one_number_per_kpi_on_every_scope_and_grain(fixture_warehouse, tmp_path):
    # the fixture holds what made them differ: field-sales calls, a deleted lead with a deleted
    # meeting and opportunity, April beginning with nothing open (review_dbt 1.5)
    kpis = [k for k in SEMANTIC_KPIS if k not in TABLE_KPIS]
    by_rep = [k for k in kpis if k != "pipeline_coverage"]  # revenue targets are set for the org
    monthly = _frame(fixture_warehouse, "select * from marts.kpi_monthly")
    org = monthly[monthly.scope_type == "org"]
    _parity(org, "month_start", _mf(fixture_warehouse, kpis, "metric_time__month", tmp_path), "metric_time__month", None, kpis)
    reps = monthly[monthly.scope_type == "rep"]
    answers = _mf(fixture_warehouse, by_rep, "metric_time__month,rep", tmp_path).dropna(subset=["rep"])
    _parity(reps, "month_start", answers, "metric_time__month", "rep", by_rep)
    teams = monthly[monthly.scope_type == "team"]
    answers = _mf(fixture_warehouse, by_rep, "metric_time__month,rep__team", tmp_path).dropna(subset=["rep__team"])
    _parity(teams, "month_start", answers, "metric_time__month", "rep__team", by_rep)
    weekly = _frame(fixture_warehouse, "select * from marts.kpi_weekly where scope_type = 'org'")
    _parity(weekly, "week_start", _mf(fixture_warehouse, by_rep, "metric_time__week", tmp_path), "metric_time__week", None, by_rep)
    stages = _frame(fixture_warehouse, "select month_start, stage, stage_days, stuck_leads from marts.kpi_stage_days where scope_type = 'org'")
    answers = _mf(fixture_warehouse, ["stage_days", "stuck_leads"], "metric_time__month,lead_stage__stage", tmp_path)
    merged = stages.assign(month=pd.to_datetime(stages.month_start)).merge(
        answers.assign(month=pd.to_datetime(answers.metric_time__month)), left_on=["month", "stage"],
        right_on=["month", "lead_stage__stage"], suffixes=("_mart", "_mf"))
    assert len(merged) == len(stages)
    for row in merged.itertuples():
        mart_days = None if pd.isna(row.stage_days_mart) else row.stage_days_mart  # a final stage has no duration
        assert _close(mart_days, row.stage_days_mf) and row.stuck_leads_mart == row.stuck_leads_mf, row


def test_lead_and_meeting_counts_answer_by_the_leads_channel(fixture_warehouse, tmp_path):
    # SPEC §5: a KPI by channel where the dimension applies. Counted from the fixture's rows: leads
    # L1 Webフォーム, L2 リスト, L3 資料請求, L5 outbound_list, L6 ウェビナー in April (L4 deleted),
    # L7 リスト in May; meetings M1 (L1), M2 (L2), M3 (L3) in April, M5 (L7) in May
    answers = _mf(fixture_warehouse, ["leads_assigned", "meetings_set"], "metric_time__month,lead__channel", tmp_path)
    got = {(str(m)[:7], c): (int(a), int(s)) for m, c, a, s in zip(answers.metric_time__month, answers.lead__channel,
                                                                 answers.leads_assigned.fillna(0), answers.meetings_set.fillna(0))}
    assert got == {
        ("2026-04", "web_form"): (1, 1), ("2026-04", "outbound_list"): (2, 1), ("2026-04", "document_download"): (1, 1),
        ("2026-04", "webinar"): (1, 0), ("2026-05", "outbound_list"): (1, 1),
    }


@pytest.mark.e2e  # the generated sample's real run
def test_headline_kpis_by_rep_and_week_answer_like_the_marts(sample_run, tmp_path):
    _, warehouse, _ = sample_run
    answers = _mf(warehouse, HEADLINE_KPIS, "metric_time__month,rep", tmp_path)
    monthly = _frame(warehouse, "select * from marts.kpi_monthly where scope_type = 'rep'")
    monthly["month"] = pd.to_datetime(monthly["month_start"])
    answers["month"] = pd.to_datetime(answers["metric_time__month"])
    merged = monthly.merge(answers.rename(columns={"rep": "scope_id"}), on=["month", "scope_id"], suffixes=("_mart", "_mf"))
    assert len(merged) == len(monthly)
    for kpi in HEADLINE_KPIS:
        for mart, mf in zip(merged[f"{kpi}_mart"], merged[f"{kpi}_mf"]):
            assert _close(None if pd.isna(mart) else float(mart), None if pd.isna(mf) else float(mf)), (kpi, mart, mf)
    weekly = _mf(warehouse, ["connect_rate", "meeting_conversion_rate"], "metric_time__week,rep__team", tmp_path)
    assert set(weekly["rep__team"]) == {"東京SDR", "大阪BDR"}
    assert pd.to_datetime(weekly["metric_time__week"]).dt.dayofweek.eq(0).all(), "ISO weeks start on Monday"


@pytest.mark.e2e  # the generated sample's real run
def test_iskpi_metrics_speaks_iskpis_language_and_prints_only_the_sorted_table(sample_run):
    """A misspelled KPI ended in MetricFlow's 'please report it here' after 40 s; the table came
    with spinner frames and an emoji, its weeks unsorted."""
    from click.testing import CliRunner

    from orchestration.cli.main import main

    _, warehouse, _ = sample_run
    workspace = ["--workspace", str(warehouse.parent)]
    misspelled = CliRunner().invoke(main, [*workspace, "metrics", "conect_rate", "--warehouse", str(warehouse)])
    assert misspelled.exit_code != 0 and "did you mean connect_rate" in misspelled.output, misspelled.output
    weekly = CliRunner().invoke(main, [*workspace, "metrics", "dials", "--group-by", "metric_time__week", "--warehouse", str(warehouse)])
    assert weekly.exit_code == 0, weekly.output
    assert "Success" not in weekly.output and "\r" not in weekly.output
    weeks = [line.split()[0] for line in weekly.output.splitlines()[2:] if line.strip()]
    assert len(weeks) > 4 and weeks == sorted(weeks)
    mistyped = CliRunner().invoke(main, [*workspace, "metrics", "dials", "--wher", "x", "--warehouse", str(warehouse)])
    assert mistyped.exit_code != 0 and "--where" in mistyped.output, mistyped.output
    unknown = CliRunner().invoke(main, [*workspace, "metrics", "dials", "--group-by", "rep__tem", "--warehouse", str(warehouse)])
    assert unknown.exit_code != 0 and "could not answer" in unknown.output and "rep__team" in unknown.output, unknown.output
    assert "Traceback" not in unknown.output
    nowhere = CliRunner().invoke(main, [*workspace, "metrics", "dials", "--csv", str(warehouse.parent / "no-such-folder" / "dials.csv"),
                                        "--warehouse", str(warehouse)])
    assert nowhere.exit_code == 1 and "cannot write" in nowhere.output and "no-such-folder" in nowhere.output, nowhere.output
