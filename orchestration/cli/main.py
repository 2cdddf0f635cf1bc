"""`iskpi`: create a workspace, run the nightly job, query and report on the published warehouse."""

from __future__ import annotations

import csv
import sys
import time
from datetime import date, datetime
from pathlib import Path

import click

from orchestration.paths import SAMPLE_INPUT_DIR
from orchestration.settings import ENGINES
from orchestration.workspace import (
    CONFIG_FILE,
    DEMO_WORKSPACE,
    Workspace,
    WorkspaceError,
    demo_workspace,
    find_workspace,
    init_workspace,
    segments_dir,
)


class Context:
    """The workspace a command works in, found once per command."""

    def __init__(self, explicit: Path | None):
        self.explicit = explicit

    def workspace(self) -> Workspace | None:
        try:
            return find_workspace(self.explicit)
        except WorkspaceError as error:
            raise click.ClickException(str(error)) from None

    def found_workspace(self) -> Workspace | None:
        """The workspace, else the demo one once `iskpi run` has made it, else None."""
        workspace = self.workspace()
        if workspace is None and (Path.cwd() / DEMO_WORKSPACE / CONFIG_FILE).exists():
            return demo_workspace()
        return workspace

    def workspace_or_demo(self) -> Workspace:
        """The workspace, else the demo one once `iskpi run` has made it."""
        workspace = self.found_workspace()
        if workspace is not None:
            return workspace
        raise click.ClickException(
            "not inside an iskpi workspace: create one with `iskpi init DIR` (then cd into it, pass --workspace DIR "
            "or set ISKPI_WORKSPACE), or run `iskpi run` here to try the bundled sample"
        )


pass_context = click.make_pass_decorator(Context)


@click.group()
@click.option("--workspace", "workspace_dir", type=click.Path(path_type=Path, file_okay=False),
              help="The team's workspace. Default: ISKPI_WORKSPACE, else the current folder or a parent holding iskpi.yml.")
@click.pass_context
def main(ctx: click.Context, workspace_dir: Path | None) -> None:
    """Inside-sales KPI warehouse."""
    ctx.obj = Context(workspace_dir)


@main.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.option("--business-time-zone", help="Time zone of timestamps without an offset. Default: Asia/Tokyo.")
@click.option("--input-dir", help="Folder the night's exports are dropped in. Default: DIRECTORY/inbox.")
@click.option("--warehouse", help="The published warehouse file. Default: DIRECTORY/warehouse/iskpi.duckdb.")
@click.option("--engine", type=click.Choice(ENGINES),
              help="What dbt builds the models on: duckdb, or spark (pip install 'iskpi[spark]'). Default: duckdb.")
def init(directory: Path, business_time_zone: str | None, input_dir: str | None, warehouse: str | None, engine: str | None) -> None:
    """Create a team workspace in DIRECTORY: settings, mappings, targets and inbox folders."""
    try:
        workspace = init_workspace(directory, business_time_zone=business_time_zone, input_dir=input_dir, warehouse=warehouse,
                                   engine=engine)
    except WorkspaceError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created the workspace {workspace.root}:")
    click.echo(f"  {workspace.config_file.name:<14} settings: time zone, folders, thresholds, KPI parameters")
    click.echo(f"  {'mappings/':<14} {len(list(workspace.mappings_dir.glob('*.csv')))} mappings to edit as CSV "
               "(channels, call dispositions, stages, holidays, …)")
    click.echo(f"  {'targets/':<14} targets*.csv (period_month, scope_type, scope_id, kpi, target_value)")
    click.echo(f"  {'inbox/':<14} drop the exports here: <entity>.csv or <entity>_<anything>.csv in the template, and a "
               "system's own exports in inbox/<format>/ (salesforce/, hubspot/, miitel/, …; `iskpi source check FILE`)")
    click.echo(f"Then, inside it: iskpi run    (the warehouse will be {workspace.warehouse})")


@main.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True, help="Folder to write the CSV exports into.")
@click.option("--seed", default=42, show_default=True, help="Same seed, same files.")
@click.option("--reps", default=8, show_default=True, help="Number of IS reps.")
@click.option("--months", default=3, show_default=True, help="Months of activity.")
@click.option("--start", default="2026-04-01", show_default=True, help="First day of the simulated period.")
@click.option("--end", default=None, help="Last day (instead of --months), e.g. yesterday for a real night's exports.")
def sample(out_dir: Path, seed: int, reps: int, months: int, start: str, end: str | None) -> None:
    """Write a realistic IS team's template exports (SPEC §2) into OUT."""
    from orchestration.sample import generate

    result = generate(out_dir, seed=seed, reps=reps, months=months, start=date.fromisoformat(start),
                      end=date.fromisoformat(end) if end else None)
    click.echo(f"wrote {len(result.files)} files to {out_dir} ({len(result.expected_kpi_daily)} rep-days of activity)")


