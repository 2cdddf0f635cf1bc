"""Publish to PostgreSQL (optional): the marts and `audit.load_files` of the published DuckDB file,
for the BI tools that speak PostgreSQL, and the roles that may read them.

Readers never see a mix and never hold the publish up for long:

- each changed table is first copied into an unlogged table aside (`iskpi_staging`), in bulk
  (DuckDB writes CSV, PostgreSQL `COPY`s it in), without touching `marts`;
- then one transaction replaces the rows of every changed table (`DELETE` + `INSERT … SELECT`).
  Those take no lock a reader's `SELECT` conflicts with, so a BI query in flight goes on reading
  yesterday's rows (MVCC), also in a transaction held open across the publish, and the next
  query sees the new marts whole;
- only a table whose columns changed (an upgrade) is dropped and created again, which must wait
  for readers holding it; that wait is bounded by `postgres_lock_wait_seconds`, after which the
  transaction rolls back and readers keep yesterday's marts whole.

A table whose rows did not change (same columns, row count and checksum) is not copied at all,
and the event facts (a row per call, per e-mail message) are compared month by month, as in the
DuckDB publish: a night copies and replaces only the months whose rows changed.

Access (`iskpi grants`, and every publish for what it creates): `iskpi_reader` reads every row of
the marts and nothing else: no raw table, no audit table, no writes, statement and lock timeouts.
Each team gets `iskpi_team_<team>`, which reads only its team's rows through row-level security
on every mart with a team, rep or lead column: rows whose team (the rep's team on the row's date,
marts.dim_rep_team) is the team; else rows of the reps who were ever in it, and of the leads they
own; never org-level rows. The marts without any (WHOLE_MARTS: dates, channels, campaigns,
accounts, the organisation's phase, the unmapped labels) it reads whole.
Role and policy names always fit PostgreSQL's 63 bytes: a name that would not is cut and given a
short digest of the whole (`fitted_name`), the same every night, and the role carries the team's
name as its comment. Roles are cluster-wide: a team's role reads that team in every database this
project publishes to, and every publish (re)grants what a role needs in its own database.
Nothing PII is published: only what the DuckDB file publishes, which holds none.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg
from psycopg import errors, sql

from connectors.sql import DuckDBLimits, literal
from connectors.sql import ident as duck_ident
from orchestration.serving.publish import SEGMENTED_TABLES

READER_ROLE = "iskpi_reader"
TEAM_ROLE_PREFIX = "iskpi_team_"
STAGING_SCHEMA = "iskpi_staging"
PUBLISHED_SCHEMAS = ("marts", "audit")
READ_SCHEMA = "marts"  # what the roles read; audit.load_files is for the warehouse's owner
MAX_ROLE_NAME_BYTES = 63  # PostgreSQL's identifier limit
# a reader queued behind the publish's rare drop of a changed table gives up after this
READER_LOCK_TIMEOUT = "10s"
# a BI session left open in a transaction would hold back vacuum of the replaced rows
READER_IDLE_IN_TRANSACTION_TIMEOUT = "10min"

# DuckDB column type -> PostgreSQL column type; DECIMAL(p,s) and lists are mapped in pg_type()
SCALAR_TYPES = {
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "HUGEINT": "numeric(39,0)",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20,0)",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "VARCHAR": "text",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "INTERVAL": "interval",
}

# a mart without a team or scope column: its rep column, the first of these it has
REP_COLUMNS = ("rep_id", "owner_rep_id", "sal_rep_id", "changed_by_rep_id")
# the marts no team key can split, which every team role reads whole (the README lists them)
WHOLE_MARTS = ("dim_account", "dim_channel", "dim_date", "forecast_accuracy", "kpi_campaign", "metricflow_time_spine",
               "organisation_phase", "source_freshness", "unmapped_labels")


class PostgresPublishError(Exception):
    """The PostgreSQL publish could not complete; readers keep the marts they had. The message
    says what to do."""


@dataclass(frozen=True)
class PostgresTarget:
    dsn: str  # a libpq connection string; empty: the libpq environment (PGHOST, PGDATABASE, …)
    lock_wait_seconds: float = 30.0
    reader_statement_timeout_seconds: float = 60.0


@dataclass(frozen=True, eq=False)  # one per table of a publish: compared by identity
class PublishedTable:
    schema: str
    name: str
    columns: list[tuple[str, str]]  # (name, PostgreSQL type)
    rows: int
    # the table's parts, each with a checksum of its row count and rows: one part `all`, or for the
    # event facts a part per month of `month_column` (`undated` for its NULLs)
    segments: dict[str, str]
    month_column: str | None = None

    def rows_of(self, segments: list[str]) -> sql.Composable:
        """The condition that holds for the rows of these segments, in PostgreSQL: date ranges, so
        that the index on the month column finds them."""
        if not segments:
            return sql.SQL("false")
        if self.month_column is None:
            return sql.SQL("true")
        column = sql.Identifier(self.month_column)
        return sql.SQL(" or ").join(
            sql.SQL("{} is null").format(column) if part == "undated" else
            sql.SQL("({0} >= {1}::date and {0} < {1}::date + interval '1 month')").format(column, sql.Literal(f"{part}-01"))
            for part in segments
        )

    @property
    def qualified(self) -> sql.Composed:
        return sql.SQL("{}.{}").format(sql.Identifier(self.schema), sql.Identifier(self.name))

    @property
    def staged(self) -> sql.Composed:
        return sql.SQL("{}.{}").format(sql.Identifier(STAGING_SCHEMA), sql.Identifier(f"{self.schema}__{self.name}"))

    @property
    def definition(self) -> str:
        return ", ".join(f"{name} {kind}" for name, kind in self.columns)

    def column_list(self) -> sql.Composed:
        return sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(k)) for n, k in self.columns)


@dataclass(frozen=True)
class PublishReport:
    written: dict[str, list[str]]  # table -> the segments written (`all`, or months)
    unchanged: list[str]
    dropped: list[str]
    seconds: float


def pg_type(duckdb_type: str, where: str) -> str:
    if duckdb_type.endswith("[]"):
        return pg_type(duckdb_type[:-2], where) + "[]"
    if duckdb_type.startswith("DECIMAL("):
        return "numeric" + duckdb_type.removeprefix("DECIMAL")
    try:
        return SCALAR_TYPES[duckdb_type]
    except KeyError:
        raise PostgresPublishError(f"{where} is a DuckDB {duckdb_type}, which the PostgreSQL publish cannot map yet") from None


def fitted_name(name: str) -> str:
    """`name` if it fits PostgreSQL's identifier limit, else its longest prefix that fits beside
    `_` and 8 hex digits of its digest: PostgreSQL would cut it silently, and the next night's
    comparison with the uncut name would create it again."""
    encoded = name.encode()
    if len(encoded) <= MAX_ROLE_NAME_BYTES:
        return name
    digest = hashlib.sha256(encoded).hexdigest()[:8]
    prefix = encoded[: MAX_ROLE_NAME_BYTES - len(digest) - 1].decode(errors="ignore")  # never half a character
    return f"{prefix}_{digest}"


def team_role(team: str) -> str:
    return fitted_name(TEAM_ROLE_PREFIX + team)


def _policy_name(role: str) -> str:
    return fitted_name(f"{role}_rows")


# -- reading the published DuckDB file ---------------------------------------------------------------


def _published_tables(con: duckdb.DuckDBPyConnection, checksums: bool = True) -> list[PublishedTable]:
    found = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema = 'marts' or (table_schema = 'audit' and table_name = 'load_files') order by all"
    ).fetchall()
    tables = []
    for schema, name in found:
        columns = [
            (column, pg_type(kind, f"{schema}.{name}.{column}"))
            for column, kind in con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position", [schema, name],
            ).fetchall()
        ]
        month_column = SEGMENTED_TABLES.get((schema, name))
        segment = _duckdb_segment(month_column)
        counted = con.execute(
            f"select {segment}, count(*), sum(hash(r)) from {duck_ident(schema)}.{duck_ident(name)} as r group by all"
        ).fetchall() if checksums else []
        segments = {part: hashlib.sha256(f"{rows}|{row_sum}".encode()).hexdigest()[:16] for part, rows, row_sum in counted}
        tables.append(PublishedTable(schema, name, columns, sum(rows for _, rows, _ in counted), segments, month_column))
    return tables


def _duckdb_segment(month_column: str | None) -> str:
    return f"coalesce(strftime({duck_ident(month_column)}, '%Y-%m'), 'undated')" if month_column else "'all'"


def _as_copy_text(column: str, pg_kind: str) -> str:
    """The DuckDB expression that writes a column as PostgreSQL's COPY reads it: lists as array literals."""
    if not pg_kind.endswith("[]"):
        return duck_ident(column)
    quoted = "'\"' || replace(replace(v::varchar, '\\', '\\\\'), '\"', '\\\"') || '\"'"
    element = f"case when v is null then 'NULL' else {quoted} end"
    return f"'{{' || array_to_string(list_transform({duck_ident(column)}, v -> {element}), ',') || '}}' as {duck_ident(column)}"


