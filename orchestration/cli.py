"""`iskpi`: generate sample exports, run the nightly job, query the published warehouse."""

from __future__ import annotations

import logging
import sys
import time
from datetime import date, datetime
from pathlib import Path

import click

from orchestration.thresholds import BlockingThresholds
from orchestration.paths import DEFAULT_WAREHOUSE, SAMPLE_INPUT_DIR


@click.group()
def main() -> None:
    """Inside-sales KPI warehouse."""


@main.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True, help="Folder to write the CSV exports into.")
@click.option("--seed", default=42, show_default=True, help="Same seed, same files.")
@click.option("--reps", default=8, show_default=True, help="Number of IS reps.")
@click.option("--months", default=3, show_default=True, help="Months of activity.")
@click.option("--start", default="2026-04-01", show_default=True, help="First day of the simulated period.")
def sample(out_dir: Path, seed: int, reps: int, months: int, start: str) -> None:
    """Write a realistic IS team's template exports (SPEC §2) into OUT."""
    from connectors.sample import generate

    result = generate(out_dir, seed=seed, reps=reps, months=months, start=date.fromisoformat(start))
    click.echo(f"wrote {len(result.files)} files to {out_dir} ({len(result.expected_kpi_daily)} rep-days of activity)")


@main.command()
@click.option("--input", "input_dir", type=click.Path(path_type=Path), default=SAMPLE_INPUT_DIR, show_default="bundled sample_data/")
@click.option("--warehouse", "warehouse_path", type=click.Path(path_type=Path), default=DEFAULT_WAREHOUSE, show_default=True)
@click.option("--max-quarantine-share", default=BlockingThresholds.max_quarantine_share, show_default=True,
              help="Share of a file's rows that may break input rules before the file blocks publishing.")
@click.option("--max-rejected-files", default=BlockingThresholds.max_rejected_files, show_default=True,
              help="Files per source table that may be refused whole (and retried next run) without blocking publishing.")
@click.option("--max-unresolved-share", default=BlockingThresholds.max_unresolved_share, show_default=True,
              help="Share of a file's calls or e-mails whose lead cannot be resolved before the file blocks publishing.")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Report as of this local date: what was known by its end. Default: the last day with data.")
def run(
    input_dir: Path, warehouse_path: Path, max_quarantine_share: float, max_rejected_files: int,
    max_unresolved_share: float, as_of: datetime | None,
) -> None:
    """Run the nightly job: load INPUT, check, build the marts, publish WAREHOUSE."""
    started = time.monotonic()
    thresholds = BlockingThresholds(max_quarantine_share, max_rejected_files, max_unresolved_share)
    outcome = run_nightly(input_dir, warehouse_path, thresholds, as_of.date() if as_of else None)
    if not outcome.success:
        click.echo(f"Nothing was published; {warehouse_path} is unchanged.\n", err=True)
        click.echo(outcome.message, err=True)
        sys.exit(1)
    click.echo(outcome.message)
    click.echo(f"\nPublished {warehouse_path} in {time.monotonic() - started:.0f} s. Query it with:")
    click.echo(f"  iskpi query --warehouse {warehouse_path} \"select * from marts.kpi_daily limit 10\"")
    reports = Path(warehouse_path).parent / "reports"
    if reports.is_dir():
        click.echo(f"The manager's sheets are in {reports} (daily.html, weekly.html, monthly.html).")


@main.command()
@click.argument("sql")
@click.option("--warehouse", "warehouse_path", type=click.Path(path_type=Path, exists=True), default=DEFAULT_WAREHOUSE, show_default=True)
def query(sql: str, warehouse_path: Path) -> None:
    """Run SQL against the published warehouse (read-only)."""
    import duckdb

    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        click.echo(con.sql(sql))


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("metrics")
@click.option("--group-by", default="metric_time__month", show_default=True, help="Dimensions, e.g. metric_time__week,rep__team.")
@click.option("--warehouse", "warehouse_path", type=click.Path(path_type=Path, exists=True), default=DEFAULT_WAREHOUSE, show_default=True)
@click.argument("mf_options", nargs=-1, type=click.UNPROCESSED)
def metrics(metrics: str, group_by: str, warehouse_path: Path, mf_options: tuple[str, ...]) -> None:
    """Query KPIs by name through the semantic layer (MetricFlow) against the published warehouse.

    METRICS is a comma-separated list of KPI names (docs/kpi_reference.md); any further options
    (--where, --order, --limit, --csv FILE) go to `mf query` as they are.
    """
    completed = query_metrics(metrics, group_by, warehouse_path, list(mf_options))
    sys.exit(completed.returncode)


