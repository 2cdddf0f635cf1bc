"""Runs of the nightly job in throwaway workspaces: every test's warehouse lives in a workspace of
its own (the folder that holds it), created on first use with the default mappings."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import date
from pathlib import Path

from orchestration.nightly import NightlyOutcome
from orchestration.nightly import run_nightly as run_workspace
from orchestration.transform.dbt_parse import dbt_executable, materialise_dbt_project
from orchestration.workspace import CONFIG_FILE, Workspace, init_workspace, load_workspace


def workspace_for(warehouse: Path, input_dir: Path | None = None, **settings: object) -> Workspace:
    """The workspace around `warehouse` (its folder), reading `input_dir`."""
    root = warehouse.parent
    workspace = load_workspace(root) if (root / CONFIG_FILE).exists() else init_workspace(root)
    overrides = {"warehouse": str(warehouse.resolve()), **settings}
    if input_dir is not None:
        overrides["input_dir"] = str(input_dir.resolve())
    return workspace.with_overrides(**overrides)


def dbt_by_hand(
    workspace_dir: Path, work_db: Path, target: Path, *arguments: str, variables: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """dbt run on the workspace's project copy (the one its nightly build ran) against `work_db`, with
    the workspace's settings as vars, writing to a target folder of its own; `variables`: more of the
    environment profiles.yml reads."""
    project_dir = materialise_dbt_project(workspace_dir)
    env = {**os.environ, **(variables or {}), "ISKPI_WORK_DB": str(work_db), "DBT_PROFILES_DIR": str(project_dir),
           "DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(target)}
    command, *rest = arguments
    settings = json.dumps(load_workspace(workspace_dir).settings.dbt_vars())  # as every parse and build passes them
    return subprocess.run([dbt_executable(), command, "--vars", settings, *rest], cwd=project_dir, env=env, capture_output=True, text=True)


def run_nightly(input_dir: Path, warehouse: Path, as_of: date | None = None, **settings: object) -> NightlyOutcome:
    """The nightly job over `input_dir` into `warehouse`, its workspace's settings overridden by `settings`."""
    return run_workspace(workspace_for(warehouse, input_dir, **settings), as_of)


def as_if_never_published(warehouse: Path) -> None:
    """Take away the mark that the last build reached readers, as a publish step that failed does:
    the next night builds again though nothing is new."""
    from connectors.sql import DuckDBLimits
    from orchestration.ingest.loading import connect
    from orchestration.transform.build_state import record_published

    work = warehouse.parent / ".iskpi" / "work"
    with connect(work / f"{warehouse.stem}.work.duckdb", DuckDBLimits(temp_directory=str(work / "tmp"))) as con:
        record_published(con, None)


def load_settings(folder: Path, max_quarantine_share: float = 1.0, mappings_dir: Path | None = None):
    """What one entity's load needs, with the default mappings and settings: for tests of the
    loader itself, without a Dagster run. Great Expectations' engine cross-checks every load, so
    any file of these tests on which it and the gate's SQL disagree fails the test."""
    from datetime import timedelta

    from connectors.sql import DuckDBLimits
    from orchestration.ingest.loading import LoadSettings
    from orchestration.paths import DEFAULT_MAPPINGS_DIR
    from orchestration.settings import Settings

    return LoadSettings(
        work_db=folder / "work.duckdb", limits=DuckDBLimits(temp_directory=str(folder / "tmp")), scratch_dir=folder / "scratch",
        mappings_dir=mappings_dir or DEFAULT_MAPPINGS_DIR,
        business_time_zone=Settings.business_time_zone, max_quarantine_share=max_quarantine_share,
        future_tolerance=timedelta(hours=Settings.future_tolerance_hours), great_expectations_cross_check=True,
    )


def fresh_database(postgresql_proc, name: str) -> str:
    """A database of that name, empty, on the PostgreSQL server pytest-postgresql started: its dsn."""
    import psycopg

    server = dict(host=postgresql_proc.host, port=postgresql_proc.port, user=postgresql_proc.user)
    with psycopg.connect(**server, dbname="postgres", autocommit=True) as admin:
        admin.execute(f"drop database if exists {name}")
        admin.execute(f"create database {name}")
    return psycopg.conninfo.make_conninfo(**server, dbname=name)