def _write_csv(con: duckdb.DuckDBPyConnection, table: PublishedTable, segments: list[str], path: Path) -> None:
    select = ", ".join(_as_copy_text(name, kind) for name, kind in table.columns)
    con.execute(
        f"copy (select {select} from {duck_ident(table.schema)}.{duck_ident(table.name)} "
        f"where {_duckdb_segment(table.month_column)} in (select unnest(?::varchar[]))) "
        f"to {literal(str(path))} (format csv, header false, nullstr '\\N')", [segments],
    )


# -- writing PostgreSQL ----------------------------------------------------------------------------


def connect(target: PostgresTarget) -> psycopg.Connection:
    try:
        return psycopg.connect(target.dsn, autocommit=True)
    except psycopg.OperationalError as error:
        raise PostgresPublishError(
            f"cannot connect to PostgreSQL ({str(error).strip()}); check postgres_dsn in iskpi.yml or the PG* environment"
        ) from None


def _ensure_schemas(pg: psycopg.Connection) -> None:
    for schema in (*PUBLISHED_SCHEMAS, STAGING_SCHEMA):
        pg.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
    pg.execute(sql.SQL(
        "create table if not exists {}.published_tables (schema_name text, table_name text, definition text, "
        "segments jsonb, rows bigint, published_at timestamptz, primary key (schema_name, table_name))"
    ).format(sql.Identifier(STAGING_SCHEMA)))