def query_metrics(metrics: str, group_by: str, warehouse_path: Path, mf_options: list[str], capture: bool = False):
    """Run `mf query` in the dbt project with the `published` target pointed at warehouse_path."""
    import os
    import subprocess

    from orchestration.defs.resources import ensure_dbt_manifest
    from orchestration.paths import DBT_PROJECT_DIR

    ensure_dbt_manifest()  # the semantic manifest mf reads must match the models
    env = {**os.environ, "ISKPI_DBT_TARGET": "published", "ISKPI_WAREHOUSE": str(Path(warehouse_path).resolve()),
           "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR)}
    command = [str(Path(sys.executable).with_name("mf")), "query", "--metrics", metrics, "--group-by", group_by, *mf_options]
    return subprocess.run(command, cwd=DBT_PROJECT_DIR, env=env, capture_output=capture, text=True)


TRAILING_RATES_SQL = """
select kpi, trailing_average, trailing_from, trailing_to
from marts.kpi_target_suggestion
where scope_type = 'org' and kpi in ('win_rate', 'meeting_conversion_rate', 'effective_contact_rate',
                                      'avg_deal_size', 'sal_to_sql_rate')
"""


def trailing_rates(warehouse_path: Path) -> dict[str, float]:
    """The org's rates averaged over the last three complete months of the published warehouse."""
    import duckdb

    if not Path(warehouse_path).exists():
        return {}
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        try:
            rows = con.execute(TRAILING_RATES_SQL).fetchall()
        except duckdb.CatalogException:  # published by a version without target suggestions
            return {}
    return {kpi: value for kpi, value, _, _ in rows if value is not None}


@main.command()
@click.option("--wins", type=int, help="Wins needed in the month (reverse plan).")
@click.option("--revenue", type=float, help="Revenue target of the quarter (pipeline plan).")
@click.option("--win-rate", type=float, help="Won ÷ closed.")
@click.option("--meeting-conversion-rate", type=float, help="Meetings ÷ effective contacts.")
@click.option("--connect-rate", type=float, help="Dials that become effective contacts (the warehouse's effective_contact_rate).")
@click.option("--avg-deal-size", type=float, help="Won amount ÷ won deals.")
@click.option("--sal-to-sql-rate", type=float, help="SALs that reach a proposal stage.")
@click.option("--qc-per-sal", type=float, default=3, show_default=True, help="Qualification calls per SAL.")
@click.option("--lead-time-months", type=int, default=6, show_default=True, help="Months from pipeline to revenue.")
@click.option("--month", help="YYYY-MM: spread the dials over its business days.")
@click.option("--quarter", help="YYYYQn: the quarter the revenue is due in (pipeline plan).")
@click.option("--warehouse", "warehouse_path", type=click.Path(path_type=Path), default=DEFAULT_WAREHOUSE, show_default=True,
              help="Where rates not given come from: the trailing three complete months.")
def plan(wins, revenue, win_rate, meeting_conversion_rate, connect_rate, avg_deal_size, sal_to_sql_rate, qc_per_sal,
         lead_time_months, month, quarter, warehouse_path) -> None:
    """Plan backwards from a target (逆算): meetings, effective contacts and dials, or the pipeline,
    SQLs, SALs and qualification calls it takes. Every count is rounded up."""
    from connectors.calendar import business_days_in_month
    from orchestration import planning

    given = {"win_rate": win_rate, "meeting_conversion_rate": meeting_conversion_rate,
             "effective_contact_rate": connect_rate, "avg_deal_size": avg_deal_size, "sal_to_sql_rate": sal_to_sql_rate}
    missing = [name for name, value in given.items() if value is None]
    trailing = trailing_rates(warehouse_path) if missing else {}
    rates = {name: value if value is not None else trailing.get(name) for name, value in given.items()}
    for name in missing:
        if rates[name] is not None:
            click.echo(f"{name}: {rates[name]:.4g} (trailing three months of {warehouse_path})")

    def need(*names: str) -> bool:
        absent = [n for n in names if rates[n] is None]
        if absent:
            raise click.UsageError(
                f"no {', '.join(absent)}: give it on the command line, or run `iskpi run` so that "
                f"{warehouse_path} has three months to take it from"
            )
        return True

    if wins is None and revenue is None:
        raise click.UsageError("give --wins (reverse plan) or --revenue (pipeline plan)")
    if wins is not None and need("win_rate", "meeting_conversion_rate", "effective_contact_rate"):
        days = business_days_in_month(*map(int, month.split("-"))) if month else None
        reverse = planning.reverse_plan(wins, rates["win_rate"], rates["meeting_conversion_rate"], rates["effective_contact_rate"], days)
        click.echo(f"Reverse plan{f' for {month}' if month else ''}:")
        click.echo(f"  wins               {reverse.wins:>12,}")
        click.echo(f"  meetings           {reverse.meetings:>12,}")
        click.echo(f"  effective contacts {reverse.effective_contacts:>12,}")
        click.echo(f"  dials              {reverse.dials:>12,}")
        if days:
            click.echo(f"  dials per business day {reverse.dials_per_business_day:>8,} ({days} business days)")
    if revenue is not None and need("win_rate", "avg_deal_size", "sal_to_sql_rate"):
        if not quarter:
            raise click.UsageError("--revenue plans the pipeline for a quarter: give --quarter YYYYQn")
        pipeline = planning.pipeline_plan(
            revenue, rates["win_rate"], rates["avg_deal_size"], rates["sal_to_sql_rate"], qc_per_sal, lead_time_months, quarter
        )
        click.echo(f"Pipeline plan for {quarter}:")
        click.echo(f"  pipeline needed    {float(pipeline.pipeline_amount):>14,.0f} JPY by {pipeline.needed_by_quarter}")
        click.echo(f"  SQL                {pipeline.sqls:>14,}")
        click.echo(f"  SAL                {pipeline.sals:>14,}")
        click.echo(f"  qualification calls {pipeline.qualification_calls:>13,}")


@main.command()
@click.option("--warehouse", "warehouse_path", type=click.Path(path_type=Path), default=DEFAULT_WAREHOUSE, show_default=True)
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The date the warehouse was built as of (iskpi run --as-of); default: that date.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Folder for the sheets. Default: reports/ beside the warehouse.")
@click.option("--encoding", type=click.Choice(["utf-8", "cp932"]), default="utf-8", show_default=True,
              help="CSV encoding: UTF-8 with BOM (Excel opens it), or CP932 for older Excel.")
def report(warehouse_path: Path, as_of: datetime | None, out_dir: Path | None, encoding: str) -> None:
    """Write the manager's daily, weekly and monthly sheets: HTML (opens offline) and CSV."""
    from orchestration.report import ReportError, write_sheets

    target = out_dir or Path(warehouse_path).parent / "reports"
    try:
        written = write_sheets(Path(warehouse_path), target, as_of.date() if as_of else None, encoding)
    except ReportError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"wrote {len(written)} files to {target}:")
    for path in written:
        click.echo(f"  {path.name}")


