"""The nightly run of one workspace, in-process: the run lock, the sample guard, the Dagster job,
and what it comes to (the summary `iskpi run` prints, or the one message that says what blocked)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from connectors.contract import entity_names
from connectors.files import private_folder, sha256_of, unmatched_files
from connectors.source_formats import available_formats
from orchestration.paths import SAMPLE_INPUT_DIR
from orchestration.quiet_night import is_quiet, night_key, record_night
from orchestration.run_lock import RunInProgress, exclusive_run
from orchestration.workspace import Workspace, WorkspaceError, settled_work_dir

RUN_LOG_NAME = "iskpi-run-{:%Y%m%d-%H%M%S}.log"
KEEP_RUN_LOGS = 30


@dataclass(frozen=True)
class TableLoad:
    table: str
    files: int
    rows_loaded: int
    rows_quarantined: int
    rows_readmitted: int
    exact_duplicates: int


@dataclass
class NightlyOutcome:
    success: bool
    message: str  # the input rules' verdict per table, or what stopped publishing and what to do
    tables: list[TableLoad] = field(default_factory=list)
    published: Path | None = None
    published_tables: int = 0
    reports: Path | None = None
    log_file: Path | None = None
    unmatched_files: list[str] = field(default_factory=list)
    unmapped_labels: list[tuple[str, str, int]] = field(default_factory=list)  # (label, value, rows)
    warnings: list[str] = field(default_factory=list)
    refused: bool = False  # nothing was attempted (another run holds the warehouse, or the sample would mix)
    nothing_new: bool = False  # a good night that brought nothing to build: readers keep what they have


def _loaded_shas(work_db: Path) -> set[str]:
    if not work_db.exists():
        return set()
    with duckdb.connect(str(work_db), read_only=True) as con:
        try:
            return {sha for (sha,) in con.execute("select distinct sha256 from audit.load_files where status = 'loaded'").fetchall()}
        except duckdb.CatalogException:
            return set()


def sample_mixing(workspace: Workspace, work_db: Path) -> str | None:
    """Why this run would mix the bundled sample with a team's own exports, if it would: a team's
    warehouse that holds the sample, or is about to (refused on the first night, not every later one)."""
    loaded = _loaded_shas(work_db)
    sample_files = list(SAMPLE_INPUT_DIR.glob("*.csv"))
    sample = {sha256_of(p) for p in sample_files}
    if workspace.input_dir.resolve() == SAMPLE_INPUT_DIR.resolve():
        if loaded - sample:
            return (f"{workspace.warehouse} holds a team's own exports; the bundled sample is never loaded into it. "
                    "Run the sample outside any workspace (`iskpi run` in an empty folder uses ./iskpi-demo).")
        return None
    sizes = {p.stat().st_size for p in sample_files}  # only a file of a sample file's size can be one
    arriving = [p for p in workspace.input_dir.rglob("*.csv")
                if p.is_file() and not p.is_symlink() and p.stat().st_size in sizes and sha256_of(p) in sample] \
        if workspace.input_dir.is_dir() else []
    if arriving:
        return (f"{workspace.input_dir} holds the bundled sample ({', '.join(sorted(p.name for p in arriving)[:3])}…); "
                "a team's warehouse never loads it. Remove those files (the sample runs on its own: `iskpi run` "
                "in an empty folder uses ./iskpi-demo) and rerun.")
    if loaded & sample:
        return (f"{workspace.warehouse} holds the bundled sample; a team's exports are never mixed into it. "
                "Create a workspace of your own with `iskpi init DIR` and run there.")
    return None


def _new_log_file(workspace: Workspace) -> Path:
    private_folder(workspace.logs_dir)
    for old in sorted(workspace.logs_dir.glob("iskpi-run-*.log"))[:-KEEP_RUN_LOGS + 1]:
        old.unlink()
    return workspace.logs_dir / RUN_LOG_NAME.format(datetime.now())


def _unmapped_labels(published: Path) -> list[tuple[str, str, int]]:
    if not published.exists():
        return []
    with duckdb.connect(str(published), read_only=True) as con:
        try:
            return con.execute("select label, value, rows from marts.unmapped_labels order by label, rows desc, value").fetchall()
        except duckdb.CatalogException:
            return []


def run_nightly(workspace: Workspace, as_of: date | None = None, full_refresh: bool = False) -> NightlyOutcome:
    """Run the workspace's nightly job once; a second run on the same warehouse waits for the
    first as long as the workspace allows, then is refused with one line."""
    try:
        with exclusive_run(settled_work_dir(workspace.root, workspace.warehouse), workspace.settings.run_lock_wait_seconds):
            return _run_locked(workspace, as_of, full_refresh)
    except RunInProgress as busy:
        return NightlyOutcome(False, str(busy), refused=True)


def _run_locked(workspace: Workspace, as_of: date | None, full_refresh: bool) -> NightlyOutcome:
    outcome = _night(workspace, as_of, full_refresh)
    if not outcome.success:
        _sheets_say_blocked(workspace, outcome)
    _notify(workspace, outcome)
    return outcome


def _sheets_say_blocked(workspace: Workspace, outcome: NightlyOutcome) -> None:
    """Readers keep the warehouse before; its sheets say so at the top, so nobody takes them for last night's."""
    from orchestration.defs.notifications import reasons_of
    from orchestration.sheets import ReportError, write_sheets

    reports = workspace.warehouse.parent / "reports"
    if not (workspace.warehouse.exists() and reports.is_dir()):
        return
    status = ("昨夜の実行はブロックされ、公開されていません: これは前回公開分の数値です "
              "(last night was blocked: these are the numbers published before) — " + "; ".join(reasons_of(outcome.message)))
    try:
        write_sheets(workspace.warehouse, reports, night_status=status)
    except ReportError as unreadable:
        outcome.warnings.append(f"the sheets could not be marked as not updated: {unreadable}")


