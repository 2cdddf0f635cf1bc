"""Which dbt build a night needs, and the record dbt's incremental models read it from.

A night's build is incremental: the models that carry history recompute only what the raw rows
appended since the last finished build touch (macros/nightly_increment.sql). It is a full build
when anything that shapes those models has changed since: the project or a mapping (the
workspace's project copy, seeds included), a setting passed to dbt, an as-of date. Also when
the last build did not finish, or when asked (`iskpi run --full-refresh`).
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
"""


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


def finish_build(con: duckdb.DuckDBPyConnection, build_id: int) -> None:
    con.execute("update audit.dbt_builds set finished_at = now() where build_id = ?", [build_id])
