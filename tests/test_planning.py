"""Planning formulas of SPEC §6 with its worked examples, the business-day calendar, and the
Excel-safe CSV of the manager's sheets. Fast: no warehouse is built here."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pandas as pd
import pytest
from click.testing import CliRunner

from connectors.calendar import BusinessCalendar
from orchestration import planning
from orchestration.cli.main import main
from orchestration.sheets.writers import neutralise, write_csv


def test_reverse_plan_of_the_spec():
    # 10 wins at 25% → 40 meetings; at 10% → 400 effective contacts; at 30% → 1,333.3 → 1,334 dials
    plan = planning.reverse_plan(10, 0.25, 0.10, 0.30, business_days=21)
    assert (plan.meetings, plan.effective_contacts, plan.dials) == (40, 400, 1334)
    assert plan.dials_per_business_day == 64  # 1,334 ÷ 21 business days of April 2026 = 63.5


def test_pipeline_plan_of_the_spec_without_the_arithmetic_slip():
    plan = planning.pipeline_plan(10_000_000, 0.25, 1_000_000, 0.8, 3, 6, "2025Q1")
    assert plan.pipeline_amount == 40_000_000
    assert plan.needed_by_quarter == "2024Q3"
    assert (plan.sqls, plan.sals, plan.qualification_calls) == (40, 50, 150)  # not 500 SAL and 1,500 QCs


def test_counts_are_rounded_up_exactly():
    assert planning.required(40, 0.1) == 400  # float division would give 400.00000000000006 → 401
    assert planning.required(400, 0.3) == 1334
    assert planning.required(7, 1) == 7
    assert planning.required(Fraction(1, 3), Fraction(1, 3)) == 1


@pytest.mark.parametrize(("quarter", "months", "earlier"), [
    ("2025Q1", 6, "2024Q3"), ("2025Q1", 3, "2024Q4"), ("2025Q3", 6, "2025Q1"), ("2025Q1", 12, "2024Q1"), ("2025Q2", 0, "2025Q2"),
])
def test_quarter_shift(quarter, months, earlier):
    assert planning.shift_quarter(quarter, months) == earlier


def test_business_days_skip_weekends_public_and_company_holidays():
    from orchestration.paths import DEFAULT_MAPPINGS_DIR

    calendar = BusinessCalendar.from_mappings(DEFAULT_MAPPINGS_DIR)
    business_days_in_month, is_business_day = calendar.business_days_in_month, calendar.is_business_day
    assert business_days_in_month(2026, 4) == 21  # 29 April, 昭和の日
    assert business_days_in_month(2026, 5) == 18  # Golden Week: 4, 5 and 6 May (振替休日)
    assert not any(is_business_day(date(2026, 5, d)) for d in (2, 3, 4, 5, 6))
    assert is_business_day(date(2026, 5, 7))
    # August 2026: 21 weekdays, 山の日 on the 11th, company summer holidays on the 13th and 14th (seed)
    assert business_days_in_month(2026, 8) == 18


def test_iskpi_plan_prints_the_spec_examples():
    runner = CliRunner()
    reverse = runner.invoke(main, ["plan", "--wins", "10", "--win-rate", "0.25", "--meeting-conversion-rate", "0.10",
                                   "--connect-rate", "0.30", "--month", "2026-04"])
    assert reverse.exit_code == 0, reverse.output
    lines = {" ".join(line.split()[:-1]): line.split()[-1] for line in reverse.output.splitlines()[1:5]}
    assert lines == {"wins": "10", "meetings": "40", "effective contacts": "400", "dials": "1,334"}
    assert "dials per business day 64 (21 business days)" in " ".join(reverse.output.split())
    pipeline = runner.invoke(main, ["plan", "--revenue", "10000000", "--win-rate", "0.25", "--avg-deal-size", "1000000",
                                    "--sal-to-sql-rate", "0.8", "--qc-per-sal", "3", "--lead-time-months", "6", "--quarter", "2025Q1"])
    assert pipeline.exit_code == 0, pipeline.output
    words = " ".join(pipeline.output.split())
    assert "pipeline needed 40,000,000 JPY by 2024Q3" in words
    assert "SQL 40" in words and "SAL 50" in words and "qualification calls 150" in words


def test_iskpi_plan_without_rates_or_warehouse_says_what_to_do(tmp_path):
    result = CliRunner().invoke(main, ["plan", "--wins", "10", "--warehouse", str(tmp_path / "none.duckdb")])
    assert result.exit_code != 0
    assert "give it on the command line, or run `iskpi run`" in result.output


@pytest.mark.parametrize(("cell", "safe"), [
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("+SUM(1+1)", "'+SUM(1+1)"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("東京SDR", "東京SDR"),
    ("12.5%", "12.5%"),
    (-5, -5),
    (3.5, 3.5),
])
def test_formula_cells_are_neutralised_and_numbers_kept(cell, safe):
    assert neutralise(cell) == safe


def test_csv_is_utf8_with_bom_or_cp932_and_neutralised(tmp_path):
    frame = pd.DataFrame({"=scope": ["=HYPERLINK(\"x\")", "大阪BDR"], "value": [-3, 4]})
    utf8 = write_csv(frame, tmp_path / "utf8.csv").read_bytes()
    assert utf8.startswith(b"\xef\xbb\xbf")
    assert utf8.decode("utf-8-sig").splitlines() == ["'=scope,value", "\"'=HYPERLINK(\"\"x\"\")\",-3", "大阪BDR,4"]
    cp932 = write_csv(frame, tmp_path / "cp932.csv", encoding="cp932").read_bytes()
    assert cp932.decode("cp932").splitlines()[2] == "大阪BDR,4"


def test_iskpi_run_passes_the_as_of_date_thresholds_and_full_refresh(monkeypatch, tmp_path):
    import orchestration.nightly as nightly
    from orchestration.settings import Settings
    from orchestration.workspace import init_workspace

    calls = []
    monkeypatch.setattr(nightly, "run_nightly", lambda *args: calls.append(args) or nightly.NightlyOutcome(True, "ok"))
    workspace = init_workspace(tmp_path / "ws")
    result = CliRunner().invoke(main, ["--workspace", str(workspace.root), "run", "--input", str(tmp_path),
                                       "--warehouse", str(tmp_path / "wh.duckdb"),
                                       "--as-of", "2026-05-15", "--max-unresolved-share", "0.5"])
    assert result.exit_code == 0, result.output
    rebuilt = CliRunner().invoke(main, ["--workspace", str(workspace.root), "run", "--full-refresh"])
    assert rebuilt.exit_code == 0, rebuilt.output
    (given, as_of, full_refresh), (_, _, asked_full_refresh) = calls
    assert as_of == date(2026, 5, 15) and not full_refresh and asked_full_refresh
    assert (given.settings.max_quarantine_share, given.settings.max_rejected_files, given.settings.max_unresolved_share) == (
        Settings.max_quarantine_share, Settings.max_rejected_files, 0.5)
    assert (given.input_dir, given.warehouse) == (tmp_path.resolve(), (tmp_path / "wh.duckdb").resolve())


@pytest.mark.parametrize(("as_of", "week"), [
    (date(2026, 6, 30), date(2026, 6, 22)),  # a Tuesday: the week before, the last whole one
    (date(2026, 6, 28), date(2026, 6, 22)),  # a Sunday ends its own week
    (date(2026, 6, 29), date(2026, 6, 22)),  # a Monday: one day is no week yet
])
def test_the_weekly_sheet_compares_whole_weeks(as_of, week):
    from orchestration.sheets.queries import last_complete_week

    assert last_complete_week(as_of) == week


def test_changes_read_as_japanese_reports_write_them():
    from orchestration.sheets.formatting import format_change

    assert format_change("connect_rate", -0.006) == "▲0.6pt"
    assert format_change("dials", -873) == "▲873"
    assert format_change("is_sourced_won_amount", 2_200_000.0) == "+2,200,000円"
    assert format_change("meetings_set", None) == ""
