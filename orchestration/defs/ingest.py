"""Ingest: one asset per canonical raw table, each with blocking checks, and the holiday calendar,
all materialised by one step."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from dagster import AssetCheckResult, AssetCheckSpec, AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, multi_asset

from connectors.calendar import write_public_holidays
from connectors.contract import entity_names
from connectors.el_postgres import SourceUnavailable, resolve_dsn
from connectors.files import UnreadableFile, discover
from connectors.source_formats import LINKS_ENTITY
from expectations.gate import reconcile
from expectations.rules import referenced_entities
from orchestration import progress
from orchestration.defs.resources import WarehouseResource
from orchestration.ingest.loading import EntityLoad, WorkSession, known_digests, load_entity, remember_digests
from orchestration.ingest.synced_sources import parse_el_schemas, pull_synced_sources, remove_loaded_pulls

INGEST_STEP = "ingest"
HOLIDAYS_PHASE = "raw__jp_public_holidays"
PULL_PHASE = "pull_el_sources"
INPUT_RULES = "input_rules"
ROWS_RECONCILE = "rows_reconcile"


def raw_key(entity: str) -> AssetKey:
    return AssetKey(["raw", entity])


def _rules_verdict(entity: str, load: EntityLoad, raw_rows: int, max_rejected_files: int) -> tuple[bool, str]:
    """Whether this entity's new files may be published, and the line the run summary shows."""
    blocked = [o.message for o in load.outcomes if o.status == "blocked"]
    rejected = [o.message for o in load.outcomes if o.status == "rejected"]
    problems = blocked + (rejected if len(rejected) > max_rejected_files else [])
    if entity == "reps" and raw_rows == 0:
        problems.append(
            "no reps are loaded, so no activity can be attributed: put reps.csv "
            "(rep_id, rep_name, department, role, …) in the input folder and rerun"
        )
    readmitted = [f"  {r.rows_readmitted} quarantined row(s) of {r.file_name} re-admitted: the rule they broke passes now"
                  for r in load.readmitted if r.rows_readmitted]
    if problems:
        return False, "\n".join([*problems, *load.advice])
    if not load.outcomes:
        line = f"no new {entity} file" + (f" ({len(load.skipped)} already loaded)" if load.skipped else "")
        return True, "\n".join([line, *readmitted, *(f"  {a}" for a in load.advice)])
    loaded = sum(o.rows_loaded for o in load.outcomes)
    quarantined = sum(o.rows_quarantined for o in load.outcomes)
    lines = [f"{len(load.outcomes)} file(s): {loaded} rows loaded, {quarantined} quarantined", *readmitted]
    broken = Counter()
    for outcome in load.outcomes:
        broken.update(outcome.violations)
    if broken:
        rules = ", ".join(f"{rule} {n}" for rule, n in sorted(broken.items(), key=lambda item: (-item[1], item[0])))
        lines.append(f"  {entity}: {quarantined} row(s) quarantined ({rules}); see them with `iskpi query --work "
                     f"\"select * from audit.quarantine where entity = '{entity}'\"`; "
                     "rows whose rule passes later (a rep or mapping added) are re-admitted by the next run")
    lines += [f"  {a}" for a in load.advice]
    lines += [f"  extra columns kept aside in raw.{entity}._extra: {o.file_name}: {', '.join(o.extra_columns)}"
              for o in load.outcomes if o.extra_columns]
    lines += [f"  refused, within the {max_rejected_files} file(s) allowed: {message}" for message in rejected]
    return True, "\n".join(lines)


def link_entities(entity: str) -> list[str]:
    """Vendor rows resolve their reps and leads through the reps and source links loaded before them."""
    return [] if entity in ("reps", LINKS_ENTITY) else ["reps", LINKS_ENTITY]


def loaded_first(entity: str) -> list[str]:
    """The tables an entity's rows are checked against or resolved through."""
    return sorted(set(referenced_entities(entity)) | set(link_entities(entity)))


def load_order() -> list[str]:
    """Every entity after the ones it needs, otherwise in the contract's order (reps first)."""
    pending, order = entity_names(), []
    while pending:
        ready = next(e for e in pending if set(loaded_first(e)) <= set(order))
        order.append(ready)
        pending.remove(ready)
    return order


def _raw_spec(entity: str) -> AssetSpec:
    return AssetSpec(
        raw_key(entity), group_name="ingest", skippable=True, deps=[raw_key(e) for e in loaded_first(entity)],
        description=f"Canonical raw.{entity}: new export files landed, checked by the input rules, quarantined, appended.",
    )


def _check_specs(entity: str) -> list[AssetCheckSpec]:
    key = raw_key(entity)
    return [
        AssetCheckSpec(INPUT_RULES, asset=key, blocking=True,
                       description="No file over the quarantine threshold and no more refused files than allowed (expectations/suites)."),
        AssetCheckSpec(ROWS_RECONCILE, asset=key, blocking=True,
                       description="rows_read = rows_loaded + rows_quarantined + exact_duplicates for every file, matching raw and the quarantine."),
    ]


HOLIDAYS = AssetSpec(raw_key("jp_public_holidays"), group_name="ingest", skippable=True,
                     description="Japanese public holidays from the `holidays` library, for the business-day calendar.")


