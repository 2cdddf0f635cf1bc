"""Resources: the workspace's folders and settings, the working database, the published warehouse, dbt."""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import shutil
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from functools import cached_property
from pathlib import Path

from dagster import ConfigurableResource, InitResourceContext
from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt.compat import DBT_PYTHON_VERSION
from pydantic import PrivateAttr

from connectors.files import private_folder
from connectors.source_formats import SourceFormat, available_formats
from connectors.sql import DuckDBLimits
from orchestration.defs.dbt_runner import InProcessDbtResource
from orchestration.ingest.loading import LoadSettings
from orchestration.run_lock import exclusive_run
from orchestration.settings import Settings
from orchestration.transform.build_state import destinations_digest
from orchestration.transform.dbt_parse import dbt_executable, parse_dir
from orchestration.transform.spark import SPARK_SESSION_TARGET, WORK_TARGET, dbt_target_for, spark_environment
from orchestration.workspace import SOURCES_DIR, Workspace, settled_work_dir, synced_dir_for, work_db_for, work_dir_for


class WarehouseResource(ConfigurableResource):
    """One workspace's run: where its exports, mappings and warehouse are, and its settings.

    The nightly build writes only the working database (`.iskpi/work/`); BI reads the
    published file, which is replaced in one atomic step at the end of a good run. The run holds
    the warehouse's run lock from start to end (also under `dagster dev`).
    """

    workspace_dir: str
    input_dirs: list[str]
    warehouse_path: str
    # the workspace's iskpi.yml (orchestration/settings.py), as JSON: every setting is read from it
    settings_json: str
    # absolute; None: the work folder's tmp/
    duckdb_temp_directory: str | None
    # the local date the marts report as of (YYYY-MM-DD): what was known by the end of that day;
    # unset, the last day with data, never the clock
    as_of_date: str | None = None
    # rebuild every incremental model from all history (`iskpi run --full-refresh`)
    full_refresh: bool = False
    # PostgreSQL publishing (None: off)
    postgres_dsn: str | None = None
    # `iskpi run`'s log file: dbt's output goes there too (under `dagster dev`, to Dagster's compute logs)
    run_log: str | None = None
    # the profiles.yml target dbt builds with, and on Spark the environment that target reads and
    # the folders of the landed raw tables and of Spark's tables
    dbt_target: str = WORK_TARGET
    spark_environment: dict[str, str] = {}
    spark_lake_dir: str = ""
    spark_warehouse_dir: str = ""

    _lock: ExitStack = PrivateAttr(default_factory=ExitStack)

    @classmethod
    def for_workspace(
        cls, workspace: Workspace, as_of_date: str | None = None, run_log: Path | None = None, full_refresh: bool = False,
    ) -> WarehouseResource:
        settings = workspace.settings
        if settings.el_postgres_schemas:
            private_folder(workspace.synced_dir)  # an input folder: it exists before the first pull
        return cls(
            workspace_dir=str(workspace.root),
            input_dirs=[str(folder) for folder in workspace.input_folders],
            warehouse_path=str(workspace.warehouse),
            settings_json=json.dumps(dataclasses.asdict(settings)),
            duckdb_temp_directory=str(workspace.duckdb_temp_directory) if workspace.duckdb_temp_directory else None,
            as_of_date=as_of_date,
            full_refresh=full_refresh,
            run_log=str(run_log) if run_log else None,
            postgres_dsn=workspace.postgres_dsn,
            dbt_target=dbt_target_for(settings),
            spark_environment=spark_environment(workspace) if settings.engine == "spark" else {},
            spark_lake_dir=str(workspace.spark_lake_dir),
            spark_warehouse_dir=str(workspace.spark_warehouse_dir),
        )

    @cached_property
    def settings(self) -> Settings:
        return Settings(**json.loads(self.settings_json))

    @property
    def dbt_vars(self) -> str:
        """The settings dbt reads as vars, and the as-of date, as `--vars` takes them."""
        return json.dumps({**self.settings.dbt_vars(), "as_of_date": self.as_of_date})

    def setup_for_execution(self, context: InitResourceContext) -> None:
        work_dir = settled_work_dir(Path(self.workspace_dir).resolve(), self.published)
        self._lock.enter_context(exclusive_run(work_dir, self.settings.run_lock_wait_seconds, "a Dagster run"))

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        self._lock.close()

    @property
    def input_folders(self) -> list[Path]:
        return [Path(folder).resolve() for folder in self.input_dirs]

    @property
    def mappings_dir(self) -> Path:
        return Path(self.workspace_dir) / "mappings"

    @property
    def synced_dir(self) -> Path:
        return synced_dir_for(Path(self.workspace_dir).resolve())

    @property
    def formats(self) -> dict[str, SourceFormat]:
        """The vendor formats the inbox's sub-folders may be named after: shipped, and the workspace's own."""
        return available_formats(Path(self.workspace_dir) / SOURCES_DIR)

    @property
    def published(self) -> Path:
        return Path(self.warehouse_path).resolve()

    @property
    def reports_dir(self) -> Path:
        return self.published.parent / "reports"

    @property
    def work_dir(self) -> Path:
        return work_dir_for(Path(self.workspace_dir).resolve())

    @property
    def work_db(self) -> Path:
        return work_db_for(Path(self.workspace_dir).resolve(), self.published)

    @property
    def destinations(self) -> str:
        """Where this run publishes to, as orchestration/transform/build_state.py records it."""
        return destinations_digest(str(self.published), self.postgres_dsn)

    @property
    def postgres_target(self):
        from orchestration.serving.postgres import PostgresTarget

        if self.postgres_dsn is None:
            return None
        settings = self.settings
        return PostgresTarget(self.postgres_dsn, settings.postgres_lock_wait_seconds, settings.postgres_reader_statement_timeout_seconds)

    @property
    def duckdb_limits(self) -> DuckDBLimits:
        return DuckDBLimits(temp_directory=self.duckdb_temp_directory or str(self.work_dir / "tmp"),
                            memory_limit=self.settings.duckdb_memory_limit, threads=self.settings.duckdb_threads)

    @property
    def on_spark(self) -> bool:
        return self.settings.engine == "spark"

    @property
    def dbt_variables(self) -> dict[str, str]:
        """The environment profiles.yml reads for this run's target."""
        return {"ISKPI_WORK_DB": str(self.work_db), **self.duckdb_limits.environment(), **self.spark_environment}

    def load_settings(self) -> LoadSettings:
        settings = self.settings
        return LoadSettings(
            work_db=self.work_db,
            limits=self.duckdb_limits,
            scratch_dir=self.work_dir / "scratch",
            mappings_dir=self.mappings_dir,
            business_time_zone=settings.business_time_zone,
            max_quarantine_share=settings.max_quarantine_share,
            future_tolerance=timedelta(hours=settings.future_tolerance_hours),
            formats=self.formats,
            great_expectations_cross_check=settings.great_expectations_cross_check,
        )


