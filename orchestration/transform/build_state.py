"""Which dbt build a night needs, and the record dbt's incremental models read it from.

A night's build is incremental: the models that carry history recompute only what the raw rows
appended since the last finished build touch (macros/nightly_increment.sql). It is a full build
when anything that shapes those models has changed since: the project or a mapping (the
workspace's project copy, seeds included), a setting passed to dbt, an as-of date. Also when
the last build did not finish, or when asked (`iskpi run --full-refresh`).

A night that would build what the last published build built (nothing appended since, nothing
in the fingerprint changed) builds and publishes nothing at all.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

BUILDS_DDL = """
create schema if not exists audit;
create table if not exists audit.dbt_builds (
    build_id bigint primary key,
    -- the project copy (models, macros, mappings as seeds) and the vars it was built with
    fingerprint varchar not null,
    is_full_refresh boolean not null,
    -- raw rows whose _append_id is above this are new to the build
    since_append_id bigint not null,
    through_append_id bigint not null,
    reason varchar not null,
    started_at timestamptz not null,
    -- null: the build did not finish, so the next one is a full build
    finished_at timestamptz
);
-- the instant the build's as-of day ended (int_reporting_window records it): what the next
-- build's stage history was cut at, so it knows which leads a moved cut reaches
alter table audit.dbt_builds add column if not exists as_of_end timestamptz;
-- when the build's marts reached readers (the DuckDB file, its sheets and PostgreSQL), and a digest
-- of where they were published to; null: not yet, or a publish step failed after
alter table audit.dbt_builds add column if not exists published_at timestamptz;
alter table audit.dbt_builds add column if not exists published_to varchar;
-- a digest of what the last good run over this build read besides the working database
-- (orchestration/quiet_night.py): a night that would read the same is quiet
alter table audit.dbt_builds add column if not exists night_key varchar;
"""


NOTHING_NEW = "nothing new since the last published build: nothing rebuilt, nothing published"


@dataclass(frozen=True)
class BuildPlan:
    build_id: int
    is_full_refresh: bool
    since_append_id: int
    through_append_id: int
    reason: str


def project_fingerprint(project_dir: Path, files: list[Path], dbt_vars: str) -> str:
    digest = hashlib.sha256(dbt_vars.encode())
    for path in sorted(p for p in files if p.is_file()):
        digest.update(str(path.relative_to(project_dir)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def destinations_digest(*destinations: object) -> str:
    """Where a build is published to (the file, PostgreSQL's connection string), as a digest: a
    night that publishes somewhere new publishes even when nothing else is new."""
    return hashlib.sha256(repr(destinations).encode()).hexdigest()


def nothing_new(con: duckdb.DuckDBPyConnection, fingerprint: str, destinations: str) -> bool:
    """Whether the last build finished with this fingerprint and reached these destinations, and
    no raw row was appended since: building again would publish the same marts."""
    con.execute(BUILDS_DDL)
    through = con.execute("select coalesce(max(append_id), 0) from audit.raw_appends").fetchone()[0]
    last = con.execute(
        "select fingerprint = ? and through_append_id = ? and finished_at is not null and published_at is not null "
        "and published_to = ? from audit.dbt_builds order by build_id desc limit 1", [fingerprint, through, destinations],
    ).fetchone()
    return bool(last and last[0])


def begin_build(con: duckdb.DuckDBPyConnection, fingerprint: str, full_refresh_asked: str | None) -> BuildPlan:
    """Record the build about to run and say whether it is incremental. `full_refresh_asked`
    is why the caller wants a full build (None: incremental where possible)."""
    con.execute(BUILDS_DDL)
    through = con.execute("select coalesce(max(append_id), 0) from audit.raw_appends").fetchone()[0]
    last = con.execute(
        "select fingerprint, through_append_id, finished_at is not null from audit.dbt_builds order by build_id desc limit 1"
    ).fetchone()
    if full_refresh_asked:
        reason = full_refresh_asked
    elif last is None:
        reason = "first build of this warehouse"
    elif not last[2]:
        reason = "the last build did not finish"
    elif last[0] != fingerprint:
        reason = "the project, a mapping or a setting changed since the last build"
    else:
        reason = ""
    is_full = bool(reason)
    since = 0 if is_full else last[1]
    build_id = con.execute("select coalesce(max(build_id), 0) + 1 from audit.dbt_builds").fetchone()[0]
    if not reason:
        reason = f"incremental over raw appends {since + 1}–{through}" if through > since else "incremental: nothing appended since the last build"
    con.execute(
        "insert into audit.dbt_builds (build_id, fingerprint, is_full_refresh, since_append_id, through_append_id, reason, started_at)"
        " values (?, ?, ?, ?, ?, ?, now())",
        [build_id, fingerprint, is_full, since, through, reason],
    )
    return BuildPlan(build_id, is_full, since, through, reason)


def record_as_of_end(con: duckdb.DuckDBPyConnection, build_id: int) -> None:
    """Keep in the build's record the instant its stage history was cut at (int_reporting_window),
    which the next incremental build reads (macros/nightly_increment.sql, previous_as_of_end)."""
    con.execute("update audit.dbt_builds set as_of_end = (select as_of_end from intermediate.int_reporting_window) "
                "where build_id = ?", [build_id])


def finish_build(con: duckdb.DuckDBPyConnection, build_id: int) -> None:
    con.execute("update audit.dbt_builds set finished_at = now() where build_id = ?", [build_id])


def record_published(con: duckdb.DuckDBPyConnection, destinations: str | None) -> None:
    """Mark that the last finished build's marts reached these destinations (None: a publish step
    failed, so the next night publishes again even when nothing is new)."""
    con.execute(BUILDS_DDL)
    con.execute(
        "update audit.dbt_builds set published_at = case when ? is not null then now() end, published_to = ? "
        "where build_id = (select max(build_id) from audit.dbt_builds where finished_at is not null)", [destinations, destinations],
    )


def record_night_key(con: duckdb.DuckDBPyConnection, night_key: str) -> None:
    """Keep what a good night read on the build readers have, the last finished one."""
    con.execute(BUILDS_DDL)
    con.execute(
        "update audit.dbt_builds set night_key = ? "
        "where build_id = (select max(build_id) from audit.dbt_builds where finished_at is not null)", [night_key],
    )


def same_night_as_last(con: duckdb.DuckDBPyConnection, night_key: str, destinations: str) -> bool:
    """Whether the last build finished, reached these destinations and was last read with this key
    (read-only: a warehouse from before the key was kept has no column for it, and is not quiet)."""
    try:
        last = con.execute(
            "select night_key = ? and published_to = ? and finished_at is not null and published_at is not null "
            "from audit.dbt_builds order by build_id desc limit 1", [night_key, destinations],
        ).fetchone()
    except (duckdb.CatalogException, duckdb.BinderException):
        return False
    return bool(last and last[0])
