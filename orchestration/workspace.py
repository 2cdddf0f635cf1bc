"""A team's workspace: its settings, mappings, targets, inbox, warehouse and logs, in one folder
that the team owns (SPEC §8: never inside the installed package).

    DIR/iskpi.yml        settings (business time zone, folders, thresholds, KPI parameters)
    DIR/mappings/*.csv   every editable mapping: channels, dispositions, stages, holidays, …
    DIR/targets/         targets*.csv, loaded like any other export
    DIR/inbox/           the night's exports (default input folder): template files at its top,
                         a vendor's in a sub-folder named after its format (inbox/salesforce/)
    DIR/sources/*.yml    the team's own source formats (a system iskpi does not ship, or a
                         shipped format edited: same name replaces it)
    DIR/warehouse/       iskpi.duckdb (published) and its segments, reports/: what BI readers are given
    DIR/logs/            dbt and Dagster logs of the last run
    DIR/.iskpi/          the workspace's own state, owner only: work/ (the working database, with
                         every raw row; the run lock; scratch) and dbt/ (dbt's parse and artifacts)

Every command finds its workspace from --workspace, else ISKPI_WORKSPACE, else the current folder
or the nearest parent holding iskpi.yml. Outside any workspace, `iskpi run` runs the bundled
sample in a demo workspace of its own (./iskpi-demo), so the sample never mixes with a team's data.
"""

from __future__ import annotations

import os
import shutil
import typing
from dataclasses import dataclass, fields, replace
from pathlib import Path

import yaml

from connectors.files import UnreadableFile, detect_encoding
from orchestration.paths import DEFAULT_MAPPINGS_DIR
from orchestration.settings import Settings, WorkspaceError, render_config

CONFIG_FILE = "iskpi.yml"
SOURCES_DIR = "sources"
WORKSPACE_ENV = "ISKPI_WORKSPACE"
DEMO_WORKSPACE = "iskpi-demo"


def work_dir_for(workspace_root: Path) -> Path:
    """The workspace's working folder: the working database, the run lock, scratch. Inside the
    workspace, never beside the published file: the warehouse folder is what BI readers are given,
    and the published views name it."""
    return workspace_root / ".iskpi" / "work"


def synced_dir_for(workspace_root: Path) -> Path:
    """Rows pulled from EL tools' PostgreSQL schemas, one folder per format, until loaded."""
    return work_dir_for(workspace_root) / "synced"


def settled_work_dir(workspace_root: Path, warehouse: Path) -> Path:
    """The working folder, moved in from beside the published file where earlier versions kept it:
    it holds every raw row ever loaded, which the inbox may no longer have."""
    work_dir, former = work_dir_for(workspace_root), warehouse.parent / ".work"
    if former.is_dir() and not work_dir.exists():
        work_dir.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(former, work_dir)
    return work_dir


def segments_dir(published: Path) -> Path:
    """Where the published file's event facts live as monthly Parquet segments (orchestration/serving/publish.py)."""
    return published.with_name(f"{published.name}.segments")


def work_db_for(workspace_root: Path, warehouse: Path) -> Path:
    """The working database the nightly build writes, of which the warehouse file is the published copy."""
    return work_dir_for(workspace_root) / f"{warehouse.stem}.work.duckdb"


