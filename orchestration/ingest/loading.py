"""One entity's nightly load, as plain Python: recheck what was held back → land → admit
(quarantine, raw, audit).

The input rules are evaluated once, inside DuckDB, by the gate (expectations/gate.py), with the
SQL each rule of the Great Expectations suites compiles to. With `great_expectations_cross_check`
GX's own engine validates every landed file as well, over the same connection, and a count that
differs from the gate's stops the load: a second pass over every file, which the tests of the
loader always make and a team may ask for.

The tables of a night share one connection to the working database (`WorkSession`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from connectors import normalize, source_formats
from connectors.contract import Entity, load_contract
from connectors.files import ExportFile, FileStamp, file_stamp, private_folder
from connectors.landing import LandedFile, RejectedFile, attach_landing, create_landing_table, land_file
from connectors.source_formats import LINKS_ENTITY, SourceFormat
from connectors.sql import DuckDBLimits, ident, literal
from expectations.gate import (
    FileOutcome,
    GateSettings,
    Readmission,
    admit,
    ensure_audit,
    loaded_shas,
    next_file_id,
    readmit,
    unknown_value_advice,
)
from expectations.rules import Rule, rules_for
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
    formats: Mapping[str, SourceFormat] = field(default_factory=dict)  # the vendor formats the inbox may hold
    great_expectations_cross_check: bool = False  # GX's engine validates every landed file beside the gate


@dataclass(frozen=True)
class EntityLoad:
    entity: str
    outcomes: list[FileOutcome]
    skipped: list[str]  # files whose content was already loaded
    readmitted: list[Readmission]  # held rows of earlier files that pass the rules now
    gx_violations: dict[str, dict[str, int]] | None  # file name -> rule -> rows, as GX counted (None: not cross-checked)
    advice: list[str]  # unknown enumeration values and the mapping line that makes each known


def connect(work_db: Path, limits: DuckDBLimits) -> duckdb.DuckDBPyConnection:
    private_folder(work_db.parent)
    con = limits.apply(duckdb.connect(str(work_db)))
    # a row's hash includes its timestamps as text, which must not depend on the session's zone
    con.execute("set TimeZone = 'UTC'")
    return con


class WorkSession:
    """The working database, opened when first needed and kept open: an open reads its catalog,
    ~40 ms, which thirteen tables paid three times each on a night without new files. Each open
    attaches the in-memory landing catalog and installs the normal-form functions the landing
    reads files with."""

    def __init__(self, settings: LoadSettings):
        self.settings = settings
        self._con: duckdb.DuckDBPyConnection | None = None

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            self._con = connect(self.settings.work_db, self.settings.limits)
            attach_landing(self._con)
            normalize.install(self._con, self.settings.business_time_zone)
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> WorkSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def known_digests(con: duckdb.DuckDBPyConnection) -> dict[FileStamp, str]:
    """The content digest of every input file seen before, by path, size and modification time: a
    file copied again (a new modification time) or changed is read and hashed again."""
    ensure_audit(con)
    return {(path, size, modified): sha for path, size, modified, sha in con.execute("select * from audit.file_digests").fetchall()}


def remember_digests(con: duckdb.DuckDBPyConnection, files: list[ExportFile], known: Mapping[FileStamp, str]) -> None:
    """Keep the digests of the files hashed this night (a vendor file of several tables is one row)."""
    new = {file_stamp(f.path): f.sha256 for f in files if f.path.exists() and file_stamp(f.path) not in known}
    if new:
        con.executemany("insert or replace into audit.file_digests values (?, ?, ?, ?)",
                        [[path, size, modified, sha] for (path, size, modified), sha in new.items()])


def load_entity(
    entity_name: str,
    files: list[ExportFile],
    settings: LoadSettings,
    now: datetime,
    session: WorkSession | None = None,
) -> EntityLoad:
    if session is None:
        with WorkSession(settings) as own:
            return load_entity(entity_name, files, settings, now, own)
    entity = load_contract()[entity_name]
    rules = rules_for(entity_name, settings.mappings_dir)
    latest_plausible = now + settings.future_tolerance

    con = session.con
    ensure_audit(con)
    already = loaded_shas(con, entity_name)
    seen: set[tuple[str, object]] = set()
    pending, skipped = [], []
    for export in files:
        # a file whose content was loaded before is skipped; one vendor file may hold several
        # outputs for the entity, each landed as a part of its own
        if export.sha256 in already or (export.sha256, export.source.output) in seen:
            skipped.append(export.name)
        else:
            seen.add((export.sha256, export.source.output))
            pending.append(export)
    create_landing_table(con, entity)
    # vendor users and links are resolved only for a load that has vendor rows, new or held
    vendor_files = any(export.source.table is not None for export in pending)
    if vendor_files:
        source_formats.install_helpers(con, settings.business_time_zone, settings.mappings_dir)
    if vendor_files or holds_vendor_users(con, entity_name, rules):
        install_identities(con, settings.mappings_dir)
        resolve_held_reps(con, entity_name, rules)
    readmitted = readmit(con, entity, rules, latest_plausible)
    first_id = next_file_id(con)
    gate = GateSettings(settings.max_quarantine_share, latest_plausible, now)
    gx_violations: dict[str, dict[str, int]] | None = {} if settings.great_expectations_cross_check else None
    outcomes, batch, batch_rows, rows = [], [], 0, 0
    sizes = [export.path.stat().st_size for export in pending]
    with progress.task(f"land {entity_name}", total=sum(sizes), unit="bytes") as task:
        installed = None
        for i, (export, size) in enumerate(zip(pending, sizes)):
            if export.source.table is not None and export.source.format != installed:
                installed = export.source.format
                source_formats.install_format(con, settings.formats[installed], IDENTITIES, LINKS)
            result = land_file(con, entity, export, first_id + i, settings.scratch_dir, settings.business_time_zone)
            batch.append(result)
            if isinstance(result, LandedFile):
                rows += result.rows_read
                batch_rows += result.rows_read
            task.advance(size, f"{rows:,} rows")
            if batch_rows >= ADMIT_BATCH_ROWS:
                outcomes += _admit_batch(con, entity, rules, batch, gate, gx_violations)
                batch, batch_rows = [], 0
                create_landing_table(con, entity)
        outcomes += _admit_batch(con, entity, rules, batch, gate, gx_violations)
    advice = unknown_value_advice(con, entity_name, rules, [o.file_id for o in outcomes], settings.mappings_dir)
    for outcome in outcomes:
        if gx_violations is not None and outcome.status != "rejected" and gx_violations[outcome.file_name] != outcome.violations:
            raise AssertionError(
                f"{outcome.file_name}: Great Expectations counted {gx_violations[outcome.file_name]} "
                f"but the quarantine holds {outcome.violations}; the rule definitions have diverged"
            )
    return EntityLoad(entity_name, outcomes, skipped, readmitted, gx_violations, advice)


# Landed rows are admitted in batches of about this many: a whole history at once (24 M calls)
# outgrows DuckDB's memory limit in landing and in the gate's tables, and every pass then
# reads spilled blocks back (153 s to admit 23.8 M calls at once; 2.55 M took 8.8 s).
ADMIT_BATCH_ROWS = 2_000_000


def _admit_batch(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    rules: tuple[Rule, ...],
    results: list[LandedFile | RejectedFile],
    gate: GateSettings,
    gx_violations: dict[str, dict[str, int]] | None,
) -> list[FileOutcome]:
    """Admit what landing holds (`results`), after GX's own validation when cross-checking.
    Across batches the gate decides as over one: a row equal to one of an earlier batch is an
    exact duplicate of a row in raw by then."""
    landed = [r for r in results if isinstance(r, LandedFile)]
    rejected = [r for r in results if isinstance(r, RejectedFile)]
    if gx_violations is not None and landed:  # importing GX alone takes seconds
        from expectations.gx_validation import validate_files

        counts = validate_files(con, entity.name, [f.file_id for f in landed], rules, gate.latest_plausible)
        names = {f.file_id: f.export.name for f in landed}
        gx_violations.update({names[i]: {rule: n for rule, n in by_rule.items() if n} for i, by_rule in counts.items()})
    return admit(con, entity, rules, landed, rejected, gate)


REP_IDENTITIES_MAPPING = "rep_identities.csv"
# temp tables of a load's session: vendor users → reps, and the latest version of each source link
IDENTITIES = "iskpi_rep_identities"
LINKS = "iskpi_source_links"


def has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
    ).fetchone()[0])


def install_identities(con: duckdb.DuckDBPyConnection, mappings_dir: Path) -> None:
    """Who each vendor user is, for this load (temp tables IDENTITIES and LINKS).

    A user key is `<format>:<user as the export writes it>` or an e-mail. In order of precedence:
    the team's mappings/rep_identities.csv (for what has no e-mail: a Twilio client identity, a
    caller id), the e-mail of the user's `user` link (a Salesforce user, a HubSpot owner), a rep's
    own e-mail (exports that name the user by e-mail), and a rep's name when no other rep has it
    (`name:<name without spaces>`: Aircall and report exports name the user)."""
    mapping = mappings_dir / REP_IDENTITIES_MAPPING
    parts = []
    if mapping.exists():
        parts.append(
            f"select lower(iskpi_text(source)) || ':' || iskpi_text(\"user\") as user_key, iskpi_text(rep_id) as rep_id, 1 as precedence "
            f"from read_csv({literal(str(mapping))}, header = true, all_varchar = true) "
            "where iskpi_text(source) is not null and iskpi_text(\"user\") is not null and iskpi_text(rep_id) is not null"
        )
    if has_table(con, "raw", LINKS_ENTITY):
        con.execute(
            f"""
            create or replace temp table {LINKS} as
            select * exclude (_order) from (
                select source, object, source_id, lead_id, email, phone, name, record_id,
                       row_number() over (partition by source, object, source_id
                                          order by _append_id desc nulls last, _file_id desc, _row_number desc) as _order
                from raw.{LINKS_ENTITY})
            where _order = 1
            """
        )
    else:
        con.execute(f"create or replace temp table {LINKS} (source varchar, object varchar, source_id varchar, "
                    "lead_id varchar, email varchar, phone varchar, name varchar, record_id varchar)")
    if has_table(con, "raw", "reps"):
        parts.append(f"select l.source || ':' || l.source_id, r.rep_id, 2 from {LINKS} l join raw.reps r on r.email = l.email "
                     "where l.object = 'user' and l.email is not null")
        parts.append("select email, rep_id, 3 from raw.reps where email is not null")
        # a name names a rep only when no other rep has it
        parts.append("select 'name:' || replace(rep_name, ' ', ''), min(rep_id), 4 from raw.reps where rep_name is not null "
                     "group by replace(rep_name, ' ', '') having count(distinct rep_id) = 1")
    union = " union all ".join(parts) or "select null::varchar as user_key, null::varchar as rep_id, 0 as precedence"
    con.execute(
        f"create or replace temp table {IDENTITIES} as "
        f"select user_key, arg_min(rep_id, (precedence, rep_id)) as rep_id from ({union}) where user_key is not null group by user_key"
    )


def _rep_columns(rules) -> list[str]:
    """The columns of an entity that name a rep (the rep reference rules)."""
    return [ident(r.column) for r in rules if r.kind == "references" and r.ref_entity == "reps"]


def holds_vendor_users(con: duckdb.DuckDBPyConnection, entity: str, rules) -> bool:
    """Whether held rows of the entity name a vendor user no rep matched (`<format>:<user>`)."""
    columns = _rep_columns(rules)
    if not columns or not has_table(con, "quarantine", entity):
        return False
    condition = " or ".join(f"{column} like '%:%'" for column in columns)
    return con.execute(f"select count(*) from quarantine.{ident(entity)} where {condition}").fetchone()[0] > 0


def resolve_held_reps(con: duckdb.DuckDBPyConnection, entity: str, rules) -> None:
    """Held rows whose rep was a vendor user nobody could name (`<format>:<user>`) take the rep the
    identities name now, so that the recheck re-admits them once a rep or mapping line is added."""
    if not has_table(con, "quarantine", entity):
        return
    for column in _rep_columns(rules):
        con.execute(
            f"update quarantine.{ident(entity)} q set {column} = i.rep_id from {IDENTITIES} i "
            f"where q.{column} = i.user_key and q.{column} like '%:%'"
        )
