"""Runs of the nightly job in throwaway workspaces: every test's warehouse lives in a workspace of
its own (the folder that holds it), created on first use with the default mappings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from orchestration.nightly import NightlyOutcome
from orchestration.nightly import run_nightly as run_workspace
from orchestration.thresholds import BlockingThresholds
from orchestration.workspace import CONFIG_FILE, Workspace, init_workspace, load_workspace


def workspace_for(warehouse: Path, input_dir: Path | None = None, **settings: object) -> Workspace:
    """The workspace around `warehouse` (its folder), reading `input_dir`."""
    root = warehouse.parent
    workspace = load_workspace(root) if (root / CONFIG_FILE).exists() else init_workspace(root)
    overrides = {"warehouse": str(warehouse.resolve()), **settings}
    if input_dir is not None:
        overrides["input_dir"] = str(input_dir.resolve())
    return workspace.with_overrides(**overrides)


def run_nightly(
    input_dir: Path, warehouse: Path, thresholds: BlockingThresholds = BlockingThresholds(), as_of: date | None = None
) -> NightlyOutcome:
    workspace = workspace_for(
        warehouse, input_dir, max_quarantine_share=thresholds.max_quarantine_share,
        max_rejected_files=thresholds.max_rejected_files, max_unresolved_share=thresholds.max_unresolved_share,
    )
    return run_workspace(workspace, as_of)


def load_settings(folder: Path, max_quarantine_share: float = 1.0, mappings_dir: Path | None = None):
    """What one entity's load needs, with the default mappings and settings: for tests of the
    loader itself, without a Dagster run."""
    from datetime import timedelta

    from connectors.sql import DuckDBLimits
    from orchestration.loading import LoadSettings
    from orchestration.paths import DEFAULT_MAPPINGS_DIR
    from orchestration.workspace import Settings

    return LoadSettings(
        work_db=folder / "work.duckdb", limits=DuckDBLimits(temp_directory=str(folder / "tmp")), scratch_dir=folder / "scratch", mappings_dir=mappings_dir or DEFAULT_MAPPINGS_DIR,
        business_time_zone=Settings.business_time_zone, max_quarantine_share=max_quarantine_share,
        future_tolerance=timedelta(hours=Settings.future_tolerance_hours),
    )
