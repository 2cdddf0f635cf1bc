"""A night that brings nothing, known before Dagster and dbt are imported.

The nightly job learns that nothing is new only once Dagster has started, dbt is imported and
every export is hashed: ~6 s on the bundled sample, whose files DuckDB reads in 1.4 s. A night is
quiet, and `iskpi run` says so in one line, when:

- everything a run reads is as it was when the last good run started: the export and target
  files (by name, size and modification time), the settings, the mappings, the source formats,
  the code and dbt project, the environment the settings and PostgreSQL read, and the calendar
  year (the holiday calendar runs two years ahead);
- that run rejected or blocked no file (those are tried again, and reported, every night);
- its build is the last one, it finished and reached the same destinations;
- no quarantined row can pass on the clock alone (a timestamp that was ahead of the load time);
- no EL tool's PostgreSQL schema is read (el_postgres_schemas): what it synced is known only by asking.

A run as of a past day, or asked to rebuild (`--full-refresh`), is never quiet. A file whose
modification time changed but whose content did not (copied again) is not quiet either: the full
job hashes it and finds nothing new, as before.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from expectations.rules import EARLIEST_PLAUSIBLE
from orchestration.paths import DBT_PROJECT_DIR, PACKAGE_ROOT
from orchestration.transform.build_state import destinations_digest, record_night_key, same_night_as_last
from orchestration.workspace import Workspace

# the code a run executes: a changed model, rule or step is a night to run in full
CODE_FOLDERS = (PACKAGE_ROOT / "connectors", PACKAGE_ROOT / "expectations", PACKAGE_ROOT / "orchestration", DBT_PROJECT_DIR)
# what the settings read from the environment (orchestration/workspace.py), and PostgreSQL's client
ENVIRONMENT_PREFIXES = ("ISKPI_", "PG")

# held rows of loaded files that a moving clock alone may re-admit: quarantined for a time ahead of
# the load (a value that does not read as a time counts too: better a full night than a missed row)
CLOCK_HELD_SQL = f"""
select count(*) from audit.quarantine q join audit.load_files f on f.file_id = q.file_id
where f.status = 'loaded' and q.rule like '%.plausible'
  and coalesce(try_cast(q.value as timestamptz) >= timestamptz '{EARLIEST_PLAUSIBLE} 00:00:00+00', true)
"""


def destinations(workspace: Workspace) -> str:
    """Where the workspace publishes to, as the build record keeps it (orchestration/transform/build_state.py)."""
    return destinations_digest(str(workspace.warehouse.resolve()), workspace.postgres_dsn)


def night_key(workspace: Workspace, as_of: date | None) -> str:
    """A digest of everything a run reads besides the working database (a run as of a past day
    publishes other marts than tonight's)."""
    year = datetime.now(UTC).year
    digest = hashlib.sha256(repr((as_of, year, workspace.settings, destinations(workspace))).encode())
    digest.update(repr(sorted((name, value) for name, value in os.environ.items() if name.startswith(ENVIRONMENT_PREFIXES))).encode())
    for folder in (*workspace.input_folders, workspace.mappings_dir, workspace.sources_dir, *CODE_FOLDERS):
        digest.update(f"\0{folder}\0".encode())
        for line in _listing(folder):
            digest.update(line.encode())
    return digest.hexdigest()


def _listing(folder: Path) -> list[str]:
    """Each file under the folder by name, size and modification time."""
    lines = []
    for file in sorted(folder.rglob("*")) if folder.is_dir() else []:
        if "__pycache__" not in file.parts and file.is_file():
            stat = file.stat()
            lines.append(f"{file.relative_to(folder)}\0{stat.st_size}\0{stat.st_mtime_ns}\n")
    return lines


def is_quiet(workspace: Workspace, key: str) -> bool:
    """Whether a run with this key would build and publish what readers already have."""
    published = workspace.warehouse
    if workspace.settings.el_postgres_schemas:  # only a pull can tell whether the EL tools synced anything
        return False
    if not (workspace.work_db.exists() and published.exists() and (published.parent / "reports").is_dir()):
        return False
    try:
        with duckdb.connect(str(workspace.work_db), read_only=True) as con:
            return same_night_as_last(con, key, destinations(workspace)) and con.execute(CLOCK_HELD_SQL).fetchone()[0] == 0
    except duckdb.Error:  # another process writes it: the full job waits for the run lock and decides
        return False


def record_night(workspace: Workspace, key: str, started: datetime) -> None:
    """After a good night that started at `started`: the next night with the same key is quiet,
    unless this one rejected or blocked a file."""
    with duckdb.connect(str(workspace.work_db)) as con:
        retried = con.execute("select count(*) from audit.load_files where status <> 'loaded' and loaded_at >= ?", [started]).fetchone()[0]
        if not retried:
            record_night_key(con, key)