@main.command()
@click.option("--input", "input_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Folder of exports. Default: the workspace's input_dir (inbox/).")
@click.option("--warehouse", "warehouse_path", type=click.Path(path_type=Path, dir_okay=False),
              help="The published warehouse. Default: the workspace's (warehouse/iskpi.duckdb).")
@click.option("--max-quarantine-share", type=float,
              help="Share of a file's rows that may break input rules before the file blocks publishing.")
@click.option("--max-rejected-files", type=int,
              help="Files per source table that may be refused whole (and retried next run) without blocking publishing.")
@click.option("--max-unresolved-share", type=float,
              help="Share of a file's calls or e-mails whose lead cannot be resolved before the file blocks publishing.")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Report as of this local date: what was known by its end. Default: the last day with data.")
@click.option("--full-refresh", is_flag=True,
              help="Rebuild the history models from all raw rows instead of only what the new exports touch.")
@pass_context
def run(
    context: Context, input_dir: Path | None, warehouse_path: Path | None, max_quarantine_share: float | None,
    max_rejected_files: int | None, max_unresolved_share: float | None, as_of: datetime | None, full_refresh: bool,
) -> None:
    """Run the nightly job: load the inbox, check, build the marts, publish the warehouse.

    Outside a workspace it runs the bundled sample into a demo workspace (./iskpi-demo)."""
    from orchestration.cli.run_view import ConsoleView
    from orchestration.nightly import run_nightly

    started = time.monotonic()
    workspace = context.workspace()
    if workspace is None:
        if input_dir or warehouse_path:
            raise click.UsageError("--input and --warehouse need a workspace: create one with `iskpi init DIR`")
        workspace = demo_workspace()
        input_dir = SAMPLE_INPUT_DIR
    workspace = workspace.with_overrides(
        input_dir=str(input_dir.resolve()) if input_dir else None,
        warehouse=str(warehouse_path.resolve()) if warehouse_path else None,
        max_quarantine_share=max_quarantine_share, max_rejected_files=max_rejected_files,
        max_unresolved_share=max_unresolved_share,
    )
    view = ConsoleView()
    try:
        outcome = view.run(lambda: run_nightly(workspace, as_of.date() if as_of else None, full_refresh), workspace)
    except OSError as error:  # the disk full, a folder made read-only: the published file is as it was
        raise click.ClickException(
            f"could not write {error.filename or 'to the workspace'} ({error.strerror or error}); the published warehouse "
            "is as it was: free disk space or fix the folder's permissions and rerun"
        ) from None
    view.summary(outcome, time.monotonic() - started)
    if not outcome.success:
        sys.exit(1)


def published_warehouse(context: Context, warehouse_path: Path | None) -> Path:
    """--warehouse, else the workspace's published warehouse, which must exist."""
    path = warehouse_path or context.workspace_or_demo().warehouse
    if not path.exists():
        raise click.ClickException(f"{path} does not exist yet: run `iskpi run` first")
    return path


def _share(context: click.Context, parameter: click.Parameter, value: float | None) -> float | None:
    """A rate is a share: 25 for 25% is refused, not read as 2,500%."""
    if value is not None and not 0 < value <= 1:
        hint = f" (for {value:g}%, give {value / 100:g})" if 1 < value <= 100 else ""
        raise click.BadParameter(f"a rate is a share between 0 and 1{hint}", context, parameter)
    return value


WAREHOUSE_OPTION = click.option(
    "--warehouse", "warehouse_path", type=click.Path(path_type=Path, dir_okay=False),
    help="A published warehouse. Default: the workspace's.",
)


@main.group()
def source() -> None:
    """Vendor exports: see how a file would map before a run."""


@source.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--format", "format_name", help="The format to read the files as. Default: the folder's name, else any "
                                               "format whose table the header matches.")
