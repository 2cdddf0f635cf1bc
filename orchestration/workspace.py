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
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import yaml

from connectors.files import UnreadableFile, detect_encoding
from connectors.sql import DuckDBLimits
from orchestration.paths import DEFAULT_MAPPINGS_DIR
from orchestration.thresholds import BlockingThresholds

CONFIG_FILE = "iskpi.yml"
SOURCES_DIR = "sources"
WORKSPACE_ENV = "ISKPI_WORKSPACE"
DEMO_WORKSPACE = "iskpi-demo"


ENGINES = ("duckdb", "spark")
SPARK_METHODS = ("session", "thrift", "http")


class WorkspaceError(Exception):
    """A workspace that cannot be used as it is; the message says what to do."""


@dataclass(frozen=True)
class Settings:
    """The settings of iskpi.yml; every key optional, these are the defaults."""

    # timestamps without an offset, and every local date (attribution, business days), are in this zone
    business_time_zone: str = "Asia/Tokyo"
    # folders, relative to the workspace unless absolute
    input_dir: str = "inbox"
    targets_dir: str = "targets"
    warehouse: str = "warehouse/iskpi.duckdb"
    # blocking thresholds (SPEC §3): over them, publishing stops and BI keeps yesterday's warehouse
    max_quarantine_share: float = BlockingThresholds.max_quarantine_share
    max_rejected_files: int = BlockingThresholds.max_rejected_files
    max_unresolved_share: float = BlockingThresholds.max_unresolved_share
    # how far past the load time a timestamp may lie (clock skew); future-by-nature columns are exempt
    future_tolerance_hours: float = 24.0
    # Great Expectations' own engine validates every new file beside the gate's SQL (a second pass)
    great_expectations_cross_check: bool = False
    # a second run on the same warehouse waits this long for the first, then gives up
    run_lock_wait_seconds: float = 0.0
    # what each DuckDB session of a run may take; over the memory limit it spills to the temp folder
    duckdb_memory_limit: str = DuckDBLimits.memory_limit
    duckdb_temp_directory: str | None = None  # None: .iskpi/work/tmp
    duckdb_threads: int | None = None  # None: every core
    # follow_up_rate: at least N touches within D business days of the lead's creation
    follow_up_min_touches: int = 1
    follow_up_business_days: int = 1
    # speed to lead: an inbound lead first touched within this many minutes meets the SLA
    sla_minutes: int = 5
    # MQL: an MA score at or above this makes a lead marketing-qualified (empty: the score never does)
    mql_score_threshold: float | None = 80
    # planning (SPEC §6): months from pipeline to revenue; qualification calls per SAL
    plan_lead_time_months: int = 6
    plan_qc_per_sal: int = 3
    # amounts are reported in this currency; mappings/currency_rates.csv converts the others by month
    reporting_currency: str = "JPY"
    # target suggestions: multiples of the trailing three months' baseline (mirrored for lower-is-better KPIs)
    target_stretch: float = 1.15
    target_achievable: float = 1.025
    target_floor: float = 0.9
    # anomalies: k standard deviations from the eight weeks before; rates only over this many in the denominator
    anomaly_k: float = 2.5
    anomaly_min_denominator: int = 20
    # launch / growth / mature; unset, it follows the months since organisation_started_on
    organisation_phase: str | None = None
    organisation_started_on: str | None = None
    # PostgreSQL (optional): also publish the marts there, for BI; a libpq connection string, or
    # empty for the PG* environment; how long the publish waits for readers; the readers' limit
    postgres_publish: bool = False
    postgres_dsn: str | None = None
    postgres_lock_wait_seconds: float = 30.0
    postgres_reader_statement_timeout_seconds: float = 60.0
    # the engine dbt builds the models on: duckdb (this machine), or spark (SPEC §8: past one machine)
    engine: str = "duckdb"
    # how dbt reaches Spark: session (a Spark in the run's process; spark_master local[N] or a
    # cluster's master URL), thrift (a Spark Thrift server), http (a Databricks cluster)
    spark_method: str = "session"
    spark_master: str = "local[*]"
    spark_driver_memory: str = "4g"
    spark_host: str | None = None
    spark_port: int | None = None
    spark_cluster: str | None = None
    # where the checked raw tables are landed as Parquet, and Spark's tables (its warehouse folder),
    # as this machine sees them; on a cluster, folders it shares. spark_lake_uri: how Spark names
    # the lake folder (hdfs://…, s3a://…), if not by this machine's path
    spark_lake_dir: str | None = None  # None: .iskpi/work/lake
    spark_lake_uri: str | None = None
    spark_warehouse_dir: str | None = None  # None: .iskpi/work/spark

    def __post_init__(self) -> None:
        for name, allowed in (("engine", ENGINES), ("spark_method", SPARK_METHODS)):
            if getattr(self, name) not in allowed:
                raise WorkspaceError(f"{name} is {getattr(self, name)!r}; it is one of {', '.join(allowed)}")

    def dbt_vars(self) -> dict[str, object]:
        """The settings the dbt project reads as vars (dbt_project.yml declares their defaults)."""
        names = ("business_time_zone", "follow_up_min_touches", "follow_up_business_days", "sla_minutes", "mql_score_threshold",
                 "plan_lead_time_months", "plan_qc_per_sal", "reporting_currency", "target_stretch", "target_achievable", "target_floor",
                 "anomaly_k", "anomaly_min_denominator", "organisation_phase", "organisation_started_on")
        return {name: getattr(self, name) for name in names}