def _notify(workspace: Workspace, outcome: NightlyOutcome) -> None:
    """The night's one message to the webhook in iskpi.yml, if any; what went wrong goes to the run log."""
    from orchestration.defs.notifications import reasons_of, tell_night

    status = "blocked" if not outcome.success else ("unchanged" if outcome.nothing_new else "published")
    look = (f"iskpi --workspace {workspace.root} run (its summary), and the run log {outcome.log_file}"
            if status == "blocked" and outcome.log_file else "")
    problems = tell_night(workspace, status, reasons_of(outcome.message) if status == "blocked" else [], look)
    outcome.warnings += problems
    if problems and outcome.log_file is not None:
        with outcome.log_file.open("a", encoding="utf-8") as log:
            log.writelines(problem + "\n" for problem in problems)


def _night(workspace: Workspace, as_of: date | None, full_refresh: bool) -> NightlyOutcome:
    warnings = [f"mapping {name} was missing from {workspace.mappings_dir}: the default was copied there"
                for name in workspace.ensure_mappings()]
    try:
        warnings += workspace.mappings_in_utf8()
    except WorkspaceError as refusal:
        return NightlyOutcome(False, str(refusal), refused=True)
    refusal = sample_mixing(workspace, workspace.work_db)
    if refusal:
        return NightlyOutcome(False, refusal, refused=True)
    # a missing folder is the reps asset's refusal to tell; here only what a folder holds
    input_folders = [folder.resolve() for folder in workspace.input_folders if folder.is_dir()]
    unmatched = unmatched_files(input_folders, entity_names(), available_formats(workspace.sources_dir))
    key, started = night_key(workspace, as_of), datetime.now(UTC)
    if as_of is None and not full_refresh and is_quiet(workspace, key):
        return NightlyOutcome(True, "", unmatched_files=unmatched, warnings=warnings, nothing_new=True)
    outcome = _run_job(workspace, as_of, full_refresh, unmatched, warnings)
    if outcome.success:
        record_night(workspace, key, started)
    return outcome


def _run_job(workspace: Workspace, as_of: date | None, full_refresh: bool, unmatched: list[str], warnings: list[str]) -> NightlyOutcome:
    """The Dagster job, and what it came to."""
    from orchestration.definitions import build_defs
    from orchestration.defs.resources import WarehouseResource
    from orchestration.defs.run_log import close_run_logs
    from orchestration.transform.dbt_parse import DbtParseError

    warehouse = WarehouseResource.for_workspace(workspace)
    log_file = _new_log_file(workspace)
    # Dagster's own logger says the same as our summary, as tracebacks; its records go to the log file
    logging.getLogger("dagster").setLevel(logging.WARNING)
    try:
        defs = build_defs(workspace, as_of.isoformat() if as_of else None, log_file, full_refresh)
    except (DbtParseError, WorkspaceError) as error:  # a project that does not parse; Spark not installed
        return NightlyOutcome(False, str(error), log_file=log_file)
    try:
        result = defs.resolve_job_def("nightly").execute_in_process(
            raise_on_error=False, run_config={"loggers": {"iskpi_run_file": {"config": {"path": str(log_file)}}}},
        )
    finally:
        warnings += close_run_logs()
    evaluations = result.get_asset_check_evaluations()
    failed_checks = [e for e in evaluations if not e.passed]
    verdicts = [
        f"{e.asset_key.to_user_string()} · {e.check_name}: {e.description}"
        for e in evaluations if e.asset_key.path[0] == "raw" and e.check_name == "input_rules"
    ]
    tables = []
    for event in result.get_asset_materialization_events():
        key = event.asset_key.path
        metadata = event.materialization.metadata
        if key[0] == "raw" and "rows_loaded" in metadata:
            tables.append(TableLoad(key[1], *(metadata[name].value for name in (
                "files", "rows_loaded", "rows_quarantined", "rows_readmitted", "exact_duplicates"))))
    published = [e for e in result.get_asset_materialization_events() if e.asset_key.path == ["published_warehouse"]]
    outcome = NightlyOutcome(
        True, "\n".join(verdicts), tables, log_file=log_file, unmatched_files=unmatched, warnings=warnings,
    )
    if published:
        outcome.published = warehouse.published
        outcome.published_tables = len(published[0].materialization.metadata["tables"].value)
        outcome.unmapped_labels = _unmapped_labels(warehouse.published)
        if warehouse.reports_dir.is_dir():
            outcome.reports = warehouse.reports_dir
    if result.success and not failed_checks:
        outcome.nothing_new = not published
        return outcome
    problems = [f"{e.asset_key.to_user_string()} · {e.check_name}: {e.description}" for e in failed_checks]
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            error = event.step_failure_data.error
            while error.cause is not None:  # Dagster wraps what the step raised
                error = error.cause
            if error.cls_name == "DagsterAssetCheckFailedError":  # a blocking check, whose own words are above
                continue
            problems.append(f"step {event.step_key} failed: {error.message.strip()}")
    outcome.success = False
    outcome.message = "\n".join(problems) or f"the run failed; see {log_file}"
    return outcome