@pass_context
def source_check(context: Context, files: tuple[Path, ...], format_name: str | None) -> None:
    """How FILES would map: the table recognised, the columns read, the rows each canonical table would
    get, the values the mappings do not know yet and the users no rep matches, with counts."""
    import tempfile

    from connectors.source_formats import FormatError, available_formats
    from orchestration.ingest.source_check import CheckSettings, check_file
    from orchestration.paths import DEFAULT_MAPPINGS_DIR
    from orchestration.settings import Settings

    workspace = context.found_workspace()  # the demo's reps too, once `iskpi run` has made it
    try:
        formats = available_formats(workspace.sources_dir if workspace else None)
    except FormatError as error:
        raise click.ClickException(str(error)) from None
    work_db = workspace.work_db if workspace else None
    with tempfile.TemporaryDirectory() as scratch:
        settings = CheckSettings(
            formats=formats,
            mappings_dir=workspace.mappings_dir if workspace else DEFAULT_MAPPINGS_DIR,
            business_time_zone=workspace.settings.business_time_zone if workspace else Settings.business_time_zone,
            work_db=work_db,
            scratch_dir=Path(scratch),
        )
        results = [check_file(path.resolve(), settings, format_name) for path in files]
    for result in results:
        click.echo(result.report)
    if not all(result.maps for result in results):
        sys.exit(1)


@main.command()
@click.argument("sql")
@WAREHOUSE_OPTION
@click.option("--work", "work", is_flag=True,
              help="Read the working database of the warehouse instead (raw rows, audit.quarantine): its owner only.")
@pass_context
def query(context: Context, sql: str, warehouse_path: Path | None, work: bool) -> None:
    """Run SQL against the published warehouse (read-only); SQL is one statement in DuckDB's dialect.
    Unqualified names are the marts' (`show tables` lists them)."""
    import duckdb

    if work:
        if warehouse_path:
            raise click.UsageError("--work reads the working database of the workspace: give --workspace, not --warehouse")
        database, readable = context.workspace_or_demo().work_db, []
        if not database.exists():
            raise click.ClickException(f"{database} does not exist yet: run `iskpi run` first")
    else:
        database = published_warehouse(context, warehouse_path)
        readable = [str(segments_dir(database.resolve()))]
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as error:
        raise click.ClickException(f"the query failed: {error}") from None
    if len(statements) != 1 or statements[0].type not in (duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN):
        raise click.ClickException("iskpi query reads: give it one select (or show, describe, explain) statement")
    try:
        con = duckdb.connect(str(database), read_only=True)
    except duckdb.IOException:
        raise click.ClickException(f"{database} is being written by a run; query it when the run has finished") from None
    with con:
        # the published file's own segments and nothing else: no file written, no other file or database read
        con.execute("set allowed_directories = ?", [readable])
        con.execute("set enable_external_access = false")
        con.execute("set lock_configuration = true")
        if not work and con.execute("select count(*) from duckdb_schemas() where schema_name = 'marts'").fetchone()[0]:
            con.execute("use marts")
        try:
            click.echo(con.sql(sql))
        except duckdb.Error as error:
            raise click.ClickException(f"the query failed: {error}") from None