CONFIG_TEMPLATE = """\
# iskpi workspace settings. Every key is optional; the values below are the defaults.
# Paths are relative to this folder unless absolute.

# Timestamps without an offset, and every local date, are in this zone.
business_time_zone: {business_time_zone}

# Where the night's exports are dropped, where targets*.csv live, and the published warehouse
# (its manager's sheets go to reports/ beside it).
input_dir: {input_dir}
targets_dir: {targets_dir}
warehouse: {warehouse}

# Blocking checks: over these, nothing is published and BI keeps yesterday's warehouse.
max_quarantine_share: {max_quarantine_share}    # share of a file's rows that may break input rules
max_rejected_files: {max_rejected_files}          # files per table that may be refused whole
max_unresolved_share: {max_unresolved_share}      # share of a file's calls / e-mails matching no lead

# Timestamps may lie this far past the load time (clock skew). Columns that are future by nature
# (a meeting's scheduled_for, an opportunity's expected_close_date) are never held to it.
future_tolerance_hours: {future_tolerance_hours}

# The input rules (expectations/suites) are evaluated once, inside DuckDB, by the SQL each rule
# compiles to. On, Great Expectations' own engine validates every new file as well and the load
# stops if the two counts differ: an audit of the rules, at the cost of a second pass over each file.
great_expectations_cross_check: {great_expectations_cross_check}

# A second run on the same warehouse waits this long for the first, then exits naming it.
run_lock_wait_seconds: {run_lock_wait_seconds}

# What the run's DuckDB may take: memory (over it, work spills to the temp folder; empty:
# .iskpi/work/tmp) and threads (empty: every core). Raise the limit on a large machine.
duckdb_memory_limit: {duckdb_memory_limit}
duckdb_temp_directory:
duckdb_threads:

# follow_up_rate: a lead assigned is followed up with at least N touches within D business days.
follow_up_min_touches: {follow_up_min_touches}
follow_up_business_days: {follow_up_business_days}
# sla_5min_rate: an inbound lead first touched within this many minutes.
sla_minutes: {sla_minutes}
# A lead is marketing-qualified (MQL, a hot lead) by a mapped status, a hot action of
# mappings/hot_actions.csv, or an MA score at or above this (empty: the score never qualifies).
mql_score_threshold: {mql_score_threshold}

# Planning: months from pipeline to revenue, qualification calls per SAL.
plan_lead_time_months: {plan_lead_time_months}
plan_qc_per_sal: {plan_qc_per_sal}
# Amounts (won, pipeline, revenue) are reported in this currency; a deal in another converts at
# mappings/currency_rates.csv (month_start, currency, rate), and one without a rate is left out
# of amount KPIs, counted, and listed in the run summary.
reporting_currency: {reporting_currency}
# Target suggestions for next month: multiples of the last three complete months' baseline
# (for a lower-is-better KPI such as cancel rate the steps go the other way: 2 − factor).
target_stretch: {target_stretch}
target_achievable: {target_achievable}
target_floor: {target_floor}
# Anomalies (異常値): a week more than k standard deviations from the mean of the eight before;
# a rate is judged only over a week with at least this many in its denominator (dials, e-mails…).
anomaly_k: {anomaly_k}
anomaly_min_denominator: {anomaly_min_denominator}
# launch / growth / mature; empty: from organisation_started_on (YYYY-MM-DD), else the first IS rep's active_from.
organisation_phase:
organisation_started_on:

# PostgreSQL, for BI tools that speak it (optional; the DuckDB file is always published): when on,
# every run also publishes the marts and audit.load_files there, and keeps the read-only roles
# (iskpi_reader; iskpi_team_<team> reading its team's rows). postgres_dsn is a libpq connection
# string ("host=bi-db dbname=iskpi user=iskpi_owner"); empty: the PG* environment. The publish
# waits at most postgres_lock_wait_seconds for readers, then gives up leaving yesterday's marts.
postgres_publish: {postgres_publish}
postgres_dsn:
postgres_lock_wait_seconds: {postgres_lock_wait_seconds}
postgres_reader_statement_timeout_seconds: {postgres_reader_statement_timeout_seconds}

# The engine dbt builds the models on: duckdb, or spark when one machine is not enough (needs
# `pip install 'iskpi[spark]'` and Java 17). Ingest, its checks and the published DuckDB file are
# the same either way; on Spark the checked raw tables are landed as Parquet in spark_lake_dir.
# spark_method: session runs Spark in the nightly process (spark_master: local[N], or a cluster's
# master URL); thrift reaches a Spark Thrift server at spark_host:spark_port; http a Databricks
# cluster (spark_host, spark_cluster; the token in ISKPI_SPARK_TOKEN). Off this machine, the lake
# and Spark's warehouse folder must be shared folders: give their paths here, and spark_lake_uri
# if Spark names the lake otherwise (hdfs://…, s3a://…).
engine: {engine}
spark_method: {spark_method}
spark_master: {spark_master}
spark_driver_memory: {spark_driver_memory}
spark_host:
spark_port:
spark_cluster:
spark_lake_dir:            # empty: .iskpi/work/lake
spark_lake_uri:
spark_warehouse_dir:       # empty: .iskpi/work/spark

# Tables live in mappings/ (edit them as CSV; a value added is accepted on the next run, and rows
# it had quarantined are re-admitted):
#   channels.csv            raw channel label -> channel, channel group (unmapped labels are kept)
#   call_dispositions.csv   call result -> rang / connected / effective / appointment
#   lead_stages.csv         lead status -> lifecycle stage
#   opportunity_stages.csv  opportunity stage -> canonical stage, open / won / lost
#   lifecycle_stages.csv    the stages, their order and the days after which a lead is stuck (滞留)
#   sal_forecast_ranks.csv  probabilities of the open-SAL ranks A / B / C / D
#   company_holidays.csv    company holidays, on top of weekends and Japanese public holidays
#   currency_rates.csv      month_start, currency, rate: 1 unit of currency in the reporting currency
#   hot_actions.csv         MA activity type and detail pattern (e.g. page_visit, %pricing%) that make a lead MQL
#   rep_identities.csv      source, user, rep_id: a vendor user without an e-mail (a Twilio client, a caller id) -> rep
"""


def work_dir_for(workspace_root: Path) -> Path:
    """The workspace's working folder: the working database, the run lock, scratch. Inside the
    workspace, never beside the published file: the warehouse folder is what BI readers are given,
    and the published views name it."""
    return workspace_root / ".iskpi" / "work"


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
    def input_folders(self) -> tuple[Path, Path]:
        """Where a night's files come from: the exports and the targets."""
        return self.input_dir, self.targets_dir

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
    rendered = {k: ("" if v is None else v) for k, v in asdict(chosen).items()}
    (root / CONFIG_FILE).write_text(CONFIG_TEMPLATE.format(**rendered), encoding="utf-8")
    workspace = load_workspace(root)
    workspace.ensure_mappings()
    for folder in (workspace.input_dir, workspace.targets_dir):
        folder.mkdir(parents=True, exist_ok=True)
    return workspace


def demo_workspace(cwd: Path | None = None) -> Workspace:
    """The bundled sample's own workspace, created on first use."""
    root = (cwd or Path.cwd()) / DEMO_WORKSPACE
    return load_workspace(root) if (root / CONFIG_FILE).is_file() else init_workspace(root)