def _stage(pg: psycopg.Connection, duck: duckdb.DuckDBPyConnection, table: PublishedTable, segments: list[str], scratch: Path) -> None:
    """The segments' rows, copied into an unlogged table aside from the marts."""
    path = scratch / f"{table.schema}__{table.name}.csv"
    _write_csv(duck, table, segments, path)
    pg.execute(sql.SQL("drop table if exists {}").format(table.staged))
    pg.execute(sql.SQL("create unlogged table {} ({})").format(table.staged, table.column_list()))
    with pg.cursor().copy(sql.SQL("copy {} from stdin (format csv, null '\\N')").format(table.staged)) as copy, path.open("rb") as data:
        while chunk := data.read(1 << 20):
            copy.write(chunk)
    path.unlink()


def _published_state(pg: psycopg.Connection) -> dict[tuple[str, str], tuple[str, dict[str, str]]]:
    """What PostgreSQL holds now: each published table's column definition and segment checksums."""
    rows = pg.execute(sql.SQL(
        "select p.schema_name, p.table_name, p.definition, p.segments from {}.published_tables p "
        "where to_regclass(format('%I.%I', p.schema_name, p.table_name)) is not null"
    ).format(sql.Identifier(STAGING_SCHEMA))).fetchall()
    return {(s, t): (definition, segments) for s, t, definition, segments in rows}


def _team_key(columns: list[str]) -> str | None:
    """What says which team a mart's row belongs to: `team`, `scope` (scope_type, scope_id), a rep
    column, `lead_id` (the lead's owner), or None: every role reads the mart whole."""
    if "team" in columns:
        return "team"
    if {"scope_type", "scope_id"} <= set(columns):
        return "scope"
    return next((c for c in (*REP_COLUMNS, "lead_id") if c in columns), None)


def _row_filter(key: str, team: str) -> sql.Composable:
    """The rows of a mart whose team key is `key` that a team's role reads."""
    # a row with a date but no team of its own (a rep's month, a call): every rep who was ever in the team
    team_reps = sql.SQL("(select rep_id from marts.dim_rep_team where team = {})").format(sql.Literal(team))
    if key == "team":
        return sql.SQL("team = {}").format(sql.Literal(team))
    if key == "scope":
        return sql.SQL("(scope_type = 'team' and scope_id = {}) or (scope_type = 'rep' and scope_id in {})").format(sql.Literal(team), team_reps)
    if key == "lead_id":
        return sql.SQL("lead_id in (select lead_id from marts.dim_lead where owner_rep_id in {})").format(team_reps)
    return sql.SQL("{} in {}").format(sql.Identifier(key), team_reps)


