"""The Dagster graph: pinned asset keys, blocking checks, the nightly schedule."""

from __future__ import annotations

import json

import pytest
from dagster import AssetKey

from connectors.contract import entity_names


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    from orchestration.workspace import init_workspace

    return init_workspace(tmp_path_factory.mktemp("ws"))


@pytest.fixture(scope="module")
def defs(workspace):
    """What `ISKPI_WORKSPACE=DIR dagster dev -m orchestration.definitions` loads."""
    from orchestration.definitions import defs as load_defs

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


def test_the_schedule_follows_the_workspaces_settings():
    from orchestration.defs.schedules import nightly_schedule
    from orchestration.settings import Settings

    schedule = nightly_schedule(Settings(nightly_cron="30 3 * * 1-5", business_time_zone="UTC"))
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("30 3 * * 1-5", "UTC")


def test_every_raw_table_is_loaded_by_one_step(defs):
    """Thirteen steps each paid Dagster's and the database's start-up; one loads them all."""
    ingest = defs.resolve_assets_def(AssetKey(["raw", "calls"]))
    assert {AssetKey(["raw", e]) for e in entity_names()} | {AssetKey(["raw", "jp_public_holidays"])} == set(ingest.keys)


def test_the_project_is_parsed_again_only_when_what_it_is_parsed_from_changed(defs, workspace):
    from orchestration.transform.dbt_parse import ensure_dbt_manifest
    from orchestration.workspace import load_workspace

    manifest = ensure_dbt_manifest(workspace)  # parsed when the definitions were loaded
    parsed = manifest.stat().st_mtime_ns
    assert ensure_dbt_manifest(load_workspace(workspace.root)).stat().st_mtime_ns == parsed

    config = workspace.config_file.read_text(encoding="utf-8")
    assert "sla_minutes: 5\n" in config
    workspace.config_file.write_text(config.replace("sla_minutes: 5\n", "sla_minutes: 7\n"), encoding="utf-8")
    try:
        assert ensure_dbt_manifest(load_workspace(workspace.root)).stat().st_mtime_ns > parsed  # a setting dbt reads
    finally:
        workspace.config_file.write_text(config, encoding="utf-8")


class _Parsed(Exception):
    """The project was parsed."""


def test_a_workspace_like_another_takes_its_parse_moved_to_its_own_folder(workspace, tmp_path, monkeypatch):
    """A second workspace with the same project, mappings and settings does not parse (~8 s): it
    takes the first one's parse, every path in it moved to its own project copy. A mapping of its
    own makes it parse."""
    from orchestration.defs.dbt_runner import load_parsed_manifest
    from orchestration.transform import dbt_parse
    from orchestration.workspace import init_workspace

    dbt_parse.ensure_dbt_manifest(workspace)
    other = init_workspace(tmp_path / "other")

    def parse(*_, **__):
        raise _Parsed

    monkeypatch.setattr(dbt_parse, "parse_project", parse)
    manifest = dbt_parse.ensure_dbt_manifest(other)
    project = str(dbt_parse.workspace_dbt_dir(other.root) / "project")
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"].values()
    assert {node["root_path"] for node in nodes if "root_path" in node} == {project}
    moved = load_parsed_manifest(manifest.parent).nodes.values()
    assert {node.root_path for node in moved if getattr(node, "root_path", None)} == {project}
    for artifact in ("manifest.json", "partial_parse.msgpack", "semantic_manifest.json"):
        assert str(workspace.root).encode() not in (manifest.parent / artifact).read_bytes(), artifact

    channels = other.mappings_dir / "channels.csv"
    channels.write_text(channels.read_text(encoding="utf-8") + "展示会2027,event,outbound\n", encoding="utf-8")
    with pytest.raises(_Parsed):
        dbt_parse.ensure_dbt_manifest(other)