@main.command("kpi-reference")
def kpi_reference() -> None:
    """Render docs/kpi_reference.md from the KPI definitions in the dbt yml."""
    from orchestration.kpi_reference import write

    click.echo(f"wrote {write()}")


class NightlyOutcome:
    def __init__(self, success: bool, message: str):
        self.success = success
        self.message = message


def run_nightly(
    input_dir: Path, warehouse_path: Path, thresholds: BlockingThresholds = BlockingThresholds(), as_of: date | None = None
) -> NightlyOutcome:
    """Execute the nightly Dagster job in-process; the message is the run summary or, when
    something blocked publishing, what and why."""
    logging.getLogger("dagster").setLevel(logging.CRITICAL)
    from dagster import DagsterInstance

    from orchestration.definitions import build_defs

    defs = build_defs(input_dir, warehouse_path, thresholds, as_of)
    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("nightly").execute_in_process(
            instance=instance,
            raise_on_error=False,
            # the summary below is the message; Dagster's own log would repeat it as tracebacks
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
        )
    failed_checks = [e for e in result.get_asset_check_evaluations() if not e.passed]
    lines = [
        f"{e.asset_key.to_user_string()} · {e.check_name}: {e.description}"
        for e in result.get_asset_check_evaluations()
        if e.asset_key.path[0] == "raw" and e.check_name == "input_rules"
    ]
    if result.success and not failed_checks:
        return NightlyOutcome(True, "\n".join(lines))
    problems = [f"{e.asset_key.to_user_string()} · {e.check_name}: {e.description}" for e in failed_checks]
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            problems.append(f"step {event.step_key} failed: {event.step_failure_data.error.message.strip()}")
    return NightlyOutcome(False, "\n".join(problems) or "the run failed; see the Dagster log above")


if __name__ == "__main__":
    main()
