"""Resources: where the exports are, the working database, the published warehouse, dbt."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource, DbtProject

from orchestration.loading import LoadSettings
from orchestration.thresholds import BlockingThresholds
from orchestration.paths import DBT_PROJECT_DIR


class WarehouseResource(ConfigurableResource):
    """Paths and load settings of one warehouse.

    The nightly build writes only the working database (`<warehouse dir>/.work/`); BI reads the
    published file, which is replaced in one atomic step at the end of a good run.
    """

    input_dir: str
    warehouse_path: str
    business_time_zone: str = "Asia/Tokyo"
    max_quarantine_share: float = BlockingThresholds.max_quarantine_share
    max_rejected_files: int = BlockingThresholds.max_rejected_files
    max_unresolved_share: float = BlockingThresholds.max_unresolved_share
    future_tolerance_hours: float = 24.0
    # the local date the marts report as of (YYYY-MM-DD): what was known by the end of that day;
    # unset, the last day with data, never the clock
    as_of_date: str | None = None

    @property
    def input_dir_path(self) -> Path:
        return Path(self.input_dir).resolve()

    @property
    def published(self) -> Path:
        return Path(self.warehouse_path).resolve()

    @property
    def reports_dir(self) -> Path:
        return self.published.parent / "reports"

    @property
    def work_dir(self) -> Path:
        return self.published.parent / ".work"

    @property
    def work_db(self) -> Path:
        return self.work_dir / f"{self.published.stem}.work.duckdb"

    def load_settings(self) -> LoadSettings:
        return LoadSettings(
            work_db=self.work_db,
            scratch_dir=self.work_dir / "transcoded",
            business_time_zone=self.business_time_zone,
            max_quarantine_share=self.max_quarantine_share,
            future_tolerance=timedelta(hours=self.future_tolerance_hours),
        )


# Always the working database: the `published` target is for readers (mf query), never for builds.
DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target="work")


def dbt_resource() -> DbtCliResource:
    # The dbt next to this interpreter: `.venv/bin/iskpi` must work without an activated venv.
    return DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=str(Path(sys.executable).with_name("dbt")))


def prepare_dbt_manifest() -> Path:
    """Parse the dbt project into the manifest the dbt assets are built from (explicit, for the
    tests and CI)."""
    dbt_resource().cli(["parse", "--quiet"], target_path=DBT_PROJECT.target_path).wait()
    return DBT_PROJECT.manifest_path


def _manifest_is_stale() -> bool:
    """True when the manifest is missing or older than any file of the dbt project, so an
    edited model, seed or yml is never run against the definitions of the previous parse."""
    manifest = DBT_PROJECT.manifest_path
    if not manifest.exists():
        return True
    parsed_at = manifest.stat().st_mtime
    sources = [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    for folder in ("models", "macros", "seeds", "tests"):
        sources.extend(p for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.is_file())
    return any(p.stat().st_mtime > parsed_at for p in sources if p.exists())


def ensure_dbt_manifest() -> Path:
    """Parse the project only when a file of it changed since the last parse."""
    return prepare_dbt_manifest() if _manifest_is_stale() else DBT_PROJECT.manifest_path


# at load, also under `dagster dev`: a stale manifest would run edited models against old definitions
ensure_dbt_manifest()
