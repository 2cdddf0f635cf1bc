"""Opportunities the way CRMs export them (review_dbt 1.1, 1.2, 1.4): without stage history,
with history that starts late or lacks the closing row, and exported only after they closed.
Every answer is worked out by hand beside its rows (times JST; amounts JPY).

    O1  L1 via M1  proposal, created 10 Apr, 1,000,000, no history        open 10 Apr → (still open)
    O2  L2 via M2  closed_won 20 Apr, 2,000,000; history: qualification   open  9 Apr → 20 Apr
                   9 Apr, proposal 12 Apr — no closing row
    O3  L3 via M3  closed_won 25 Apr, 3,000,000; history: only the        open 11 Apr → 25 Apr
                   closed_won row of 25 Apr; created 11 Apr
    O4  L4, none   created 1 May, first exported 20 May as closed_won     open  1 May → 18 May
                   (closed_at 18 May), 1,000,000, no history
    O5  no lead    closed_lost 8 Apr, 500,000, created 5 Apr, no history  open  5 Apr →  8 Apr
    O6  no lead    closed_won 22 Apr, 10,000 USD (150 JPY per USD in April: 1,500,000)
    O7  no lead    closed_won 22 Apr, 10,000 EUR — no EUR rate: out of the amounts, counted
    M5  L5 by R1   agreed 10 May for 20 May; exported 25 May as cancelled
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import kpi_fixture
import pandas as pd
import pytest
from workspaces import run_nightly, workspace_for

pytestmark = pytest.mark.e2e

AS_OF = date(2026, 5, 15)


def _lead(lead_id: str) -> dict[str, str]:
    return {"lead_id": lead_id, "lead_type": "outbound", "channel": "リスト", "owner_rep_id": "R1",
            "created_at": "2026-04-01 09:00:00", "status": "contacted", "updated_at": "2026-04-01 09:00:00"}


def _meeting(meeting_id: str, lead_id: str, agreed: str, scheduled: str, status: str, updated: str) -> dict[str, str]:
    return {"meeting_id": meeting_id, "lead_id": lead_id, "set_by_rep_id": "R1", "fs_rep_id": "F1",
            "agreed_at": agreed, "scheduled_for": scheduled, "status": status, "updated_at": updated}


def _call(call_id: str, lead_id: str, started: str) -> dict[str, str]:
    return {"call_id": call_id, "rep_id": "R1", "lead_id": lead_id, "direction": "outbound",
            "started_at": started, "result": "effective", "talk_seconds": "60"}


ROWS = {
    "reps": [
        {"rep_id": "R1", "rep_name": "佐藤 太郎", "department": "is", "team": "東京SDR", "role": "sdr"},
        {"rep_id": "F1", "rep_name": "高橋 翔", "department": "fs", "team": "フィールドセールス", "role": "fs"},
    ],
    "leads": [_lead(f"L{n}") for n in range(1, 6)],
    "calls": [
        _call("C1", "L1", "2026-04-02 10:00:00"), _call("C2", "L2", "2026-04-02 11:00:00"),
        _call("C3", "L3", "2026-04-02 12:00:00"), _call("C4", "L5", "2026-05-08 10:00:00"),
        # the last day with data: the default build is as of 29 May
        _call("C5", "L5", "2026-05-29 10:00:00"),
    ],
    "meetings": [
        _meeting("M1", "L1", "2026-04-03 10:00:00", "2026-04-08 10:00:00", "held", "2026-04-08 12:00:00"),
        _meeting("M2", "L2", "2026-04-03 11:00:00", "2026-04-08 11:00:00", "held", "2026-04-08 12:00:00"),
        _meeting("M3", "L3", "2026-04-03 12:00:00", "2026-04-09 10:00:00", "held", "2026-04-09 12:00:00"),
        _meeting("M5", "L5", "2026-05-10 10:00:00", "2026-05-20 10:00:00", "cancelled", "2026-05-25 09:00:00"),
    ],
    "opportunities": [
        {"opportunity_id": "O1", "lead_id": "L1", "meeting_id": "M1", "owner_rep_id": "F1", "created_at": "2026-04-10 10:00:00",
         "stage": "proposal", "amount": "1000000", "updated_at": "2026-04-10 10:00:00"},
        {"opportunity_id": "O2", "lead_id": "L2", "meeting_id": "M2", "owner_rep_id": "F1", "created_at": "2026-04-09 10:00:00",
         "stage": "closed_won", "amount": "2000000", "closed_at": "2026-04-20 10:00:00", "is_won": "true",
         "updated_at": "2026-04-20 10:00:00"},
        {"opportunity_id": "O3", "lead_id": "L3", "meeting_id": "M3", "owner_rep_id": "F1", "created_at": "2026-04-11 10:00:00",
         "stage": "closed_won", "amount": "3000000", "closed_at": "2026-04-25 10:00:00", "is_won": "true",
         "updated_at": "2026-04-25 10:00:00"},
        {"opportunity_id": "O4", "lead_id": "L4", "owner_rep_id": "F1", "created_at": "2026-05-01 10:00:00",
         "stage": "closed_won", "amount": "1000000", "closed_at": "2026-05-18 10:00:00", "is_won": "true",
         "updated_at": "2026-05-20 10:00:00"},
        {"opportunity_id": "O5", "owner_rep_id": "F1", "created_at": "2026-04-05 10:00:00",
         "stage": "closed_lost", "amount": "500000", "closed_at": "2026-04-08 10:00:00", "is_won": "false",
         "updated_at": "2026-04-08 10:00:00"},
        {"opportunity_id": "O6", "owner_rep_id": "F1", "created_at": "2026-04-21 10:00:00", "stage": "closed_won",
         "amount": "10000", "currency": "USD", "closed_at": "2026-04-22 10:00:00", "updated_at": "2026-04-22 10:00:00"},
        {"opportunity_id": "O7", "owner_rep_id": "F1", "created_at": "2026-04-21 10:00:00", "stage": "closed_won",
         "amount": "10000", "currency": "eur", "closed_at": "2026-04-22 10:00:00", "updated_at": "2026-04-22 10:00:00"},
    ],
    "opportunity_stage_history": [
        {"opportunity_id": "O2", "stage": "qualification", "amount": "2000000", "changed_at": "2026-04-09 10:00:00"},
        {"opportunity_id": "O2", "stage": "proposal", "amount": "2000000", "changed_at": "2026-04-12 10:00:00"},
        {"opportunity_id": "O3", "stage": "closed_won", "amount": "3000000", "changed_at": "2026-04-25 10:00:00"},
    ],
    "targets": [
        {"period_month": "2026-04", "scope_type": "org", "scope_id": "all", "kpi": "revenue", "target_value": "10000000"},
        {"period_month": "2026-05", "scope_type": "org", "scope_id": "all", "kpi": "revenue", "target_value": "10000000"},
    ],
}

# local day -> org open pipeline at the end of it, from the intervals in the module docstring
EXPECTED_PIPELINE = {
    "2026-04-07": 500_000,                          # O5 (5–8 Apr)
    "2026-04-08": 0,                                # O5 lost at 10:00
    "2026-04-15": 1_000_000 + 2_000_000 + 3_000_000,  # O1 O2 O3
    "2026-04-20": 1_000_000 + 3_000_000,            # O2 won at 10:00, though history never says so
    "2026-04-24": 1_000_000 + 3_000_000,            # O3 open since its creation, before its only history row
    "2026-04-30": 1_000_000,                        # O1 alone
    "2026-05-15": 1_000_000 + 1_000_000,            # O1 O4
    "2026-05-29": 1_000_000,                        # O4 won on 18 May
}


def _frame(warehouse: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).df()


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> Path:
    return kpi_fixture.write(tmp_path_factory.mktemp("crm_exports"), ROWS)


def _with_usd_rate(warehouse: Path) -> Path:
    rates = workspace_for(warehouse).mappings_dir / "currency_rates.csv"
    rates.write_text(rates.read_text(encoding="utf-8") + "2026-04-01,USD,150\n", encoding="utf-8")
    return warehouse


@pytest.fixture(scope="module")
def full_build(exports, tmp_path_factory) -> Path:
    warehouse = _with_usd_rate(tmp_path_factory.mktemp("crm_full") / "iskpi.duckdb")
    outcome = run_nightly(exports, warehouse)
    assert outcome.success, outcome.message
    return warehouse


@pytest.fixture(scope="module")
def as_of_build(exports, tmp_path_factory) -> Path:
    warehouse = _with_usd_rate(tmp_path_factory.mktemp("crm_as_of") / "iskpi.duckdb")
    outcome = run_nightly(exports, warehouse, as_of=AS_OF)
    assert outcome.success, outcome.message
    return warehouse


def _org_month(warehouse: Path, month: str) -> pd.Series:
    return _frame(warehouse, f"select * from marts.kpi_monthly where scope_type = 'org' and month_start = '{month}'").iloc[0]


def test_pipeline_of_any_past_day_is_what_was_open_then(full_build):
    daily = _frame(full_build, "select date_day::varchar as day, sum(open_amount) as amount from marts.fct_pipeline_balance group by 1")
    amounts = dict(zip(daily.day, daily.amount.astype(float)))
    assert {day: amounts.get(day, 0.0) for day in EXPECTED_PIPELINE} == EXPECTED_PIPELINE
    assert float(_org_month(full_build, "2026-04-01").pipeline_amount) == 1_000_000
    may = _org_month(full_build, "2026-05-01")
    assert float(may.pipeline_amount) == 1_000_000
    assert float(may.pipeline_coverage) == 1_000_000 / 10_000_000  # O1 open when May began


def test_a_deal_without_history_moves_its_lead_through_the_funnel(full_build):
    lifecycle = _frame(full_build, "select lead_id, reached_sal, reached_sql, reached_won, first_sal_at::varchar as sal_at "
                                   "from marts.fct_lead_lifecycle order by lead_id").set_index("lead_id")
    assert lifecycle.loc["L1"].reached_sal and lifecycle.loc["L1"].reached_sql  # O1, proposal, no history
    assert lifecycle.loc["L3"].reached_won
    # L3's deal opened on 11 Apr: its SAL is dated then, not at the only history row (25 Apr)
    assert lifecycle.loc["L3"].sal_at.startswith("2026-04-11 01:00:00")  # 10:00 JST in UTC
    april = _org_month(full_build, "2026-04-01")
    assert april.valid_meetings == 3             # M1 M2 M3 held, each lead reached sal through its deal
    assert april.sal_to_sql_rate == 1.0          # L1 (proposal), L2 (proposal), L3 (won) ÷ the same three
    assert april.win_rate == 4 / 5               # O2 O3 O6 O7 won, O5 lost, all closed in April
    assert float(april.won_amount) == 6_500_000  # O2 + O3, each counted once, + O6 at 150 JPY per USD


def test_amounts_are_in_the_reporting_currency_and_a_deal_without_a_rate_is_counted_apart(full_build):
    april = _org_month(full_build, "2026-04-01")
    assert april.won_opportunities == 4 and april.won_opportunities_unconverted == 1  # O7, in EUR
    assert april.avg_deal_size == 6_500_000 / 3
    o6 = _frame(full_build, "select amount, amount_in_currency, currency from marts.fct_opportunity where opportunity_id = 'O6'").iloc[0]
    assert (float(o6.amount), float(o6.amount_in_currency), o6.currency) == (1_500_000, 10_000, "USD")
    unmapped = _frame(full_build, "select label, value, rows from marts.unmapped_labels where label = 'currency'")
    assert unmapped.values.tolist() == [["currency", "EUR", 1]]


def test_a_build_as_of_a_past_day_knows_nothing_that_happened_after_it(full_build, as_of_build):
    opportunity = _frame(as_of_build, "select is_closed, is_won, closed_at from marts.fct_opportunity where opportunity_id = 'O4'").iloc[0]
    assert not opportunity.is_closed and not opportunity.is_won and pd.isna(opportunity.closed_at)
    may = _org_month(as_of_build, "2026-05-01")
    assert float(may.won_amount) == 0 and pd.isna(may.win_rate)     # O4 was won on the 18th
    assert float(may.pipeline_amount) == 2_000_000                  # O1 and O4 open on the 15th
    assert may.meeting_cancel_rate == 0.0                           # M5 still scheduled on the 15th
    lead = _frame(as_of_build, "select reached_won from marts.fct_lead_lifecycle where lead_id = 'L4'").iloc[0]
    assert not lead.reached_won
    # the full build, as of 29 May, knows both
    full_may = _org_month(full_build, "2026-05-01")
    assert float(full_may.won_amount) == 1_000_000 and full_may.win_rate == 1.0
    assert full_may.meeting_cancel_rate == 1.0