def _ensure_roles(pg: psycopg.Connection, roles: dict[str, str], target: PostgresTarget, refresh: bool) -> None:
    """Each role (name → what it is for, its comment), able to log in (an administrator sets its
    password) and to use the marts' schema of this database, read-only and with timeouts;
    `refresh` sets those again on roles that exist. Roles are cluster-wide, so one another
    database's publish created still gets its USAGE here."""
    names = list(roles)
    existing = {r for (r,) in pg.execute("select rolname from pg_roles where rolname = any(%s)", [names]).fetchall()}
    using = {r for (r,) in pg.execute(
        "select rolname from pg_roles where rolname = any(%s) and has_schema_privilege(oid, %s, 'USAGE')", [names, READ_SCHEMA]
    ).fetchall()}
    settings = {
        "default_transaction_read_only": "on",
        "statement_timeout": f"{target.reader_statement_timeout_seconds:g}s",
        "lock_timeout": READER_LOCK_TIMEOUT,
        "idle_in_transaction_session_timeout": READER_IDLE_IN_TRANSACTION_TIMEOUT,
    }
    for role, purpose in roles.items():
        name = sql.Identifier(role)
        if role not in existing:
            pg.execute(sql.SQL("create role {} login").format(name))
        if role not in existing or refresh:
            pg.execute(sql.SQL("comment on role {} is {}").format(name, sql.Literal(purpose)))
            for setting, value in settings.items():
                pg.execute(sql.SQL("alter role {} set {} = {}").format(name, sql.Identifier(setting), sql.Literal(value)))
        if role not in using:
            pg.execute(sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(READ_SCHEMA), name))


def _ensure_access(pg: psycopg.Connection, tables: list[PublishedTable], teams: list[str], target: PostgresTarget,
                   refresh: bool = False) -> None:
    """Roles, their grants and the row-level security of every mart. Inside the publish's
    transaction it adds only what is missing, so an unchanged night takes no lock."""
    purposes = {READER_ROLE: "iskpi: every row of the marts"} | {team_role(t): f"iskpi team: {t}" for t in teams}
    roles = list(purposes)
    _ensure_roles(pg, purposes, target, refresh)
    policies = set(pg.execute("select tablename, policyname from pg_policies where schemaname = %s", [READ_SCHEMA]).fetchall())
    readable = set(pg.execute(
        "select c.relname, r.rolname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "cross join pg_roles r where n.nspname = %s and c.relkind = 'r' and r.rolname = any(%s) "
        "and has_table_privilege(r.oid, c.oid, 'SELECT')", [READ_SCHEMA, roles],
    ).fetchall())
    for table in (t for t in tables if t.schema == READ_SCHEMA):
        for role in roles:
            if (table.name, role) not in readable:
                pg.execute(sql.SQL("grant select on {} to {}").format(table.qualified, sql.Identifier(role)))
        key = _team_key([name for name, _ in table.columns])
        if key is None:
            continue
        wanted = {f"{READER_ROLE}_all_rows": (READER_ROLE, sql.SQL("true"))}
        wanted |= {_policy_name(team_role(t)): (team_role(t), _row_filter(key, t)) for t in teams}
        missing = {name: spec for name, spec in wanted.items() if (table.name, name) not in policies}
        if not missing:
            continue
        pg.execute(sql.SQL("alter table {} enable row level security").format(table.qualified))
        for name, (role, condition) in missing.items():
            pg.execute(sql.SQL("create policy {} on {} for select to {} using ({})").format(
                sql.Identifier(name), table.qualified, sql.Identifier(role), condition))


def _teams(duck: duckdb.DuckDBPyConnection) -> list[str]:
    return [t for (t,) in duck.execute("select distinct team from marts.dim_rep_team where team is not null order by team").fetchall()]


