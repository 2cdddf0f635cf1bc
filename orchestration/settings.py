"""The settings of a workspace's iskpi.yml: one object every reader takes its values from (the CLI,
the Dagster resources, the ingest and its gate, dbt's vars, the sheets), and the one place each
default is written. The iskpi.yml a new workspace gets and docs/settings.md are rendered from the
fields below: each carries the words that explain it, and a field that opens a group of settings
carries the group's paragraph.
"""

from __future__ import annotations

from dataclasses import Field, dataclass, field, fields
from pathlib import Path

from connectors.sql import DuckDBLimits

ENGINES = ("duckdb", "spark")
SPARK_METHODS = ("session", "thrift", "http")
TEAMS_AS = ("at_the_time", "current")
NOTIFY_FORMATS = ("auto", "slack", "teams", "json")
SETTINGS_REFERENCE_MD = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


class WorkspaceError(Exception):
    """A workspace that cannot be used as it is; the message says what to do."""


def _setting(default: object, doc: str, group: str | None = None):
    """A setting's default and what it does; `group`, on the first setting of a group, is the
    paragraph that opens the group (in iskpi.yml as a comment, in docs/settings.md as text)."""
    return field(default=default, metadata={"doc": doc, "group": group})


@dataclass(frozen=True)
class Settings:
    """The settings of iskpi.yml; every key optional, these are the defaults."""

    business_time_zone: str = _setting(
        "Asia/Tokyo", "IANA time zone of timestamps without an offset and of every local date",
        group="Timestamps without an offset, and every local date (attribution, business days), are in this zone.")
    input_dir: str = _setting(
        "inbox", "the folder the night's exports are dropped in",
        group="Folders, relative to the workspace unless absolute: where the night's exports are dropped, where\n"
              "targets*.csv live, and the published warehouse (its manager's sheets go to reports/ beside it).")
    targets_dir: str = _setting("targets", "the folder of targets*.csv")
    warehouse: str = _setting("warehouse/iskpi.duckdb", "the published DuckDB file BI reads")
    max_quarantine_share: float = _setting(
        0.05, "share of one file's rows that may break input rules; over it the file is blocked whole",
        group="Blocking checks (SPEC §3): over these, nothing is published and BI keeps yesterday's warehouse.")
    max_rejected_files: int = _setting(0, "files of one table that may be refused whole (unreadable, a required column missing)")
    max_unresolved_share: float = _setting(
        0.8, "share of one file's calls or e-mails whose lead matches no lead's number or address "
             "(outbound teams dial numbers not yet in the CRM, so it is generous)")
    future_tolerance_hours: float = _setting(
        24.0, "how far past the load time a timestamp may lie",
        group="Timestamps may lie this far past the load time (clock skew). Columns that are future by nature\n"
              "(a meeting's scheduled_for, an opportunity's expected_close_date) are never held to it.")
    great_expectations_cross_check: bool = _setting(
        False, "Great Expectations' own engine validates every new file beside the gate's SQL",
        group="The input rules (expectations/suites) are evaluated once, inside DuckDB, by the SQL each rule\n"
              "compiles to. On, Great Expectations' own engine validates every new file as well and the load\n"
              "stops if the two counts differ: an audit of the rules, at the cost of a second pass over each file.")
    nightly_cron: str = _setting(
        "0 2 * * *", "when the nightly job runs under `dagster dev` (cron, in business_time_zone)",
        group="Under `dagster dev`, the nightly job runs on this cron schedule, in the business time zone.")
    stale_source_business_days: int = _setting(
        2, "business days a source's latest record (or its last file) may lag before it is flagged stale",
        group="The sheets open with a banner per source (marts.source_freshness): its latest record and file, last\n"
              "night's rows loaded and held back, labels nobody mapped; a source older than this is flagged stale.")
    notify_webhook_url: str | None = _setting(
        None, "a Slack, Microsoft Teams or JSON webhook, or env:NAME to read it from that environment variable",
        group="After each night, one message to a webhook: published or blocked (and why), stale sources, the\n"
              "week's anomalies. Never a row's content; a webhook that fails or hangs never fails the night.")
    notify_format: str = _setting("auto", "auto (from the URL's host), slack, teams or json")
    notify_timeout_seconds: float = _setting(10.0, "how long the night waits for the webhook at most")
    run_lock_wait_seconds: float = _setting(
        0.0, "how long a second run on the same warehouse waits for the first",
        group="A second run on the same warehouse waits this long for the first, then exits naming it.")
    duckdb_memory_limit: str = _setting(
        DuckDBLimits.memory_limit, "what each DuckDB session of a run may take before it spills to the temp folder",
        group="What the run's DuckDB may take: memory (over it, work spills to the temp folder; empty:\n"
              ".iskpi/work/tmp) and threads (empty: every core). Raise the limit on a large machine.")
    duckdb_temp_directory: str | None = _setting(None, "where DuckDB spills (empty: .iskpi/work/tmp)")
    duckdb_threads: int | None = _setting(None, "DuckDB's threads (empty: every core)")
    teams_as: str = _setting(
        "at_the_time", "at_the_time or current",
        group="Team scopes count each rep's rows in the team the rep was in on the row's date (at_the_time: a\n"
              "reorganisation leaves past months as they were), or in the rep's current team (current).")
    follow_up_min_touches: int = _setting(
        1, "follow_up_rate: touches a lead needs",
        group="follow_up_rate: a lead assigned is followed up with at least N touches within D business days.")
    follow_up_business_days: int = _setting(1, "follow_up_rate: business days after the lead's creation")
    sla_minutes: int = _setting(
        5, "sla_5min_rate: minutes within which an inbound lead's first touch meets the SLA",
        group="sla_5min_rate: an inbound lead first touched within this many minutes.")
    call_match_window_minutes: int = _setting(
        5, "how far a CRM's call time may lie from the phone system's call (its start to its end)",
        group="A call a phone system placed and a CRM logged counts once: matched by the dialer's call id where the\n"
              "CRM row has it, else by rep, customer and a CRM time within this many minutes of the call.")
    mql_score_threshold: float | None = _setting(
        80, "the MA score at or above which a lead is marketing-qualified (empty: the score never qualifies)",
        group="A lead is marketing-qualified (MQL, a hot lead) by a mapped status, a hot action of\n"
              "mappings/hot_actions.csv, or an MA score at or above this (empty: the score never qualifies).")
    plan_lead_time_months: int = _setting(
        6, "months from pipeline to revenue", group="Planning (SPEC §6): months from pipeline to revenue, qualification calls per SAL.")
    plan_qc_per_sal: int = _setting(3, "qualification calls per SAL")
    reporting_currency: str = _setting(
        "JPY", "the currency amounts are reported in",
        group="Amounts (won, pipeline, revenue) are reported in this currency; a deal in another converts at\n"
              "mappings/currency_rates.csv (month_start, currency, rate), and one without a rate is left out\n"
              "of amount KPIs, counted, and listed in the run summary.")
    target_stretch: float = _setting(
        1.15, "stretch target: a multiple of the baseline",
        group="Target suggestions for next month: multiples of the last three complete months' baseline\n"
              "(for a lower-is-better KPI such as cancel rate the steps go the other way: 2 − factor).")
    target_achievable: float = _setting(1.025, "achievable target: a multiple of the baseline")
    target_floor: float = _setting(0.9, "floor: a multiple of the baseline")
    anomaly_k: float = _setting(
        2.5, "spreads from the eight weeks before that make a week unusual",
        group="Anomalies (異常値): a week outside the eight before's usual value ± k spreads, the spread counting\n"
              "the week's own volume (a rate's denominator; chance at least binomial, a count's at least Poisson);\n"
              "a rate is judged only over a week with at least this many in its denominator (dials, e-mails…).")
    anomaly_min_denominator: int = _setting(20, "the least denominator a rate is judged over")
    forecast_min_history_days: int = _setting(
        10, "the least business days of a scope's history a landing band is drawn from",
        group="The landing forecast's 80% band (着地予測の幅) reads the scope's day-to-day variation over its\n"
              "business days from three months before the month, and its width is calibrated on how the KPI's\n"
              "forecasts of the six months before fared; with less history than these, no band is drawn.")
    forecast_min_calibration: int = _setting(20, "the least forecasts of closed months a band's width is calibrated on")
    call_timing_min_dials: int = _setting(
        30, "the least dials a weekday × hour cell is advised on",
        group="When to call (marts.kpi_call_timing): a cell with fewer dials says \"not enough data yet\"; one\n"
              "with more is advised only when its 95% interval's low bound beats the team's connect rate.")
    organisation_phase: str | None = _setting(
        None, "launch, growth or mature (empty: from the months since the organisation started)",
        group="launch / growth / mature; empty: from organisation_started_on (YYYY-MM-DD), else the first IS rep's active_from.")
    organisation_started_on: str | None = _setting(None, "when IS started (YYYY-MM-DD)")
    postgres_publish: bool = _setting(
        False, "also publish the marts to PostgreSQL",
        group="PostgreSQL, for BI tools that speak it (optional; the DuckDB file is always published): when on,\n"
              "every run also publishes the marts and audit.load_files there, and keeps the read-only roles\n"
              "(iskpi_reader; iskpi_team_<team> reading its team's rows). postgres_dsn is a libpq connection\n"
              "string (\"host=bi-db dbname=iskpi user=iskpi_owner\"); empty: the PG* environment. The publish\n"
              "waits at most postgres_lock_wait_seconds for readers, then gives up leaving yesterday's marts.")
    postgres_dsn: str | None = _setting(None, "a libpq connection string (empty: the PG* environment)")
    postgres_lock_wait_seconds: float = _setting(30.0, "how long the publish waits for PostgreSQL's readers")
    postgres_reader_statement_timeout_seconds: float = _setting(60.0, "the read-only roles' statement timeout")
    el_postgres_schemas: str | None = _setting(
        None, "format=schema pairs, comma-separated (salesforce=fivetran_salesforce); a bare name: the schema named so",
        group="Tables an EL tool (Fivetran, Airbyte, Stitch) syncs into PostgreSQL, read like a vendor format's\n"
              "exports: each schema's tables by that format, each night only the rows synced since the last pull\n"
              "(by the tool's _fivetran_synced or _airbyte_extracted_at). el_postgres_dsn is env:NAME or file:PATH,\n"
              "naming where the libpq connection string is (never its password here); empty: the PG* environment.")
    el_postgres_dsn: str | None = _setting(
        None, "env:NAME or file:PATH holding the EL database's connection string (or one without a password: ~/.pgpass)")
    engine: str = _setting(
        "duckdb", "what dbt builds the models on: duckdb or spark",
        group="The engine dbt builds the models on: duckdb, or spark when one machine is not enough (needs\n"
              "`pip install 'iskpi[spark]'` and Java 17). Ingest, its checks and the published DuckDB file are\n"
              "the same either way; on Spark the checked raw tables are landed as Parquet in spark_lake_dir.\n"
              "spark_method: session runs Spark in the nightly process (spark_master: local[N], or a cluster's\n"
              "master URL); thrift reaches a Spark Thrift server at spark_host:spark_port; http a Databricks\n"
              "cluster (spark_host, spark_cluster; the token in ISKPI_SPARK_TOKEN). Off this machine, the lake\n"
              "and Spark's warehouse folder must be shared folders: give their paths here, and spark_lake_uri\n"
              "if Spark names the lake otherwise (hdfs://…, s3a://…).")
    spark_method: str = _setting("session", "how dbt reaches Spark: session, thrift or http")
    spark_master: str = _setting("local[*]", "the session's master: local[N] or a cluster's master URL")
    spark_driver_memory: str = _setting("4g", "the session's driver memory")
    spark_host: str | None = _setting(None, "a Thrift server's or Databricks workspace's host")
    spark_port: int | None = _setting(None, "its port")
    spark_cluster: str | None = _setting(None, "the Databricks cluster")
    spark_lake_dir: str | None = _setting(None, "where the checked raw tables are landed as Parquet (empty: .iskpi/work/lake)")
    spark_lake_uri: str | None = _setting(None, "how Spark names the lake folder, if not by this machine's path")
    spark_warehouse_dir: str | None = _setting(None, "Spark's tables (empty: .iskpi/work/spark)")

    def __post_init__(self) -> None:
        if not 0 <= self.call_match_window_minutes <= 720:
            raise WorkspaceError(f"call_match_window_minutes is {self.call_match_window_minutes}; it is between 0 and 720 (12 hours)")
        for name, allowed in (("engine", ENGINES), ("spark_method", SPARK_METHODS), ("teams_as", TEAMS_AS),
                              ("notify_format", NOTIFY_FORMATS)):
            if getattr(self, name) not in allowed:
                raise WorkspaceError(f"{name} is {getattr(self, name)!r}; it is one of {', '.join(allowed)}")

    def dbt_vars(self) -> dict[str, object]:
        """The settings the dbt project reads as vars (every build and parse passes them all)."""
        names = ("business_time_zone", "follow_up_min_touches", "follow_up_business_days", "sla_minutes", "call_match_window_minutes",
                 "teams_as", "stale_source_business_days", "mql_score_threshold", "plan_lead_time_months", "plan_qc_per_sal",
                 "reporting_currency", "target_stretch", "target_achievable", "target_floor", "anomaly_k", "anomaly_min_denominator",
                 "call_timing_min_dials", "forecast_min_history_days", "forecast_min_calibration",
                 "organisation_phase", "organisation_started_on")
        return {name: getattr(self, name) for name in names}


