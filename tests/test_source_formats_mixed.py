"""A team on Salesforce + MiiTel + Account Engagement (with its meetings, own e-mails and targets
still in the template) gets the KPIs of the same team written in the template: the hand-worked
numbers of kpi_fixture, and the template run's marts, row for row."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import kpi_fixture
import pandas as pd
import pytest
import vendor_exports
from workspaces import run_nightly

pytestmark = pytest.mark.e2e

COMPARED_MARTS = {
    "kpi_daily": "activity_date, rep_id",
    "kpi_monthly": "month_start, scope_type, scope_id",
    "kpi_weekly": "week_start, scope_type, scope_id",
    "kpi_channel_funnel": "all",
    "kpi_stage_days": "all",
}


def _run(exports: Path, tmp_path_factory) -> Path:
    warehouse = tmp_path_factory.mktemp(f"{exports.name}_warehouse") / "iskpi.duckdb"
    outcome = run_nightly(exports, warehouse)
    assert outcome.success, outcome.message
    return warehouse


@pytest.fixture(scope="module")
def mixed_warehouse(tmp_path_factory) -> Path:
    return _run(vendor_exports.write(tmp_path_factory.mktemp("mixed_exports")), tmp_path_factory)


@pytest.fixture(scope="module")
def template_warehouse(fixture_run) -> Path:
    return fixture_run[1]


def _frame(warehouse: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).df()


def _work_db(warehouse: Path) -> Path:
    return warehouse.parent / ".iskpi" / "work" / f"{warehouse.stem}.work.duckdb"


def test_every_vendor_file_is_recognised_and_reconciled(mixed_warehouse):
    loads = _frame(_work_db(mixed_warehouse), """
        select file_name, entity, status, rows_read, rows_loaded, rows_quarantined, exact_duplicates, source_rows, source_format
        from audit.load_files where source_format <> 'template'
    """)
    got = {(r.file_name, r.entity): (r.rows_read, r.source_rows) for r in loads.itertuples()}
    assert got == vendor_exports.EXPECTED_LOADS
    assert (loads.status == "loaded").all()
    assert (loads.rows_loaded == loads.rows_read).all(), loads[loads.rows_loaded != loads.rows_read]


@pytest.mark.parametrize("scope", list(kpi_fixture.EXPECTED), ids=lambda s: "/".join(s))
def test_kpis_equal_the_hand_worked_numbers(mixed_warehouse, scope):
    month, scope_type, scope_id = scope
    rows = _frame(mixed_warehouse, f"select * from marts.kpi_monthly where month_start = '{month}' "
                                   f"and scope_type = '{scope_type}' and scope_id = '{scope_id}'")
    assert len(rows) == 1
    row = rows.iloc[0]

    def close(want, got) -> bool:
        if want is None:
            return got is None or (isinstance(got, float) and math.isnan(got))
        return got is not None and not pd.isna(got) and math.isclose(float(got), want, rel_tol=1e-9, abs_tol=1e-9)

    wrong = {kpi: (want, row[kpi]) for kpi, want in kpi_fixture.EXPECTED[scope].items() if not close(want, row[kpi])}
    assert not wrong, f"{scope}: (want, got) {wrong}"


@pytest.mark.parametrize("mart", list(COMPARED_MARTS))
def test_marts_equal_the_template_run(mixed_warehouse, template_warehouse, mart):
    order = COMPARED_MARTS[mart]
    mixed = _frame(mixed_warehouse, f"select * from marts.{mart} order by {order}")
    template = _frame(template_warehouse, f"select * from marts.{mart} order by {order}")
    assert len(mixed) > 0
    pd.testing.assert_frame_equal(mixed, template, check_exact=False, rtol=1e-12)


def test_vendor_users_resolve_to_reps_by_email(mixed_warehouse):
    calls = _frame(mixed_warehouse, "select rep_id, count(*) as calls from marts.fct_call group by all order by rep_id")
    assert dict(zip(calls.rep_id, calls.calls)) == {"F1": 2, "R1": 7, "R2": 4}
    owners = _frame(mixed_warehouse, "select distinct fs_rep_id from marts.fct_opportunity order by 1")
    assert owners.fs_rep_id.tolist() == ["F1"]