@multi_asset(
    name=INGEST_STEP,
    specs=[HOLIDAYS, *(_raw_spec(entity) for entity in entity_names())],
    check_specs=[check for entity in entity_names() for check in _check_specs(entity)],
    can_subset=True,
)
def ingest(context, warehouse: WarehouseResource):
    """Every raw table in one step: a step each paid Dagster's and DuckDB's start-up, ~0.3 s a
    table on a night without new files. A table whose input rules block is not published, and the
    tables checked against it are not loaded this night."""
    selected = context.selected_asset_keys
    with WorkSession(warehouse.load_settings()) as session:
        if HOLIDAYS.key in selected:
            with progress.phase(HOLIDAYS_PHASE):
                rows = write_public_holidays(session.con, last_year=datetime.now(UTC).year + 2)
            yield MaterializeResult(asset_key=HOLIDAYS.key, metadata={"holidays": rows})
        _pull_el_sources(context, warehouse, session)
        blocked: set[str] = set()
        for entity in load_order():
            if raw_key(entity) not in selected:
                continue
            waiting_for = sorted(blocked & set(loaded_first(entity)))
            if waiting_for:
                blocked.add(entity)
                context.log.warning(f"{entity}: not loaded this night, because {', '.join(waiting_for)} did not pass its input rules")
                continue
            with progress.phase(f"raw__{entity}"):
                results = list(_load_raw_table(context, warehouse, entity, session))
            if not all(r.passed for r in results if isinstance(r, AssetCheckResult)):
                blocked.add(entity)
            yield from results
        if warehouse.settings.el_postgres_schemas:
            remove_loaded_pulls(session.con, warehouse.synced_dir, warehouse.formats)


class ElSourceError(Exception):
    """An EL database that cannot be read as iskpi.yml names it: the night stops before loading anything."""


def _pull_el_sources(context, warehouse: WarehouseResource, session: WorkSession) -> None:
    """Rows EL tools synced into PostgreSQL since the last pull, into the folder the load reads."""
    sources = parse_el_schemas(warehouse.settings.el_postgres_schemas)
    if not sources:
        return
    unknown = sorted({s.format for s in sources} - set(warehouse.formats))
    if unknown:
        raise ElSourceError(f"el_postgres_schemas in iskpi.yml names {', '.join(unknown)}, which is no source format; "
                            f"the formats are {', '.join(sorted(warehouse.formats))} (a team's own goes in sources/<name>.yml)")
    with progress.phase(PULL_PHASE):
        try:
            dsn = resolve_dsn(warehouse.settings.el_postgres_dsn, Path(warehouse.workspace_dir))
            lines = pull_synced_sources(session.con, sources, dsn, warehouse.formats, warehouse.synced_dir)
        except SourceUnavailable as refusal:
            raise ElSourceError(str(refusal)) from None
    for line in lines:
        context.log.info(line)


def _load_raw_table(context: AssetExecutionContext, warehouse: WarehouseResource, entity: str, session: WorkSession):
    key = raw_key(entity)
    settings = session.settings
    now = datetime.now(UTC)
    known = known_digests(session.con)
    try:
        files = discover(warehouse.input_folders, entity, entity_names(), warehouse.formats, known)
    except UnreadableFile as refusal:
        yield MaterializeResult(asset_key=key)
        yield AssetCheckResult(asset_key=key, check_name=INPUT_RULES, passed=False, description=str(refusal))
        yield AssetCheckResult(asset_key=key, check_name=ROWS_RECONCILE, passed=True, description="nothing read")
        return
    load = load_entity(entity, files, settings, now, session)
    remember_digests(session.con, files, known)
    touched = [o.file_id for o in load.outcomes] + [r.file_id for r in load.readmitted]
    problems = reconcile(session.con, entity, touched)
    raw_rows = session.con.execute(f"select count(*) from raw.{entity}").fetchone()[0]
    passed, verdict = _rules_verdict(entity, load, raw_rows, warehouse.settings.max_rejected_files)
    context.log.info(f"{entity}: {verdict}")
    counts = {
        "files": len(load.outcomes),
        "rows_loaded": sum(o.rows_loaded for o in load.outcomes),
        "rows_quarantined": sum(o.rows_quarantined for o in load.outcomes),
        "rows_readmitted": sum(r.rows_readmitted for r in load.readmitted),
        "exact_duplicates": sum(o.exact_duplicates for o in load.outcomes),
    }
    progress.note(
        f"{counts['files']} new file(s), {counts['rows_loaded']:,} rows loaded, {counts['rows_quarantined']:,} quarantined"
        + (f", {counts['rows_readmitted']:,} re-admitted" if counts["rows_readmitted"] else "")
        if counts["files"] or counts["rows_readmitted"] else f"no new file ({len(load.skipped)} already loaded)"
    )
    yield MaterializeResult(
        asset_key=key,
        metadata={
            **counts,
            "file_names": [o.file_name for o in load.outcomes],
            "skipped_already_loaded": load.skipped,
            "raw_rows": raw_rows,
        },
    )
    yield AssetCheckResult(
        asset_key=key,
        check_name=INPUT_RULES,
        passed=passed,
        description=verdict,
        metadata={"violations_by_file": {o.file_name: dict(o.violations) for o in load.outcomes if o.violations}},
    )
    yield AssetCheckResult(
        asset_key=key,
        check_name=ROWS_RECONCILE,
        passed=not problems,
        description="\n".join(problems) or "every row of every file is accounted for",
    )