def _yaml_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


MAPPINGS_NOTE = """\
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


def _groups() -> list[list[Field]]:
    """The settings in their groups, in order: each group opens with the setting carrying its paragraph."""
    groups: list[list[Field]] = []
    for setting in fields(Settings):
        if setting.metadata["group"]:
            groups.append([])
        groups[-1].append(setting)
    return groups


def render_config(settings: Settings) -> str:
    """A new workspace's iskpi.yml: every setting with its value, in groups with their paragraphs."""
    lines = ["# iskpi workspace settings. Every key is optional; unchanged, a value is the default.",
             "# Paths are relative to this folder unless absolute. Each setting: docs/settings.md."]
    for group in _groups():
        lines += ["", *(f"# {line}" for line in group[0].metadata["group"].split("\n"))]
        for setting in group:
            # a paragraph explains a group of one; in a larger group each setting says what it is
            note = f"  # {setting.metadata['doc']}" if len(group) > 1 else ""
            lines.append(f"{setting.name}: {_yaml_value(getattr(settings, setting.name))}".rstrip() + note)
    return "\n".join(lines) + "\n\n" + MAPPINGS_NOTE


def render_reference() -> str:
    """docs/settings.md: every setting of iskpi.yml, its default and what it does, by group."""
    lines = ["# Settings (`iskpi.yml`)", "",
             "Every key of a workspace's `iskpi.yml` is optional. Rendered from `orchestration/settings.py`",
             "(`iskpi kpi-reference`); a new workspace's `iskpi.yml` is rendered from the same fields."]
    for group in _groups():
        lines += ["", group[0].metadata["group"].replace("\n", " "), "", "| setting | default | what it does |", "|---|---|---|"]
        for setting in group:
            default = _yaml_value(setting.default)
            lines.append(f"| `{setting.name}` | {f'`{default}`' if default else '(empty)'} | {setting.metadata['doc']} |")
    return "\n".join(lines) + "\n"


def write_reference() -> Path:
    SETTINGS_REFERENCE_MD.write_text(render_reference(), encoding="utf-8")
    return SETTINGS_REFERENCE_MD