@main.command()
@click.argument("metrics")
@click.option("--group-by", default="metric_time__month", show_default=True, help="Dimensions, e.g. metric_time__week,rep__team.")
@click.option("--where", multiple=True, help="A filter, e.g. \"{{ Dimension('rep__team') }} = '東京SDR'\"; give it again for more.")
@click.option("--order", help="What to sort by, comma-separated, '-' before a name for descending. Default: the group-by.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many rows.")
@click.option("--start-time", type=click.DateTime(), help="From this day (metric_time), e.g. 2026-04-01.")
@click.option("--end-time", type=click.DateTime(), help="Up to this day (metric_time).")
@click.option("--decimals", type=click.IntRange(min=0), help="Decimals shown for rates and averages.")
@click.option("--csv", "csv_file", type=click.Path(path_type=Path, dir_okay=False), help="Write the rows to this CSV file (UTF-8).")
@click.option("--explain", is_flag=True, help="Show the SQL the question runs as, instead of its answer.")
@WAREHOUSE_OPTION
@pass_context
def metrics(context: Context, metrics: str, group_by: str, where: tuple[str, ...], order: str | None, limit: int | None,
            start_time: datetime | None, end_time: datetime | None, decimals: int | None, csv_file: Path | None,
            explain: bool, warehouse_path: Path | None) -> None:
    """Query KPIs by name through the semantic layer (MetricFlow) against the published warehouse.

    METRICS is a comma-separated list of KPI names (docs/kpi_reference.md).
    """
    from orchestration.transform.semantic_layer import MetricsQuestion, SemanticLayerError, ask

    workspace, warehouse = context.workspace_or_demo(), published_warehouse(context, warehouse_path)
    question = MetricsQuestion(_names(metrics), _names(group_by), where, _names(order or ""), limit, start_time, end_time)
    try:
        answer = ask(workspace, warehouse, question, explain)
    except SemanticLayerError as error:
        raise click.ClickException(str(error)) from None
    if explain:
        click.echo(answer)
        return
    if csv_file is not None:
        try:
            with csv_file.open("w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(answer.column_names)
                writer.writerows(answer.rows)
        except OSError as error:
            raise click.ClickException(f"cannot write {csv_file}: {error.strerror}; give --csv a file in a folder you can write to") from None
        click.echo(f"{answer.row_count:,} rows written to {csv_file}")
    elif answer.row_count == 0:
        click.echo("no rows: nothing matches the question")
    else:
        click.echo(answer.text_format(decimals))


def _names(listed: str) -> list[str]:
    return [name.strip() for name in listed.split(",") if name.strip()]


TRAILING_RATES_SQL = """
select kpi, baseline, trailing_from, trailing_to, months_without_data
from marts.kpi_target_suggestion
where scope_type = 'org' and kpi in ('win_rate', 'meeting_conversion_rate', 'effective_contact_rate',
                                      'avg_deal_size', 'sal_to_sql_rate')
"""


def trailing_rates(warehouse_path: Path | None) -> tuple[dict[str, float], str | None]:
    """The org's rates pooled over the last three complete months of the published warehouse, and
    the months of that window the warehouse has no data for (None when it has all three)."""
    import duckdb

    if warehouse_path is None or not Path(warehouse_path).exists():
        return {}, None
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        try:
            rows = con.execute(TRAILING_RATES_SQL).fetchall()
        except duckdb.BinderException:  # published by a version before pooled baselines: rebuild
            return {}, None
        except duckdb.CatalogException:  # published by a version without target suggestions
            return {}, None
    missing_months = next((months for *_, months in rows if months), None)
    return {kpi: value for kpi, value, *_ in rows if value is not None}, missing_months


@main.command()
@click.option("--wins", type=int, help="Wins needed in the month (reverse plan).")
@click.option("--revenue", type=float, help="Revenue target of the quarter (pipeline plan).")
@click.option("--win-rate", type=float, callback=_share, help="Won ÷ closed.")
@click.option("--meeting-conversion-rate", type=float, callback=_share, help="Meetings ÷ effective contacts.")
@click.option("--connect-rate", type=float, callback=_share, help="Dials that become effective contacts (the warehouse's effective_contact_rate).")
@click.option("--avg-deal-size", type=float, help="Won amount ÷ won deals.")
@click.option("--sal-to-sql-rate", type=float, callback=_share, help="SALs that reach a proposal stage.")
@click.option("--qc-per-sal", type=float, default=3, show_default=True, help="Qualification calls per SAL.")
@click.option("--lead-time-months", type=int, default=6, show_default=True, help="Months from pipeline to revenue.")
@click.option("--month", help="YYYY-MM: spread the dials over its business days.")
@click.option("--quarter", help="YYYYQn: the quarter the revenue is due in (pipeline plan).")
@click.option("--warehouse", "warehouse_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Where rates not given come from: the trailing three complete months. Default: the workspace's.")
@pass_context
def plan(context: Context, wins, revenue, win_rate, meeting_conversion_rate, connect_rate, avg_deal_size, sal_to_sql_rate,
         qc_per_sal, lead_time_months, month, quarter, warehouse_path) -> None:
    """Plan backwards from a target (逆算): meetings, effective contacts and dials, or the pipeline,
    SQLs, SALs and qualification calls it takes. Every count is rounded up."""
    from connectors.calendar import BusinessCalendar
    from orchestration import planning
    from orchestration.paths import DEFAULT_MAPPINGS_DIR

    workspace = context.found_workspace()  # the demo's too, as `query` and `metrics` find it
    if warehouse_path is None and workspace is not None:
        warehouse_path = workspace.warehouse
    calendar = BusinessCalendar.from_mappings(workspace.mappings_dir if workspace else DEFAULT_MAPPINGS_DIR)
    given = {"win_rate": win_rate, "meeting_conversion_rate": meeting_conversion_rate,
             "effective_contact_rate": connect_rate, "avg_deal_size": avg_deal_size, "sal_to_sql_rate": sal_to_sql_rate}
    needed = set()
    if wins is not None:
        needed |= {"win_rate", "meeting_conversion_rate", "effective_contact_rate"}
    if revenue is not None:
        needed |= {"win_rate", "avg_deal_size", "sal_to_sql_rate"}
    missing = [name for name, value in given.items() if value is None and name in needed]
    trailing, months_without_data = trailing_rates(warehouse_path) if missing else ({}, None)
    rates = {name: value if value is not None else trailing.get(name) for name, value in given.items()}
    for name in missing:
        if rates[name] is not None:
            click.echo(f"{name}: {rates[name]:.4g} (pooled over the trailing three months of {warehouse_path})")
    if months_without_data:
        click.echo(f"note: the warehouse has no data for {months_without_data}; the rates cover the other months")

    def need(*names: str) -> bool:
        absent = [n for n in names if rates[n] is None]
        if absent:
            raise click.UsageError(
                f"no {', '.join(absent)}: give it on the command line, or run `iskpi run` so that "
                f"{warehouse_path or 'the workspace warehouse'} has three months to take it from"
            )
        return True

    if wins is None and revenue is None:
        raise click.UsageError("give --wins (reverse plan) or --revenue (pipeline plan)")
    if wins is not None and need("win_rate", "meeting_conversion_rate", "effective_contact_rate"):
        days = calendar.business_days_in_month(*_year_month(month)) if month else None
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


def _year_month(month: str) -> tuple[int, int]:
    try:
        first = datetime.strptime(month, "%Y-%m")
    except ValueError:
        raise click.BadParameter(f"{month!r} is not a month; write it as YYYY-MM, e.g. 2026-04", param_hint="--month") from None
    return first.year, first.month


@main.command()
@WAREHOUSE_OPTION
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The date the warehouse was built as of (iskpi run --as-of); default: that date.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Folder for the sheets. Default: reports/ beside the warehouse.")
@click.option("--encoding", type=click.Choice(["utf-8", "cp932"]), default="utf-8", show_default=True,
              help="CSV encoding: UTF-8 with BOM (Excel opens it), or CP932 for older Excel.")
@pass_context
def report(context: Context, warehouse_path: Path | None, as_of: datetime | None, out_dir: Path | None, encoding: str) -> None:
    """Write the manager's daily, weekly and monthly sheets: HTML (opens offline), Excel workbooks, CSV (formatted and raw)."""
    from orchestration.sheets import ReportError, write_sheets

    warehouse_path = published_warehouse(context, warehouse_path)
    target = out_dir or Path(warehouse_path).parent / "reports"
    try:
        written = write_sheets(Path(warehouse_path), target, as_of.date() if as_of else None, encoding)
    except ReportError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"wrote {len(written)} files to {target}:")
    for path in written:
        click.echo(f"  {path.name}")


