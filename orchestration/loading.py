"""One entity's nightly load, as plain Python: recheck what was held back → land → validate (GX)
→ admit (quarantine, raw, audit).

Each step opens the working database and closes it again: DuckDB allows one writer per file and
GX connects through its own engine, so no connection outlives its step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from connectors import normalize
from connectors.contract import load_contract
from connectors.files import ExportFile
from connectors.sql import DuckDBLimits
from connectors.landing import TEMPLATE, LandedFile, RejectedFile, SourceFormat, create_landing_table, land_file
from expectations.gate import (
    FileOutcome, GateSettings, Readmission, admit, ensure_audit, loaded_shas, next_file_id, readmit, unknown_value_advice,
)
from expectations.gx_validation import validate_files
from expectations.rules import rules_for
from orchestration import progress


@dataclass(frozen=True)
class LoadSettings:
    work_db: Path
    limits: DuckDBLimits
    scratch_dir: Path
    mappings_dir: Path
    business_time_zone: str
    max_quarantine_share: float
    future_tolerance: timedelta


@dataclass(frozen=True)
class EntityLoad:
    entity: str
    outcomes: list[FileOutcome]
    skipped: list[str]  # files whose content was already loaded
    readmitted: list[Readmission]  # held rows of earlier files that pass the rules now
    gx_violations: dict[str, dict[str, int]]  # file name -> rule -> rows, as Great Expectations counted
    advice: list[str]  # unknown enumeration values and the mapping line that makes each known


def connect(work_db: Path, limits: DuckDBLimits) -> duckdb.DuckDBPyConnection:
    work_db.parent.mkdir(parents=True, exist_ok=True)
    con = limits.apply(duckdb.connect(str(work_db)))
    # a row's hash includes its timestamps as text, which must not depend on the session's zone
    con.execute("set TimeZone = 'UTC'")
    return con


def load_entity(
    entity_name: str,
    files: list[ExportFile],
    settings: LoadSettings,
    now: datetime,
    source_format: SourceFormat = TEMPLATE,
) -> EntityLoad:
    entity = load_contract()[entity_name]
    rules = rules_for(entity_name, settings.mappings_dir)
    latest_plausible = now + settings.future_tolerance

    with connect(settings.work_db, settings.limits) as con:
        ensure_audit(con)
        already = loaded_shas(con, entity_name)
        seen: set[str] = set()
        pending, skipped = [], []
        for export in files:
            if export.sha256 in already or export.sha256 in seen:
                skipped.append(export.name)
            else:
                seen.add(export.sha256)
                pending.append(export)
        normalize.install(con, settings.business_time_zone)
        create_landing_table(con, entity)
        readmitted = readmit(con, entity, rules, latest_plausible)
        first_id = next_file_id(con)
        results, rows = [], 0
        sizes = [export.path.stat().st_size for export in pending]
        with progress.task(f"land {entity_name}", total=sum(sizes), unit="bytes") as task:
            for i, (export, size) in enumerate(zip(pending, sizes)):
                result = land_file(con, entity, export, first_id + i, source_format, settings.scratch_dir)
                results.append(result)
                rows += result.rows_read if isinstance(result, LandedFile) else 0
                task.advance(size, f"{rows:,} rows")
    landed = [r for r in results if isinstance(r, LandedFile)]
    rejected = [r for r in results if isinstance(r, RejectedFile)]

    gx_counts = validate_files(settings.work_db, settings.limits, entity_name, [f.file_id for f in landed], rules, latest_plausible)

    with connect(settings.work_db, settings.limits) as con:
        outcomes = admit(
            con,
            entity,
            rules,
            landed,
            rejected,
            GateSettings(settings.max_quarantine_share, latest_plausible, now),
        )
        advice = unknown_value_advice(con, entity_name, rules, [o.file_id for o in outcomes], settings.mappings_dir)
    names = {f.file_id: f.export.name for f in landed}
    gx_violations = {names[i]: {rule: n for rule, n in counts.items() if n} for i, counts in gx_counts.items()}
    for outcome in outcomes:
        if outcome.status != "rejected" and gx_violations[outcome.file_name] != outcome.violations:
            raise AssertionError(
                f"{outcome.file_name}: Great Expectations counted {gx_violations[outcome.file_name]} "
                f"but the quarantine holds {outcome.violations}; the rule definitions have diverged"
            )
    return EntityLoad(entity_name, outcomes, skipped, readmitted, gx_violations, advice)
