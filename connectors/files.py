"""Finding export files, fingerprinting them, and making them readable by DuckDB.

DuckDB reads UTF-8 (with or without BOM) itself; CP932 (Windows Shift_JIS, what Japanese Excel
writes) is transcoded to UTF-8 here, streaming, because DuckDB's encodings extension would need a
download. Python's `shift_jis` codec rejects ㈱ ① 髙, so it is always `cp932`.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

CHUNK_BYTES = 1 << 20
UTF8_BOM = codecs.BOM_UTF8


class UnreadableFile(Exception):
    """A file that cannot be read as a CSV export at all; the message says what to do."""


@dataclass(frozen=True)
class ExportFile:
    entity: str
    path: Path
    sha256: str

    @property
    def name(self) -> str:
        return self.path.name


def entity_of(file_name: str, entities: list[str]) -> str | None:
    """`calls.csv` and `calls_20260401.csv` belong to calls; the longest entity name wins
    so that `lead_status_history_x.csv` is not taken for leads."""
    stem = file_name.lower()
    if not stem.endswith(".csv"):
        return None
    stem = stem[: -len(".csv")]
    for entity in sorted(entities, key=len, reverse=True):
        if stem == entity or stem.startswith(entity + "_"):
            return entity
    return None


def _candidates(folders: list[Path]) -> list[Path]:
    """Regular files of the folders; a symbolic link is never followed (a drop folder others can
    write to must not make the run read ~/.ssh or an .env file)."""
    missing = [folder for folder in folders if not folder.is_dir()]
    if missing:
        raise UnreadableFile(
            f"input folder {missing[0]} does not exist; create it and drop the exports there, "
            "or set input_dir in the workspace's iskpi.yml"
        )
    return [p for folder in folders for p in folder.iterdir() if p.is_file() and not p.is_symlink()]


def export_order(path: Path) -> tuple[int, str]:
    """The order files are loaded in, which is also which version of a record wins when the
    entity has no updated_at: the file exported later (modification time), then the name. A file
    loaded on a later night is later still."""
    return path.stat().st_mtime_ns, path.name


def discover(folders: list[Path], entity: str, entities: list[str]) -> list[ExportFile]:
    """The entity's export files, oldest export first (export_order)."""
    return [
        ExportFile(entity, path, sha256_of(path))
        for path in sorted(_candidates(folders), key=export_order)
        if entity_of(path.name, entities) == entity
    ]


def unmatched_files(folders: list[Path], entities: list[str]) -> list[str]:
    """Files in the input folders that belong to no entity: reported in the run summary, never loaded."""
    named = sorted(p.name for p in _candidates(folders) if entity_of(p.name, entities) is None)
    links = sorted(p.name + " (a symbolic link)" for folder in folders for p in folder.iterdir() if p.is_symlink())
    return named + links


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _decodes_as(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(CHUNK_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: Path) -> str:
    """`utf-8-sig`, `utf-8` or `cp932`; anything else is refused with a message."""
    with path.open("rb") as stream:
        head = stream.read(4)
    if head.startswith(UTF8_BOM):
        if _decodes_as(path, "utf-8-sig"):
            return "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableFile(f"{path.name}: the file is UTF-16; save it as UTF-8 (CSV UTF-8) or Shift_JIS (CP932) and rerun")
    elif _decodes_as(path, "utf-8"):
        return "utf-8"
    elif _decodes_as(path, "cp932"):
        return "cp932"
    raise UnreadableFile(
        f"{path.name}: the file is neither UTF-8 nor Shift_JIS (CP932); "
        "save it as CSV UTF-8 or CSV (Shift_JIS) and rerun"
    )


# DuckDB reads a path with these as a glob pattern: `calls_[1].csv` would read calls_1.csv
GLOB_CHARACTERS = re.compile(r"[*?\[\]{}]")


def readable_copy(path: Path, encoding: str, scratch_dir: Path, file_id: int) -> Path:
    """A path DuckDB reads as exactly this file: the file itself when it is UTF-8 and its path has
    no glob character, else a link or UTF-8 copy in scratch named by its file id. The caller
    deletes a scratch copy once the file is landed."""
    scratch_dir.mkdir(parents=True, exist_ok=True)
    if encoding in ("utf-8", "utf-8-sig"):
        if not GLOB_CHARACTERS.search(str(path)):
            return path
        target = scratch_dir / f"{file_id}.csv"
        target.unlink(missing_ok=True)
        try:
            os.link(path, target)
        except OSError:  # another file system
            shutil.copyfile(path, target)
        return target
    target = scratch_dir / f"{file_id}.utf8.csv"
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as source, target.open("w", encoding="utf-8", newline="") as sink:
        while chunk := source.read(CHUNK_BYTES):
            sink.write(decoder.decode(chunk))
        sink.write(decoder.decode(b"", final=True))
    return target
