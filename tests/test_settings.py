"""The settings: one object (orchestration/settings.py) that iskpi.yml, its docs, dbt's vars and the
Dagster resources all come from, each default written once."""

from __future__ import annotations

import re
from dataclasses import fields

import yaml

from orchestration.defs.resources import WarehouseResource
from orchestration.paths import DBT_PROJECT_DIR
from orchestration.settings import SETTINGS_REFERENCE_MD, Settings, render_reference
from orchestration.workspace import CONFIG_FILE, init_workspace, load_workspace


def test_the_settings_page_is_rendered_from_the_settings():
    assert SETTINGS_REFERENCE_MD.read_text(encoding="utf-8") == render_reference(), "regenerate with: iskpi kpi-reference"


def test_a_new_workspaces_iskpi_yml_holds_every_setting_and_reads_back_as_chosen(tmp_path):
    default = init_workspace(tmp_path / "default")
    written = yaml.safe_load((default.root / CONFIG_FILE).read_text(encoding="utf-8"))
    assert list(written) == [f.name for f in fields(Settings)]
    assert load_workspace(default.root).settings == Settings()
    chosen = init_workspace(tmp_path / "chosen", sla_minutes=10, engine="spark", duckdb_threads=3, great_expectations_cross_check=True)
    assert load_workspace(chosen.root).settings == Settings(sla_minutes=10, engine="spark", duckdb_threads=3,
                                                           great_expectations_cross_check=True)


def test_the_dbt_project_declares_no_setting_and_reads_no_var_it_is_not_given():
    declared = set(yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"])
    settings = set(Settings().dbt_vars())
    assert not declared & settings, "a setting's default belongs in orchestration/settings.py alone"
    sql = "\n".join(p.read_text(encoding="utf-8") for p in DBT_PROJECT_DIR.rglob("*.sql"))
    read = set(re.findall(r"var\(['\"]([a-z_]+)['\"]", sql)) | {f"target_{level}" for level in ("stretch", "achievable", "floor")}
    assert read - {"target_"} <= declared | settings


def test_the_dagster_resource_reads_the_workspaces_settings_whole(tmp_path):
    workspace = init_workspace(tmp_path / "ws").with_overrides(max_unresolved_share=0.5, duckdb_memory_limit="1GB", sla_minutes=7)
    warehouse = WarehouseResource.for_workspace(workspace, as_of_date="2026-05-01")
    assert warehouse.settings == workspace.settings
    assert warehouse.duckdb_limits.memory_limit == "1GB"
    assert '"sla_minutes": 7' in warehouse.dbt_vars and '"as_of_date": "2026-05-01"' in warehouse.dbt_vars
