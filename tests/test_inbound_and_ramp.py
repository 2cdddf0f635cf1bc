"""The inbound line and the ramp of new reps on a hand-counted team (tests/inbound_and_ramp_team.py):
kpi_inbound and kpi_rep_ramp equal the hand counts, the semantic layer answers the same answer
rate, and the daily and monthly sheets show them."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import duckdb
import inbound_and_ramp_team as team
import pandas as pd
import pytest
from workspaces import run_nightly

from orchestration.sheets.formatting import kpi_labels
from orchestration.sheets.queries import Warehouse, daily_sheet, monthly_sheet

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    exports = team.write(tmp_path_factory.mktemp("inbound_and_ramp_exports"))
    warehouse = tmp_path_factory.mktemp("inbound_and_ramp") / "iskpi.duckdb"
    outcome = run_nightly(exports, warehouse, as_of=team.AS_OF)
    assert outcome.success, outcome.message
    return warehouse


def _rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).fetchall()


def test_the_inbound_line_is_the_hand_count_for_the_org_the_team_and_the_rep(warehouse):
    columns = ("inbound_calls, answered_calls, missed_calls, repeat_judged_24h, repeat_calls_24h, repeat_judged_7d, repeat_calls_7d, "
               "missed_calls_called_back, callback_minutes_median")
    for scope in ("scope_type = 'org'", "scope_id = '東京SDR'", "scope_id = 'R1'"):
        got = {str(day): tuple(rest) for day, *rest in _rows(
            warehouse, f"select activity_date, {columns} from marts.kpi_inbound where {scope} order by activity_date")}
        assert got == team.INBOUND, scope
    rates = {str(day): (answer, again) for day, answer, again in _rows(
        warehouse, "select activity_date, answer_rate, repeat_call_rate_7d from marts.kpi_inbound where scope_type = 'org'")}
    assert rates["2026-04-20"] == (2 / 3, 2 / 3) and rates["2026-04-24"] == (0.0, None)
    # the call-backs are dials too; the inbound calls are not
    assert _rows(warehouse, "select sum(dials) from marts.kpi_daily where rep_id = 'R1' and activity_date >= '2026-04-01'") == [(40,)]


def test_the_semantic_layer_answers_the_same_answer_rate(warehouse, tmp_path):
    from click.testing import CliRunner

    from orchestration.cli.main import main

    out = tmp_path / "inbound.csv"
    completed = CliRunner().invoke(main, ["--workspace", str(warehouse.parent), "metrics", "answer_rate,inbound_calls,repeat_call_rate_24h",
                                          "--group-by", "metric_time__day", "--warehouse", str(warehouse), "--csv", str(out)])
    assert completed.exit_code == 0, completed.output
    answers = pd.read_csv(out)
    by_day = {day[:10]: (rate, calls, again) for day, rate, calls, again in zip(
        answers["metric_time__day"], answers["answer_rate"], answers["inbound_calls"], answers["repeat_call_rate_24h"])}
    assert by_day == {"2026-04-20": (2 / 3, 3, 1 / 3), "2026-04-24": (0.0, 1, 0.0), "2026-04-28": (0.0, 1, 0.0)}


def test_the_ramp_is_each_reps_month_since_start_against_the_team_and_org_medians(warehouse):
    rows = _rows(warehouse, "select rep_id, months_since_start, value, team_median, team_reps_in_median, org_median "
                            "from marts.kpi_rep_ramp where kpi = 'dials' and is_complete_month")
    assert {(rep, n): value for rep, n, value, *_ in rows} == {
        (rep, n): dials for rep, months in team.DIALS_BY_MONTH_SINCE_START.items() for n, dials in months.items()}
    for rep, n, _, team_median, reps_in_median, org_median in rows:
        assert org_median == team.ORG_MEDIAN[n]
        if rep != "R9":
            assert team_median == team.TOKYO_MEDIAN[n]
            assert reps_in_median == sum(n in months for r, months in team.DIALS_BY_MONTH_SINCE_START.items() if r != "R9")
    r3 = _rows(warehouse, "select relative_to_team_median from marts.kpi_rep_ramp "
                          "where rep_id = 'R3' and kpi = 'dials' and month_start = '2026-04-01'")
    assert math.isclose(r3[0][0], 12 / 16)


def test_the_sheets_show_the_inbound_line_and_where_each_new_rep_stands(warehouse):
    daily = daily_sheet(Warehouse(warehouse), date(2026, 4, 20), kpi_labels())
    inbound = next(t for t in daily.tables if t.slug == "inbound").values
    assert list(inbound["着信数 (inbound calls)"]) == [3, 3] and list(inbound["不在着信 (missed)"]) == [1, 1]  # org, 東京SDR
    monthly = monthly_sheet(Warehouse(warehouse), team.AS_OF, kpi_labels(), [])
    new_reps = next(t for t in monthly.tables if t.slug == "new_reps").values
    dials = kpi_labels()["dials"]
    stands = {rep: (n, value, median) for rep, n, value, median in zip(
        new_reps["担当者ID (rep ID)"], new_reps["入社何か月目 (month since start)"], new_reps[dials],
        new_reps[f"{dials} — チーム中央値 (team median)"])}
    assert stands == {"R1": (4, 40, 40), "R2": (3, 26, 28), "R3": (2, 12, 16), "R9": (4, 100, 100)}
