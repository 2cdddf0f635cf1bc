"""Parses kept for other workspaces: a workspace whose project copy, settings and target are the
same as another's takes that parse, moved to its own folder, instead of parsing again (~8 s).

A parse names the folder it was made in (each node's root_path: 136 strings in
partial_parse.msgpack, 13 in manifest.json); moving one rewrites exactly those strings. The
parses live in ISKPI_PARSE_CACHE (empty: none kept), else in the user's cache folder, the KEPT
newest. A parse holds the project's models and macros and the mappings' checksums, never a row.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path

from connectors.files import private_folder

PARSE_CACHE_ENV = "ISKPI_PARSE_CACHE"
KEPT = 8
# the artifacts the night (partial_parse.msgpack), Dagster (manifest.json) and MetricFlow read
ARTIFACTS = ("partial_parse.msgpack", "manifest.json", "semantic_manifest.json")
PARSED_IN = "parsed_in"  # the project folder a kept parse was made in


def cache_dir() -> Path | None:
    given = os.environ.get(PARSE_CACHE_ENV)
    if given is not None:
        return Path(given) if given else None
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "iskpi" / "dbt-parse"


def cache_key(project_dir: Path, files: Sequence[Path], parse_key: str) -> str:
    """The project copy's content (not its times or place) and what else the parse depends on."""
    digest = hashlib.sha256(parse_key.encode())
    for path in sorted(p for p in files if p.is_file()):
        digest.update(str(path.relative_to(project_dir)).encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def take_kept_parse(key: str, project_dir: Path, parse_dir: Path) -> bool:
    """Copy a kept parse of this key into parse_dir, moved to project_dir; False if none is kept."""
    cache = cache_dir()
    kept = cache / key if cache else None
    if kept is None or not (kept / PARSED_IN).is_file():
        return False
    parsed_in = (kept / PARSED_IN).read_text(encoding="utf-8")
    parse_dir.mkdir(parents=True, exist_ok=True)
    _write_moved(kept / "partial_parse.msgpack", parse_dir / "partial_parse.msgpack", parsed_in, str(project_dir), _moved_msgpack)
    for name in ("manifest.json", "semantic_manifest.json"):
        _write_moved(kept / name, parse_dir / name, parsed_in, str(project_dir), _moved_json)
    os.utime(kept)  # the newest are kept
    return True


def keep_parse(key: str, project_dir: Path, parse_dir: Path) -> None:
    """Keep a fresh parse for other workspaces (written aside and renamed, so a reader never sees half)."""
    cache = cache_dir()
    if cache is None or (cache / key).exists():
        return
    private_folder(cache)
    building = cache / f".{key}.{uuid.uuid4().hex}"
    building.mkdir()
    for name in ARTIFACTS:
        shutil.copyfile(parse_dir / name, building / name)
    (building / PARSED_IN).write_text(str(project_dir), encoding="utf-8")
    try:
        building.rename(cache / key)
    except OSError:  # another process kept the same parse first
        shutil.rmtree(building)
    for old in sorted((p for p in cache.iterdir() if not p.name.startswith(".")), key=lambda p: p.stat().st_mtime)[:-KEPT]:
        shutil.rmtree(old, ignore_errors=True)


def _write_moved(source: Path, target: Path, old_root: str, new_root: str, move) -> None:
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
    temporary.write_bytes(move(source.read_bytes(), lambda value: _moved_path(value, old_root, new_root)))
    temporary.replace(target)


def _moved_path(value: str, old_root: str, new_root: str) -> str:
    return new_root + value[len(old_root):] if value == old_root or value.startswith(old_root + "/") else value


def _moved_msgpack(data: bytes, move_path) -> bytes:
    import msgpack

    tree = msgpack.unpackb(data, raw=False, strict_map_key=False, ext_hook=msgpack.ExtType)
    return msgpack.packb(_moved(tree, move_path), use_bin_type=True)


def _moved_json(data: bytes, move_path) -> bytes:
    return json.dumps(_moved(json.loads(data), move_path)).encode()


def _moved(tree, move_path):
    if isinstance(tree, dict):
        return {_moved(key, move_path): _moved(value, move_path) for key, value in tree.items()}
    if isinstance(tree, list):
        return [_moved(item, move_path) for item in tree]
    return move_path(tree) if isinstance(tree, str) else tree