@dataclass(frozen=True)
class Workspace:
    root: Path
    settings: Settings

    @property
    def config_file(self) -> Path:
        return self.root / CONFIG_FILE

    @property
    def duckdb_temp_directory(self) -> Path | None:
        return self._path(self.settings.duckdb_temp_directory) if self.settings.duckdb_temp_directory else None

    def _path(self, value: str) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.root / path

    @property
    def input_dir(self) -> Path:
        return self._path(self.settings.input_dir)

    @property
    def targets_dir(self) -> Path:
        return self._path(self.settings.targets_dir)

    @property
    def input_folders(self) -> tuple[Path, ...]:
        """Where a night's files come from: the exports and the targets, and what the night pulls
        from an EL tool's PostgreSQL schemas."""
        return (self.input_dir, self.targets_dir, *((self.synced_dir,) if self.settings.el_postgres_schemas else ()))

    @property
    def synced_dir(self) -> Path:
        return synced_dir_for(self.root)

    @property
    def warehouse(self) -> Path:
        return self._path(self.settings.warehouse)

    @property
    def mappings_dir(self) -> Path:
        return self.root / "mappings"

    @property
    def postgres_dsn(self) -> str | None:
        """PostgreSQL's connection string when the workspace publishes there ("": the PG* environment)."""
        return (self.settings.postgres_dsn or "") if self.settings.postgres_publish else None

    @property
    def spark_lake_dir(self) -> Path:
        given = self.settings.spark_lake_dir
        return self._path(given) if given else self.work_dir / "lake"

    @property
    def spark_warehouse_dir(self) -> Path:
        given = self.settings.spark_warehouse_dir
        return self._path(given) if given else self.work_dir / "spark"

    @property
    def sources_dir(self) -> Path:
        return self.root / SOURCES_DIR

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def work_dir(self) -> Path:
        return work_dir_for(self.root)

    @property
    def work_db(self) -> Path:
        return work_db_for(self.root, self.warehouse)

    def with_overrides(self, **settings: object) -> Workspace:
        """The same workspace with settings given on the command line (None: keep the file's)."""
        given = {k: v for k, v in settings.items() if v is not None}
        return replace(self, settings=replace(self.settings, **given)) if given else self

    def ensure_mappings(self) -> list[str]:
        """Copy any default mapping the workspace lacks (a new one after an upgrade, or deleted by
        hand) and return their names: a run always has every mapping, the team's own first."""
        self.mappings_dir.mkdir(parents=True, exist_ok=True)
        added = []
        for default in sorted(DEFAULT_MAPPINGS_DIR.glob("*.csv")):
            if not (self.mappings_dir / default.name).exists():
                shutil.copyfile(default, self.mappings_dir / default.name)
                added.append(default.name)
        return added

    def mappings_in_utf8(self) -> list[str]:
        """Rewrite as UTF-8 (with the BOM Excel looks for, so it still opens them as they were) the
        mappings Japanese Excel saved as CP932, which dbt and DuckDB cannot read; return a note for
        each. A mapping in neither encoding is refused, named."""
        notes = []
        for mapping in sorted(self.mappings_dir.glob("*.csv")):
            try:
                encoding = detect_encoding(mapping)
            except UnreadableFile as refusal:
                raise WorkspaceError(f"mapping {mapping}: {str(refusal).split(': ', 1)[1]}") from None
            if encoding == "cp932":
                rewritten = mapping.with_name(f".{mapping.name}.utf8")
                rewritten.write_text(mapping.read_text(encoding="cp932"), encoding="utf-8-sig", newline="")
                rewritten.replace(mapping)
                notes.append(f"mapping {mapping} was saved as Shift_JIS (CP932); it was rewritten as UTF-8, "
                             "which Excel opens as before")
            elif encoding not in ("utf-8", "utf-8-sig"):
                raise WorkspaceError(f"mapping {mapping}: some lines are not UTF-8; save it again as CSV UTF-8 and rerun")
        return notes


def _value_type(setting: str) -> type:
    """int for `int | None`, and so on: what a setting's value converts to."""
    hint = typing.get_type_hints(Settings)[setting]
    return next((kind for kind in typing.get_args(hint) if kind is not type(None)), hint)


def _read_settings(config_file: Path) -> Settings:
    try:
        raw = yaml.safe_load(config_file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise WorkspaceError(f"{config_file}: not valid YAML ({error}); fix it or run `iskpi init` in a new folder") from None
    if not isinstance(raw, dict):
        raise WorkspaceError(f"{config_file}: expected `key: value` lines")
    known = {f.name: f for f in fields(Settings)}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise WorkspaceError(f"{config_file}: unknown setting(s) {', '.join(unknown)}; the settings are {', '.join(known)}")
    values = {}
    for name, value in raw.items():
        if value is None:
            continue
        kind = _value_type(name)
        if kind is bool and not isinstance(value, bool):
            raise WorkspaceError(f"{config_file}: {name} is {value!r}, expected true or false")
        try:
            values[name] = kind(value)
        except (TypeError, ValueError):
            raise WorkspaceError(f"{config_file}: {name} is {value!r}, expected a {kind.__name__}") from None
    try:
        return Settings(**values)
    except WorkspaceError as error:
        raise WorkspaceError(f"{config_file}: {error}") from None


def load_workspace(root: Path) -> Workspace:
    root = root.expanduser().resolve()
    config = root / CONFIG_FILE
    if not config.is_file():
        raise WorkspaceError(f"{root} is not an iskpi workspace (no {CONFIG_FILE}); create one with `iskpi init {root}`")
    return Workspace(root, _read_settings(config))


def find_workspace(explicit: Path | None = None, cwd: Path | None = None) -> Workspace | None:
    """--workspace, else ISKPI_WORKSPACE, else the current folder or its nearest parent with
    iskpi.yml; None outside any workspace."""
    if explicit is not None:
        return load_workspace(explicit)
    if os.environ.get(WORKSPACE_ENV):
        return load_workspace(Path(os.environ[WORKSPACE_ENV]))
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILE).is_file():
            return load_workspace(folder)
    return None


def init_workspace(root: Path, **settings: object) -> Workspace:
    """Create a workspace: settings file, every mapping, and the inbox and targets folders."""
    root = root.expanduser().resolve()
    if (root / CONFIG_FILE).exists():
        raise WorkspaceError(f"{root} is already a workspace ({CONFIG_FILE} exists); edit it instead")
    root.mkdir(parents=True, exist_ok=True)
    chosen = Settings(**{k: v for k, v in settings.items() if v is not None})
    (root / CONFIG_FILE).write_text(render_config(chosen), encoding="utf-8")
    workspace = load_workspace(root)
    workspace.ensure_mappings()
    for folder in (workspace.input_dir, workspace.targets_dir):
        folder.mkdir(parents=True, exist_ok=True)
    return workspace


def demo_workspace(cwd: Path | None = None) -> Workspace:
    """The bundled sample's own workspace, created on first use."""
    root = (cwd or Path.cwd()) / DEMO_WORKSPACE
    return load_workspace(root) if (root / CONFIG_FILE).is_file() else init_workspace(root)
