"""The Dagster graph: pinned asset keys, blocking checks, the nightly schedule."""

from __future__ import annotations

import pytest
from dagster import AssetKey

from connectors.contract import entity_names


@pytest.fixture(scope="module")
def defs(tmp_path_factory):
    """What `ISKPI_WORKSPACE=DIR dagster dev -m orchestration.definitions` loads."""
    from orchestration.definitions import defs as load_defs
    from orchestration.workspace import init_workspace

    workspace = init_workspace(tmp_path_factory.mktemp("ws"))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ISKPI_WORKSPACE", str(workspace.root))
        return load_defs()


def test_definitions_assemble_the_whole_graph(defs):

    keys = {k.to_user_string() for k in defs.resolve_all_asset_keys()}
    assert {f"raw/{e}" for e in entity_names()} <= keys
    assert {"raw/jp_public_holidays", "marts/kpi_daily", "marts/dim_rep", "marts/dim_date", "published_warehouse"} <= keys
    assert {"marts/kpi_targets_vs_actuals", "marts/kpi_bottleneck", "marts/kpi_period_comparison", "marts/open_sal_forecast",
            "marts/kpi_plan", "manager_sheets"} <= keys
    graph = defs.resolve_asset_graph()
    checks = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    for entity in entity_names():
        assert (f"raw/{entity}", "input_rules") in checks
        assert (f"raw/{entity}", "rows_reconcile") in checks
    assert any(asset == "marts/kpi_daily" for asset, _ in checks)  # dbt tests became checks
    for model in ("int_calls_dispositioned", "int_email_messages_rolled_up"):
        assert (f"intermediate/{model}", "unresolved_leads") in checks
    # the sheets are written from what was published, never from a half-built state
    assert AssetKey(["published_warehouse"]) in graph.get(AssetKey(["manager_sheets"])).parent_keys
    # dbt sources resolve onto the ingest assets, so ingest runs before dbt without manual wiring
    assert AssetKey(["raw", "calls"]) in graph.get(AssetKey(["staging", "stg_raw__calls"])).parent_keys


def test_nightly_schedule_runs_at_two_in_tokyo(defs):
    schedule = defs.resolve_schedule_def("nightly_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Tokyo"
    assert schedule.job_name == "nightly"
