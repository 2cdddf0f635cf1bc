"""The gate between landing and raw: every landed row ends in exactly one place.

Per file, in one transaction: rows breaking a rule go to `audit.quarantine` with the rule and the
value; rows identical to one already loaded are counted as exact duplicates; the rest are appended
to `raw.<entity>`. A file with more than `max_quarantine_share` of its rows quarantined is blocked
whole: none of its rows reach raw, so fixing the file and rerunning loads it cleanly.

A quarantine is not final (SPEC §3): the rows a loaded file had quarantined are held whole in
`quarantine.<entity>`, and every run rechecks them against the rules as they are then (a rep
loaded since, a mapping edited) and re-admits those that now pass. `audit.load_files` records,
per file, rows_read = rows_loaded + rows_readmitted + rows_quarantined + exact_duplicates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from connectors.contract import Entity
from connectors.landing import LandedFile, RejectedFile
from connectors.normalize import SQL_TYPES
from connectors.sql import ident, literal
from expectations.rules import Rule

BLOCKED_RULE = "file.over_quarantine_threshold"

AUDIT_DDL = """
create schema if not exists audit;
create schema if not exists raw;
-- the digest of every input file seen, by path, size and modification time: a night hashes only
-- the files it has not seen (the inbox keeps every night's exports)
create table if not exists audit.file_digests (
    path varchar primary key,
    size_bytes bigint not null,
    modified_ns bigint not null,
    sha256 varchar not null
);
create table if not exists audit.load_files (
    file_id bigint primary key,
    entity varchar not null,
    file_name varchar not null,
    sha256 varchar not null,
    encoding varchar,
    status varchar not null,          -- loaded | blocked | rejected
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_quarantined bigint not null,
    exact_duplicates bigint not null,
    extra_columns varchar,
    message varchar,
    loaded_at timestamptz not null
);
create table if not exists audit.quarantine (
    file_id bigint not null,
    entity varchar not null,
    file_name varchar not null,
    row_number bigint not null,       -- data row in the file, header excluded
    rule varchar not null,
    column_name varchar,
    value varchar,
    rep_id varchar                    -- the row's responsible rep (contract.yml), for 入力品質
);
-- warehouses made before input quality was credited to reps
alter table audit.quarantine add column if not exists rep_id varchar;
-- rows of a loaded file re-admitted by a later run, once the rule they broke passed
alter table audit.load_files add column if not exists rows_readmitted bigint default 0;
-- a vendor export: its format and table (`salesforce.task`), and its own rows before the format
-- filtered or grouped them into rows_read canonical rows (a call's legs, a task that is no call)
alter table audit.load_files add column if not exists source_format varchar;
alter table audit.load_files add column if not exists source_rows bigint;
-- the latest recorded_at (contract.yml) of the rows a file loaded: how current its source is
alter table audit.load_files add column if not exists latest_record_at timestamptz;
create schema if not exists quarantine;
-- rows read per file and responsible rep: the denominator of 入力品質 (marts.input_quality)
create table if not exists audit.load_file_reps (
    file_id bigint not null,
    rep_id varchar,
    rows_read bigint not null
);
-- every append to a raw table, numbered: raw rows carry the number (_append_id), so the nightly
-- dbt build reads only what was appended since the last build (files admitted, rows re-admitted)
create table if not exists audit.raw_appends (
    append_id bigint primary key,
    entity varchar not null,
    rows_appended bigint not null,
    appended_at timestamptz not null
);
"""


@dataclass(frozen=True)
class GateSettings:
    max_quarantine_share: float
    latest_plausible: datetime  # load time plus the future tolerance
    loaded_at: datetime


@dataclass(frozen=True)
class FileOutcome:
    file_id: int
    file_name: str
    status: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    exact_duplicates: int
    violations: dict[str, int]
    message: str | None
    extra_columns: tuple[str, ...] = ()  # kept aside in raw.<entity>._extra


def ensure_audit(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(AUDIT_DDL)


def next_file_id(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("select coalesce(max(file_id), 0) + 1 from audit.load_files").fetchone()[0]


def loaded_shas(con: duckdb.DuckDBPyConnection, entity: str) -> set[str]:
    rows = con.execute("select sha256 from audit.load_files where entity = ? and status = 'loaded'", [entity]).fetchall()
    return {sha for (sha,) in rows}


def ensure_raw_table(con: duckdb.DuckDBPyConnection, entity: Entity) -> None:
    contract_columns = [f"{ident(c.name)} {SQL_TYPES[c.type]}" for c in entity.columns] + ["_extra json"]
    lineage = ["_file_id bigint not null", "_row_number bigint not null", "_row_hash varchar not null"]
    con.execute(f"create table if not exists raw.{entity.name} ({', '.join(contract_columns + lineage)})")
    # empty in rows appended before appends were numbered: the first build after that is a full one
    con.execute(f"alter table raw.{entity.name} add column if not exists _append_id bigint")
    # quarantined rows of loaded files, whole, in the landing table's shape: rechecked every run
    con.execute(f"create table if not exists quarantine.{entity.name} as select * from landing.{entity.name} limit 0")
    # tables an earlier version made gain the columns the contract has added since (empty in old rows)
    landing_columns = con.execute(
        "select column_name, data_type from information_schema.columns where table_catalog = 'landing' and table_name = ?",
        [entity.name],
    ).fetchall()
    for table, columns in ((f"raw.{entity.name}", contract_columns),
                           (f"quarantine.{entity.name}", [f"{ident(n)} {t}" for n, t in landing_columns])):
        for column in columns:
            con.execute(f"alter table {table} add column if not exists {column}")


def _row_hash(entity: Entity) -> str:
    """What makes two rows exact duplicates: every contract column, nothing of where it came from."""
    content = ", ".join(f"{ident(c.name)} := {ident(c.name)}" for c in entity.columns)
    return f"md5(to_json(struct_pack({content})))"


def _violations_sql(entity: Entity, rules: tuple[Rule, ...], table: str, latest_plausible: datetime) -> str:
    """One row per (row, broken rule) of `table`, with the value and the responsible rep."""
    selects = [
        f"select _file_id, _row_number, {literal(rule.name)} as rule, {literal(rule.column)} as column_name, "
        f"{_value_expression(rule)} as value, {_rep_expression(entity)} as rep_id "
        f"from {table} where {rule.violation_sql(latest_plausible)}"
        for rule in rules
    ]
    return " union all ".join(selects) if selects else (
        "select null::bigint _file_id, null::bigint _row_number, null rule, null column_name, null value, null rep_id where false"
    )


def _append_to_raw(
    con: duckdb.DuckDBPyConnection, entity: Entity, batch: str, rows_sql: str, params: list | None = None
) -> None:
    """Append the rows `rows_sql` selects (landing-shaped) to raw.<entity>, except exact duplicates:
    a row already in raw, or repeated within the batch. The batch stays in temp table `batch`
    with its `_row_hash` and `is_duplicate`, for the audit's counts."""
    # Both tests of a duplicate read only (hash, position): the hash table is built over the
    # batch and raw's hashes only probe it, so a night costs its own rows, not raw's history
    # (building over raw made each batch of a full load slower than the one before); and the
    # numbering within the batch never carries the rows' other columns through its sort.
    con.execute(
        f"""
        create or replace temp table {batch} as
        with clean as (select r.*, {_row_hash(entity)} as _row_hash from ({rows_sql}) r),
             loaded_before as (select distinct _row_hash from raw.{entity.name} where _row_hash in (select _row_hash from clean)),
             repeated as (
                 select _file_id, _row_number from (
                     select _file_id, _row_number,
                            row_number() over (partition by _row_hash order by _file_id, _row_number) as nth
                     from clean)
                 where nth > 1)
        select clean.*,
               _row_hash in (select _row_hash from loaded_before)
               or (_file_id, _row_number) in (select (_file_id, _row_number) from repeated) as is_duplicate
        from clean
        """,
        params or [],
    )
    columns = ", ".join([*(ident(c.name) for c in entity.columns), "_file_id", "_row_number", "_row_hash", "_extra"])
    append_id = con.execute("select coalesce(max(append_id), 0) + 1 from audit.raw_appends").fetchone()[0]
    appended = con.execute(
        f"insert into raw.{entity.name} ({columns}, _append_id) select {columns}, {int(append_id)} "
        f"from {batch} where not is_duplicate order by _file_id, _row_number"
    ).fetchone()[0]
    if appended:
        con.execute("insert into audit.raw_appends values (?, ?, ?, now())", [append_id, entity.name, appended])


@dataclass(frozen=True)
class Readmission:
    file_id: int
    file_name: str
    rows_readmitted: int
    exact_duplicates: int  # rechecked rows identical to a row loaded meanwhile


def readmit(
    con: duckdb.DuckDBPyConnection, entity: Entity, rules: tuple[Rule, ...], latest_plausible: datetime
) -> list[Readmission]:
    """Recheck every held row against the rules as they are now; load the rows that pass and
    record them per file. Rows that still fail keep their place, with the rules they break now."""
    ensure_raw_table(con, entity)
    held = f"quarantine.{entity.name}"
    if not con.execute(f"select count(*) from {held}").fetchone()[0]:
        return []
    con.execute("begin transaction")
    try:
        con.execute(f"create or replace temp table held_violations as {_violations_sql(entity, rules, held, latest_plausible)}")
        _append_to_raw(
            con,
            entity,
            "passing",
            f"""
            select h.* from {held} h
            where not exists (select 1 from held_violations v where v._file_id = h._file_id and v._row_number = h._row_number)
            """,
        )
        readmitted = con.execute(
            """
            select p._file_id, f.file_name, count(*) filter (not is_duplicate), count(*) filter (is_duplicate)
            from passing p join audit.load_files f on f.file_id = p._file_id
            group by all order by p._file_id
            """
        ).fetchall()
        # the held rows' quarantine records are replaced by the rules they break now
        con.execute(
            f"delete from audit.quarantine where entity = ? and (file_id, row_number) in (select (_file_id, _row_number) from {held})",
            [entity.name],
        )
        con.execute(
            """
            insert into audit.quarantine
            select v._file_id, ?, f.file_name, v._row_number, v.rule, v.column_name, v.value, v.rep_id
            from held_violations v join audit.load_files f on f.file_id = v._file_id
            """,
            [entity.name],
        )
        con.execute(f"delete from {held} where (_file_id, _row_number) in (select (_file_id, _row_number) from passing)")
        for file_id, _, loaded, duplicates in readmitted:
            con.execute(
                """
                update audit.load_files
                set rows_readmitted = rows_readmitted + ?, exact_duplicates = exact_duplicates + ?,
                    rows_quarantined = rows_quarantined - ? - ?
                where file_id = ?
                """,
                [loaded, duplicates, loaded, duplicates, file_id],
            )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return [Readmission(*row) for row in readmitted]


def _value_expression(rule: Rule) -> str:
    if rule.inspected_column is None:  # a rule on the whole row: no one value to show
        return "null::varchar"
    return f"cast({ident(rule.inspected_column)} as varchar)"


def _rep_expression(entity: Entity, alias: str = "") -> str:
    if entity.responsible_rep is None:
        return "null::varchar"
    return f"cast({alias}{ident(entity.responsible_rep)} as varchar)"


def admit(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    rules: tuple[Rule, ...],
    landed: list[LandedFile],
    rejected: list[RejectedFile],
    settings: GateSettings,
) -> list[FileOutcome]:
    """Quarantine, deduplicate and load this run's landed files; record every file in the audit."""
    ensure_raw_table(con, entity)
    table = f"landing.{entity.name}"
    con.execute("begin transaction")
    try:
        retried = [f.export.sha256 for f in (*landed, *rejected)]
        if retried:  # an earlier attempt at the same content that was blocked or rejected
            for audit_table in ("audit.quarantine", "audit.load_file_reps"):
                con.execute(
                    f"delete from {audit_table} where file_id in "
                    "(select file_id from audit.load_files where entity = ? and sha256 in (select unnest(?)))",
                    [entity.name, retried],
                )
            con.execute("delete from audit.load_files where entity = ? and sha256 in (select unnest(?))", [entity.name, retried])

        con.execute(
            f"create or replace temp table violations as {_violations_sql(entity, rules, table, settings.latest_plausible)}"
        )
        # rows breaking any rule over rows read, per file (a landing row number is unique in its file)
        shares = dict(
            con.execute(
                f"""
                with rows_read as (select _file_id, count(*) as n from {table} group by _file_id),
                     broken as (select _file_id, count(distinct _row_number) as n from violations group by _file_id)
                select rows_read._file_id, coalesce(broken.n, 0) / rows_read.n
                from rows_read left join broken using (_file_id)
                """
            ).fetchall()
        )
        blocked_ids = sorted(f.file_id for f in landed if shares.get(f.file_id, 0) > settings.max_quarantine_share)
        _append_to_raw(
            con,
            entity,
            "admitted",
            f"""
            select l.* from {table} l
            where not exists (select 1 from violations v where v._file_id = l._file_id and v._row_number = l._row_number)
              and l._file_id not in (select unnest(?::bigint[]))
            """,
            [blocked_ids],
        )
        con.execute(
            f"""
            insert into quarantine.{entity.name} by name
            select l.* from {table} l
            where l._file_id not in (select unnest(?::bigint[]))
              and exists (select 1 from violations v where v._file_id = l._file_id and v._row_number = l._row_number)
            """,
            [blocked_ids],
        )
        names = {f.file_id: f.export.name for f in landed}
        con.execute(
            """
            insert into audit.quarantine
            select v._file_id, ?, n.file_name, v._row_number, v.rule, v.column_name, v.value, v.rep_id
            from violations v join (select unnest(?) as file_id, unnest(?) as file_name) n on n.file_id = v._file_id
            """,
            [entity.name, list(names), list(names.values())],
        )
        con.execute(
            f"insert into audit.load_file_reps select _file_id, {_rep_expression(entity)}, count(*) from {table} group by all"
        )
        for file_id in blocked_ids:  # rows that broke no rule are held back with the file-level rule
            con.execute(
                f"""
                insert into audit.quarantine
                select _file_id, ?, ?, _row_number, {literal(BLOCKED_RULE)}, null, null, {_rep_expression(entity, "l.")}
                from {table} l
                where _file_id = ? and not exists
                    (select 1 from violations v where v._file_id = l._file_id and v._row_number = l._row_number)
                """,
                [entity.name, names[file_id], file_id],
            )
        outcomes = [_outcome(con, f, blocked=f.file_id in blocked_ids, settings=settings) for f in landed]
        outcomes += [FileOutcome(f.file_id, f.export.name, "rejected", 0, 0, 0, 0, {}, f.message) for f in rejected]
        for outcome, export_file in zip(outcomes, [*landed, *rejected]):
            con.execute(
                """
                insert into audit.load_files (file_id, entity, file_name, sha256, encoding, status, rows_read, rows_loaded,
                    rows_quarantined, exact_duplicates, extra_columns, message, loaded_at, rows_readmitted, source_format, source_rows)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)
                """,
                [
                    outcome.file_id,
                    entity.name,
                    outcome.file_name,
                    export_file.export.sha256,
                    getattr(export_file, "encoding", None),
                    outcome.status,
                    outcome.rows_read,
                    outcome.rows_loaded,
                    outcome.rows_quarantined,
                    outcome.exact_duplicates,
                    ", ".join(outcome.extra_columns) or None,
                    outcome.message,
                    settings.loaded_at,
                    export_file.export.source.label,
                    getattr(export_file, "source_rows", None),
                ],
            )
        if entity.recorded_at:
            con.execute(
                f"""
                update audit.load_files set latest_record_at = admitted.latest
                from (
                    select l._file_id, max(l.{ident(entity.recorded_at)}) as latest from {table} l
                    where not exists (select 1 from violations v where v._file_id = l._file_id and v._row_number = l._row_number)
                    group by l._file_id
                ) admitted
                where audit.load_files.file_id = admitted._file_id and audit.load_files.entity = ?
                """,
                [entity.name],
            )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return outcomes


def _outcome(con: duckdb.DuckDBPyConnection, landed: LandedFile, blocked: bool, settings: GateSettings) -> FileOutcome:
    file_id = landed.file_id
    violations = dict(
        con.execute(
            "select rule, count(*) from violations where _file_id = ? group by rule order by rule", [file_id]
        ).fetchall()
    )
    quarantined = con.execute(
        "select count(distinct _row_number) from violations where _file_id = ?", [file_id]
    ).fetchone()[0]
    if blocked:
        share = quarantined / landed.rows_read
        worst = max(violations, key=violations.get)
        message = (
            f"{landed.export.name}: {quarantined} of {landed.rows_read} rows ({share:.0%}) broke input rules, "
            f"more than the {settings.max_quarantine_share:.0%} allowed; most often {worst} "
            f"({violations[worst]} rows). Nothing of this file was loaded. See the rows with "
            f"`iskpi query --work \"select * from audit.quarantine where file_id = {file_id}\"`, fix the file and rerun."
        )
        return FileOutcome(
            file_id, landed.export.name, "blocked", landed.rows_read, 0, landed.rows_read, 0, violations, message,
            landed.extra_columns,
        )
    loaded, duplicates = con.execute(
        "select count(*) filter (not is_duplicate), count(*) filter (is_duplicate) from admitted where _file_id = ?",
        [file_id],
    ).fetchone()
    return FileOutcome(
        file_id, landed.export.name, "loaded", landed.rows_read, loaded, quarantined, duplicates, violations, None,
        landed.extra_columns,
    )


def reconcile(con: duckdb.DuckDBPyConnection, entity: str, file_ids: list[int]) -> list[str]:
    """Files whose recorded counts do not add up, or disagree with what raw and the quarantine
    actually hold. Always on: a non-empty answer means rows were lost or invented."""
    if not file_ids:
        return []
    rows = con.execute(
        f"""
        select f.file_name, f.status, f.rows_read, f.rows_loaded, f.rows_readmitted, f.rows_quarantined, f.exact_duplicates,
               (select count(*) from raw.{ident(entity)} r where r._file_id = f.file_id) as in_raw,
               (select count(distinct q.row_number) from audit.quarantine q where q.file_id = f.file_id) as in_quarantine
        from audit.load_files f
        where f.file_id in (select unnest(?::bigint[]))
        """,
        [file_ids],
    ).fetchall()
    problems = []
    for name, status, read, loaded, readmitted, quarantined, duplicates, in_raw, in_quarantine in rows:
        if read != loaded + readmitted + quarantined + duplicates:
            problems.append(
                f"{name}: rows_read {read} != loaded {loaded} + readmitted {readmitted} + quarantined {quarantined} "
                f"+ duplicates {duplicates}"
            )
        if loaded + readmitted != in_raw or quarantined != in_quarantine:
            problems.append(
                f"{name} ({status}): audit says {loaded} loaded + {readmitted} readmitted / {quarantined} quarantined, "
                f"raw holds {in_raw} and the quarantine {in_quarantine}"
            )
    return problems


# What a label never looks like, and a lead's contact details do: a value like these, found where a
# label was expected (a file whose header order does not match its data), is described, never shown.
PERSONAL_VALUE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+|^[+(（]?\d[\d\s()（）+\-‐－ー]{6,}$")


def looks_personal(value: str) -> bool:
    return bool(PERSONAL_VALUE.search(value))


def shown_value(value: str) -> str:
    """A held value as a message may repeat it: a label as it is, an e-mail address or a phone number never."""
    return "(a value like an e-mail address or phone number: is the header in the data's order?)" if looks_personal(value) else repr(value)


def _held_values(con: duckdb.DuckDBPyConnection, entity: str, rule: Rule, file_ids: list[int]) -> list[tuple[str, int]]:
    """The values a rule quarantined in these files or still holds back, most frequent first."""
    return con.execute(
        f"""
        select q.value, count(*) from audit.quarantine q
        where q.entity = ? and q.rule = ? and q.value is not null
          and (q.file_id in (select unnest(?::bigint[]))
               or (q.file_id, q.row_number) in (select (_file_id, _row_number) from quarantine.{ident(entity)}))
        group by q.value order by count(*) desc, q.value
        """,
        [entity, rule.name, file_ids],
    ).fetchall()


def unknown_value_advice(
    con: duckdb.DuckDBPyConnection, entity: str, rules: tuple[Rule, ...], file_ids: list[int], mappings_dir: Path
) -> list[str]:
    """For each enumeration that quarantined rows of these files or still holds rows back: the
    unknown values with their counts, and the line that would make each one known."""
    advice = []
    for rule in (r for r in rules if r.kind == "one_of"):
        unknown = _held_values(con, entity, rule, file_ids)
        if not unknown:
            continue
        values = ", ".join(f"{shown_value(value)} ({n} row{'s' if n > 1 else ''})" for value, n in unknown[:10])
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        if rule.mapping:
            path = mappings_dir / rule.mapping
            header = path.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
            example = next((value for value, _ in unknown if not looks_personal(value)), f"<{header[0]}>")
            line = ",".join(example if column == header[0] else f"<{column}>" for column in header)
            advice.append(
                f"{rule.name}: unknown value {values}{more}. Add a line for each to {path} "
                f"(after its last line, e.g. `{line}`); the rows are re-admitted on the next run."
            )
        else:
            advice.append(f"{rule.name}: unknown value {values}{more}; {rule.describe()}: fix the export and rerun.")
    advice += _unmatched_user_advice(con, entity, rules, file_ids, mappings_dir)
    return advice


def _unmatched_user_advice(
    con: duckdb.DuckDBPyConnection, entity: str, rules: tuple[Rule, ...], file_ids: list[int], mappings_dir: Path
) -> list[str]:
    """Vendor users no rep matched (`<format>:<user>`, held back by the rep reference), by user and count."""
    advice = []
    for rule in (r for r in rules if r.kind == "references" and r.ref_entity == "reps"):
        users = [(value, n) for value, n in _held_values(con, entity, rule, file_ids) if ":" in value]
        if not users:
            continue
        shown = ", ".join(f"{user} ({n} row{'s' if n > 1 else ''})" for user, n in users[:10])
        more = f" and {len(users) - 10} more" if len(users) > 10 else ""
        source, user = users[0][0].split(":", 1)
        advice.append(
            f"{rule.name}: vendor user(s) no rep matches: {shown}{more}. Give the rep in reps.csv the user's e-mail, "
            f"or add a line to {mappings_dir / 'rep_identities.csv'} (e.g. `{source},{user},<rep_id>`); "
            "the rows are re-admitted on the next run."
        )
    return advice