def publish_to_postgres(published: Path, target: PostgresTarget, limits: DuckDBLimits) -> PublishReport:
    """Publish the published DuckDB file's marts and load audit to PostgreSQL; see the module's doc."""
    started = time.monotonic()
    scratch_parent = limits.temp_directory if Path(limits.temp_directory).is_dir() else None
    with limits.apply(duckdb.connect(str(published), read_only=True)) as duck, connect(target) as pg, \
            tempfile.TemporaryDirectory(dir=scratch_parent) as scratch:
        tables = _published_tables(duck)
        teams = _teams(duck)
        _ensure_schemas(pg)
        state = _published_state(pg)
        plans = {}  # table -> (same columns as published, segments to write, segments to delete)
        for table in tables:
            definition, segments = state.get((table.schema, table.name), (None, {}))
            same_columns = definition == table.definition
            write = [part for part, checksum in table.segments.items() if not same_columns or segments.get(part) != checksum]
            gone = [part for part in segments if part not in table.segments] if same_columns else []
            if write or gone or not same_columns:
                plans[table] = (same_columns, write, gone)
                _stage(pg, duck, table, write, Path(scratch))
        published_names = {(t.schema, t.name) for t in tables}
        stale = [
            (s, t) for s, t in pg.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema = any(%s) and table_type = 'BASE TABLE'", [list(PUBLISHED_SCHEMAS)],
            ).fetchall() if (s, t) not in published_names
        ]
        try:
            with pg.transaction():
                pg.execute(sql.SQL("set local lock_timeout = {}").format(sql.Literal(f"{int(target.lock_wait_seconds * 1000)}ms")))
                for table, (same_columns, write, gone) in plans.items():
                    _swap_in(pg, table, same_columns, write + gone)
                for schema, name in stale:
                    pg.execute(sql.SQL("drop table {}.{}").format(sql.Identifier(schema), sql.Identifier(name)))
                _ensure_access(pg, tables, teams, target)
        except errors.LockNotAvailable:
            raise PostgresPublishError(
                f"waited {target.lock_wait_seconds:g} s for BI readers of a mart this publish must replace whole (its columns "
                "changed, it was dropped, or a new team's row security was added); nothing was changed and readers keep "
                "yesterday's marts. Run again when BI is quiet, or raise postgres_lock_wait_seconds in iskpi.yml"
            ) from None
        for table in plans:
            pg.execute(sql.SQL("drop table {}").format(table.staged))
            pg.execute(sql.SQL("analyze {}").format(table.qualified))
    return PublishReport(
        written={f"{t.schema}.{t.name}": sorted(write) for t, (_, write, _) in plans.items()},
        unchanged=[f"{t.schema}.{t.name}" for t in tables if t not in plans],
        dropped=[f"{s}.{t}" for s, t in stale],
        seconds=time.monotonic() - started,
    )


def _swap_in(pg: psycopg.Connection, table: PublishedTable, same_columns: bool, replaced: list[str]) -> None:
    """The table's new rows, inside the publish's transaction: the replaced segments' rows go, the
    staged ones come in; a table whose columns changed is created again."""
    if same_columns:
        # not TRUNCATE, which would wait for every reader; by segment, so a month that did not change stays as it is
        pg.execute(sql.SQL("delete from {} where {}").format(table.qualified, table.rows_of(replaced)))
    else:
        pg.execute(sql.SQL("drop table if exists {}").format(table.qualified))
        pg.execute(sql.SQL("create table {} ({})").format(table.qualified, table.column_list()))
        if table.month_column:
            pg.execute(sql.SQL("create index on {} ({})").format(table.qualified, sql.Identifier(table.month_column)))
    pg.execute(sql.SQL("insert into {} select * from {}").format(table.qualified, table.staged))
    pg.execute(
        sql.SQL(
            "insert into {}.published_tables values ({}, {}, {}, {}::jsonb, {}, now()) on conflict (schema_name, table_name) "
            "do update set definition = excluded.definition, segments = excluded.segments, rows = excluded.rows, published_at = now()"
        ).format(sql.Identifier(STAGING_SCHEMA), *map(sql.Literal, (table.schema, table.name, table.definition)),
                 sql.Literal(json.dumps(table.segments)), sql.Literal(table.rows))
    )


def ensure_grants(published: Path, target: PostgresTarget, limits: DuckDBLimits) -> list[str]:
    """`iskpi grants`: the roles and row-level security for the marts already published; returns the roles."""
    with limits.apply(duckdb.connect(str(published), read_only=True)) as duck, connect(target) as pg:
        published_now = _published_state(pg)
        tables = [t for t in _published_tables(duck, checksums=False) if (t.schema, t.name) in published_now]
        if not tables:
            raise PostgresPublishError("nothing is published to PostgreSQL yet: run `iskpi run` with postgres_publish on first")
        teams = _teams(duck)
        with pg.transaction():
            _ensure_access(pg, tables, teams, target, refresh=True)
    return [READER_ROLE, *(team_role(t) for t in teams)]