@main.command()
@pass_context
def grants(context: Context) -> None:
    """Create or refresh the PostgreSQL readers' roles and row-level security (postgres_publish in iskpi.yml)."""
    from orchestration.defs.resources import WarehouseResource
    from orchestration.serving.postgres import PostgresPublishError, ensure_grants

    workspace = context.workspace_or_demo()
    warehouse = WarehouseResource.for_workspace(workspace)
    if warehouse.postgres_target is None:
        raise click.ClickException(f"{workspace.config_file}: postgres_publish is off; turn it on and run `iskpi run` first")
    try:
        roles = ensure_grants(published_warehouse(context, None), warehouse.postgres_target, warehouse.duckdb_limits)
    except PostgresPublishError as error:
        raise click.ClickException(str(error)) from None
    click.echo("roles that read the marts (set their passwords with ALTER ROLE … PASSWORD):")
    for role in roles:
        click.echo(f"  {role}")


@main.command("kpi-reference")
def kpi_reference() -> None:
    """Render docs/kpi_reference.md from the KPI definitions in the dbt yml, and docs/settings.md
    from the settings (orchestration/settings.py)."""
    from orchestration.kpi_reference import write
    from orchestration.settings import write_reference

    click.echo(f"wrote {write()}")
    click.echo(f"wrote {write_reference()}")


if __name__ == "__main__":
    main()
