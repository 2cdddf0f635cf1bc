"""The workspace's copy of the dbt project, and its parse.

The dbt project ships inside the package and is never written to. Each workspace runs a copy of
it (.iskpi/dbt/project) whose seeds are the workspace's mappings, copied in: dbt writes a seed's
run SQL to target/run/<seed path>, so a seed path outside the project would be overwritten.
The copy is synced file by file (unchanged files keep their times), and its parse, artifacts and
logs stay in the workspace too. The project is parsed in-process, and only when the copy, the
settings dbt reads, the target or dbt itself changed: the nightly build (defs/dbt_runner.py) and
MetricFlow (`iskpi metrics`) read that parse. Nothing here imports Dagster, so a command that
only needs the parse starts in a second.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from orchestration.paths import DBT_PROJECT_DIR
from orchestration.transform.parse_cache import cache_key, keep_parse, take_kept_parse
from orchestration.transform.spark import WORK_TARGET
from orchestration.workspace import Workspace

# the parse's record of what it was parsed from, beside dbt's own artifacts
PARSE_KEY_FILE = "iskpi_parse_key"


PROJECT_FILES = ("dbt_project.yml", "profiles.yml")
PROJECT_FOLDERS = ("models", "macros", "tests")


# dbt's own folders in the project copy: its parse (where MetricFlow looks for the semantic
# manifest), another target's parse (target-spark), its logs
DBT_OUTPUT_FOLDERS = ("target", "logs")


def _is_dbt_output(folder: str) -> bool:
    return folder in DBT_OUTPUT_FOLDERS or folder.startswith("target-")


def per_target(folder: str, target: str) -> str:
    """A dbt output folder's name for a target: a parse is keyed on its target, so each keeps its own
    (the DuckDB one, which `iskpi metrics` reads, under the plain name)."""
    return folder if target == WORK_TARGET else f"{folder}-{target}"


def project_copy_files(project_dir: Path) -> list[Path]:
    """Everything in the copy that comes from the package or the mappings, not from dbt."""
    if not project_dir.exists():
        return []
    return [p for p in project_dir.rglob("*") if not _is_dbt_output(p.relative_to(project_dir).parts[0])]


def _sync(source_files: dict[str, Path], target_dir: Path) -> None:
    """Make target_dir hold exactly these files (relative name -> source), rewriting only what differs."""
    existing = {str(p.relative_to(target_dir)): p for p in project_copy_files(target_dir) if p.is_file()}
    for name, path in existing.items():
        if name not in source_files:
            path.unlink()
    for name, source in source_files.items():
        target = target_dir / name
        if name in existing and target.stat().st_size == source.stat().st_size and target.read_bytes() == source.read_bytes():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def workspace_dbt_dir(workspace_dir: Path) -> Path:
    return workspace_dir / ".iskpi" / "dbt"


def materialise_dbt_project(workspace_dir: Path) -> Path:
    """The workspace's copy of the dbt project, with its mappings as seeds, up to date."""
    project_dir = workspace_dbt_dir(workspace_dir) / "project"
    files = {name: DBT_PROJECT_DIR / name for name in PROJECT_FILES}
    for folder in PROJECT_FOLDERS:
        files.update({str(p.relative_to(DBT_PROJECT_DIR)): p for p in (DBT_PROJECT_DIR / folder).rglob("*")
                      if p.is_file() and "__pycache__" not in p.parts})
    files.update({f"seeds/{p.name}": p for p in (workspace_dir / "mappings").glob("*.csv")})
    _sync(files, project_dir)
    return project_dir


def parse_dir(workspace_dir: Path, target: str = WORK_TARGET) -> Path:
    """Where the project's parse for a target lives: each target keeps its own (relation names,
    the adapter's macros), and the Spark night's must not replace the DuckDB one MetricFlow reads."""
    return workspace_dbt_dir(workspace_dir) / "project" / per_target("target", target)


def dbt_executable(name: str = "dbt") -> str:
    """dbt (or mf) next to this interpreter (`.venv/bin/iskpi` works without an activated venv), else on PATH."""
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else (shutil.which(name) or name)


class DbtParseError(Exception):
    """The dbt project does not parse (a mapping's header changed, say); the message is dbt's."""


def dbt_arguments(project_dir: Path, target: str, output_dir: Path) -> list[str]:
    return ["--project-dir", str(project_dir), "--profiles-dir", str(project_dir), "--target", target,
            "--target-path", str(output_dir), "--log-path", str(output_dir), "--no-send-anonymous-usage-stats"]


def parse_key(dbt_vars: str, target: str) -> str:
    """What a parse depends on besides the project's files: the settings dbt reads and the target."""
    from dbt.version import __version__

    return hashlib.sha256(json.dumps([dbt_vars, target, __version__]).encode()).hexdigest()


def parse_is_current(parse_dir: Path, files: Sequence[Path], key: str) -> bool:
    stamp = parse_dir / PARSE_KEY_FILE
    if not stamp.exists() or stamp.read_text(encoding="utf-8") != key:
        return False
    parsed_at = stamp.stat().st_mtime
    return all(p.stat().st_mtime <= parsed_at for p in files)


def parse_project(project_dir: Path, parse_dir: Path, target: str, dbt_vars: str) -> None:
    """Parse the project in-process: manifest.json (Dagster's assets), semantic_manifest.json
    (MetricFlow) and partial_parse.msgpack (the nightly build's manifest) in parse_dir."""
    from dbt.cli.main import dbtRunner

    errors: list[str] = []
    result = dbtRunner(callbacks=[_collect_errors(errors)]).invoke(
        ["parse", "--quiet", "--vars", dbt_vars, *dbt_arguments(project_dir, target, parse_dir)])
    if not result.success:
        detail = "\n".join(errors) or str(result.exception)
        raise DbtParseError(f"dbt could not parse the project in {project_dir}:\n{detail[-3000:]}")


def _collect_errors(errors: list[str]):
    def on_event(event) -> None:
        if event.info.level == "error":
            errors.append(event.info.msg)
    return on_event


def ensure_dbt_manifest(workspace: Workspace, target: str = WORK_TARGET) -> Path:
    """Sync the workspace's project copy and parse it when anything changed since the last parse:
    a file of the copy, the settings dbt reads as vars (not the as-of date, which only a build
    reads), the target or dbt itself; from another workspace's parse of the same when one is kept
    (orchestration/transform/parse_cache.py). The nightly build runs on this parse; it never parses."""
    dbt_vars = json.dumps(workspace.settings.dbt_vars())
    project_dir = materialise_dbt_project(workspace.root)
    parsed_in = parse_dir(workspace.root, target)
    key, files = parse_key(dbt_vars, target), project_copy_files(project_dir)
    if not parse_is_current(parsed_in, [project_dir, *files], key):
        # a Spark parse names the workspace's lake (ISKPI_LAKE) in its sources: never another's
        kept = cache_key(project_dir, files, key) if target == WORK_TARGET else None
        if not (kept and take_kept_parse(kept, project_dir, parsed_in)):
            parse_project(project_dir, parsed_in, target, dbt_vars)
            if kept:
                keep_parse(kept, project_dir, parsed_in)
        (parsed_in / PARSE_KEY_FILE).write_text(key, encoding="utf-8")
    return parsed_in / "manifest.json"