def dbt_project(workspace_dir: Path, target: str = WORK_TARGET) -> DbtProject:
    """The workspace's project copy and its parse for a target (orchestration/transform/dbt_parse.py), as dagster-dbt knows a project."""
    parsed_in = parse_dir(workspace_dir, target)
    return DbtProject(project_dir=parsed_in.parent, target_path=Path(parsed_in.name), profiles_dir=parsed_in.parent, target=target)


@contextmanager
def dbt_environment(variables: dict[str, str]) -> Iterator[None]:
    """Set the environment profiles.yml reads (WarehouseResource.dbt_variables) for dbt in a block."""
    previous = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class NightlyDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt resource without two start-up costs that buy this project nothing:
    `dbt --version` in a subprocess, to learn the version of the dbt-core installed beside this
    interpreter (pinned in pyproject.toml), and a dbt adapter built in-process for column metadata
    and row counts, which no asset here fetches."""

    @cached_property
    def _cli_version(self):
        return DBT_PYTHON_VERSION

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


def dbt_resource(project: DbtProject) -> InProcessDbtResource | DbtCliResource:
    """dbt in this process, except on Spark's session method: a process has one SparkSession, whose
    warehouse folder is fixed when it starts, so each night's Spark runs in a dbt process of its own."""
    if project.target != SPARK_SESSION_TARGET:
        return InProcessDbtResource(project_dir=str(project.project_dir), target=project.target,
                                    parse_dir=str(Path(project.project_dir) / project.target_path))
    return NightlyDbtCliResource(project_dir=project, dbt_executable=_dbt_ending_with_its_run(Path(project.project_dir).parent))


def _dbt_ending_with_its_run(folder: Path) -> str:
    """dbt, started so that the kernel ends it when the run that started it dies, even by kill -9:
    a build that outlived its run would write the working database after the run lock is released.
    (setpriv, of util-linux, sets the parent-death signal and then runs dbt itself.)"""
    dbt, setpriv = dbt_executable(), shutil.which("setpriv")
    if setpriv is None:
        return dbt
    launcher = folder / "dbt-ending-with-its-run"
    script = f"#!/bin/sh\nexec {shlex.quote(setpriv)} --pdeathsig TERM -- {shlex.quote(dbt)} \"$@\"\n"
    if not launcher.exists() or launcher.read_text(encoding="utf-8") != script:
        folder.mkdir(parents=True, exist_ok=True)
        launcher.write_text(script, encoding="utf-8")
        launcher.chmod(0o755)
    return str(launcher)
