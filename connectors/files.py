"""Finding export files, fingerprinting them, and making them readable by DuckDB.

An input folder holds template files at its top (`calls.csv`, `calls_20260401.csv`) and a
sub-folder per vendor format named after it (`salesforce/`, `miitel/`), whose files are recognised
by their header, whatever their names. A format's folder may also hold what EL tools land: Parquet
or JSON Lines files (dlt's filesystem destination, Airbyte's file destinations), at its top or one
folder per table (dlt's `<table>/<load_id>.<file_id>.parquet`), recognised by their column names.

DuckDB reads UTF-8 (with or without BOM) itself; CP932 (Windows Shift_JIS, what Japanese Excel
writes) is transcoded to UTF-8 here, streaming, because DuckDB's encodings extension would need a
download. Python's `shift_jis` codec rejects ㈱ ① 髙, so it is always `cp932`.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb

from connectors.source_formats import TEMPLATE, FormatError, Source, SourceFormat, SourceTable, header_key
from connectors.sql import literal

CHUNK_BYTES = 1 << 20
UTF8_BOM = codecs.BOM_UTF8
# A UTF-8 file some of whose lines hold bytes that are not UTF-8 (a stray byte, a line pasted from
# elsewhere): read as UTF-8 with those bytes as U+FFFD, and the rows holding them quarantined
# (rule <entity>.row.decodable). Read as CP932 instead, every Japanese character would be mojibake.
UTF8_WITH_UNDECODABLE_LINES = "utf-8, some lines undecodable"
UNDECODABLE = "\ufffd"
# the landed files read that way: the decodable rule looks at their rows only
UNDECODABLE_FILES = "landing.undecodable_files"
DELIMITERS = (",", "\t", ";")
# Excel's "sep=," first line names the delimiter; the header follows it
EXCEL_SEPARATOR_LINE = re.compile(r"^sep=(.)\r?\n?$")
BOM = "\ufeff"
MAX_HEADER_CHARACTERS = 1 << 20
PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
# files an EL tool lands, by how their names end: read by DuckDB as they are, never transcoded
COLUMNAR_KINDS = {".parquet": "parquet", ".jsonl": "jsonl", ".jsonl.gz": "jsonl", ".ndjson": "jsonl", ".ndjson.gz": "jsonl"}
COLUMNAR_LABELS = {"parquet": "Parquet", "jsonl": "JSON Lines"}
# why a columnar file could not be read: a Parquet file cut off loses its footer, where its columns are
COLUMNAR_DAMAGE = {"parquet": "a file cut off before its end, or damaged", "jsonl": "a truncated file, or a record that is not valid JSON"}
GZIP_MAGIC = b"\x1f\x8b"


class UnreadableFile(Exception):
    """A file that cannot be read as a CSV export at all; the message says what to do."""


@dataclass(frozen=True)
class ExportFile:
    entity: str
    path: Path
    sha256: str
    source: Source = TEMPLATE

    @property
    def name(self) -> str:
        """As messages and audit.load_files name it: a vendor file with its format's folder (and
        its table's folder, where an EL tool lands one per table)."""
        if self.source.table is None:
            return printable_name(self.path.name)
        folders = [self.path.parent.name] if self.path.parent.name == self.source.format else [self.source.format, self.path.parent.name]
        name = "/".join(printable_name(part) for part in (*folders, self.path.name))
        parts = self.source.table.outputs_for(self.entity)
        return name if len(parts) == 1 else f"{name} [{parts.index(self.source.output) + 1}/{len(parts)}]"


def printable_name(name: str) -> str:
    """A file name as text: a Shift_JIS name unzipped on Linux is not UTF-8 (Python holds its bytes
    as surrogates, which no message, log or database takes); read it as CP932, else escape its bytes."""
    raw = os.fsencode(name)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp932")
        if not PRIVATE_USE.search(text):  # Python's cp932 reads stray 0xFD–0xFF bytes as private-use characters
            return text
    except UnicodeDecodeError:
        pass
    return raw.decode("utf-8", errors="backslashreplace")


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


def _files(folder: Path) -> list[Path]:
    """Regular files of a folder; a symbolic link is never followed (a drop folder others can
    write to must not make the run read ~/.ssh or an .env file)."""
    return [p for p in folder.iterdir() if p.is_file() and not p.is_symlink()]


def _candidates(folders: list[Path]) -> list[Path]:
    missing = [folder for folder in folders if not folder.is_dir()]
    if missing:
        raise UnreadableFile(
            f"input folder {missing[0]} does not exist; create it and drop the exports there, "
            "or set input_dir in the workspace's iskpi.yml"
        )
    return [p for folder in folders for p in _files(folder)]


def _format_folders(folders: list[Path], formats: Mapping[str, SourceFormat]) -> list[tuple[Path, SourceFormat]]:
    return [(sub, formats[sub.name]) for folder in folders for sub in sorted(folder.iterdir())
            if sub.is_dir() and not sub.is_symlink() and sub.name in formats]


def _is_el_bookkeeping(path: Path) -> bool:
    """What an EL tool writes beside the tables for itself: dlt's `_dlt_loads/`, `_dlt_version/`,
    `_dlt_pipeline_state/` and `init` marker, hidden files."""
    return path.name.startswith(("_", ".")) or path.name == "init"


def _format_files(folder: Path) -> list[Path]:
    """A format folder's files: at its top, and in its table folders (one level, as dlt lands them)."""
    tables = [sub for sub in sorted(folder.iterdir()) if sub.is_dir() and not sub.is_symlink() and not _is_el_bookkeeping(sub)]
    return [p for p in _files(folder) if not _is_el_bookkeeping(p)] + [
        p for sub in tables for p in _files(sub) if not _is_el_bookkeeping(p)]


def columnar_kind(path: Path) -> str | None:
    """`parquet` or `jsonl` for a file an EL tool landed, None for an export to read as CSV."""
    name = path.name.lower()
    return next((kind for suffix, kind in COLUMNAR_KINDS.items() if name.endswith(suffix)), None)


def columnar_scan(path: Path, skip_broken_records: bool = False) -> str:
    """DuckDB's scan of a Parquet or JSON Lines file (gzipped or not, whatever its name says)."""
    if columnar_kind(path) == "parquet":
        return f"read_parquet({literal(str(path))})"
    with path.open("rb") as stream:
        compression = "gzip" if stream.read(2) == GZIP_MAGIC else "uncompressed"
    return (f"read_json_objects({literal(str(path))}, format = 'newline_delimited', compression = {literal(compression)}"
            f"{', ignore_errors = true' if skip_broken_records else ''})")


def columnar_columns(con: duckdb.DuckDBPyConnection, path: Path, skip_broken_records: bool = False) -> tuple[str, ...]:
    """The column names of a Parquet file, or every key of a JSON Lines file's records (a writer
    may leave a record's empty keys out), in order of first appearance. `skip_broken_records`: the
    keys of the records that parse, to recognise a file whose load will then refuse it by name."""
    if columnar_kind(path) == "parquet":
        return tuple(name for name, *_ in con.execute(f"describe select * from {columnar_scan(path)}").fetchall())
    keys = con.execute(
        f"select key from (select unnest(json_keys(json)) as key, row_number() over () as n "
        f"from {columnar_scan(path, skip_broken_records)}) group by key order by min(n)"
    ).fetchall()
    return tuple(key for (key,) in keys)


def read_header(path: Path) -> list[str]:
    """The first line's column names (UTF-8 with or without BOM, else CP932), without reading on;
    a Parquet or JSON Lines file's column names."""
    stat = path.stat()
    return list(_read_header(path, stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=4096)
def _read_header(path: Path, mtime_ns: int, size: int) -> tuple[str, ...]:
    del mtime_ns, size  # the cache key: a file replaced under the same name is read again
    if columnar_kind(path):
        with duckdb.connect() as con:
            return columnar_columns(con, path, skip_broken_records=True)
    with path.open("rb") as stream:
        head = stream.read(4)
    utf16 = "utf-16" if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else _utf16_without_bom(path)
    with path.open("rb") as stream:
        lines = io.TextIOWrapper(stream, encoding=utf16, errors="replace", newline="") if utf16 else stream
        line, delimiter = header_line(lambda: _decoded(lines.readline(MAX_HEADER_CHARACTERS)))
    return split_header(line, delimiter)[0]


def header_line(readline: Callable[[], str]) -> tuple[str, str | None]:
    """The header line, and the delimiter Excel's `sep=` first line names before it (None without one)."""
    first = readline()
    separator = EXCEL_SEPARATOR_LINE.match(first.lstrip(BOM))
    return (readline(), separator.group(1)) if separator else (first, None)


def _decoded(line: str | bytes) -> str:
    """A first line as text: UTF-8 (with or without BOM), else CP932, without reading on."""
    if isinstance(line, str):
        return line
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return line.decode(encoding)
        except UnicodeDecodeError:
            continue
    return line.decode("utf-8", errors="replace")


def split_header(line: str, named: str | None = None) -> tuple[tuple[str, ...], str]:
    """A header line's names and its delimiter: the one a `sep=` line named if the line holds it,
    else a comma unless the line is plainly separated by tabs or semicolons (TSV, European-locale
    Excel). A BOM saved twice is no part of a name."""
    line = line.lstrip(BOM).rstrip("\r\n")
    delimiter = named if named and named in line else max(DELIMITERS, key=lambda d: (line.count(d), d == ","))
    return tuple(next(csv.reader([line], delimiter=delimiter), [])), delimiter


def recognise(path: Path, source_format: SourceFormat) -> Source | None:
    """Which of the format's tables the file is, by its header; None when none matches. A Parquet
    or JSON Lines file whose columns cannot be read at all (cut off before its footer) is the table
    its folder names, as EL tools land one folder per table: its load then refuses it by name."""
    try:
        table = source_format.table(read_header(path))
    except duckdb.Error:
        table = _table_named_by_folder(path, source_format)
    except (OSError, FormatError):
        return None
    return Source(source_format.name, table, None, source_format.time_zone) if table else None


def _table_named_by_folder(path: Path, source_format: SourceFormat) -> SourceTable | None:
    if path.parent.parent.name != source_format.name:  # at the format folder's top: no table folder
        return None
    return next((t for t in source_format.tables if header_key(t.name) == header_key(path.parent.name)), None)


def _why_unrecognised(path: Path, source_format: SourceFormat) -> str:
    try:
        read_header(path)
    except duckdb.Error:  # only a Parquet or JSON Lines file is read through DuckDB
        kind = columnar_kind(path)
        return (f"could not be read as {COLUMNAR_LABELS[kind]} ({COLUMNAR_DAMAGE[kind]}) and no table folder names it; "
                "let the EL tool land it again, or remove it")
    except OSError:
        return "could not be read; check its permissions"
    return f"its header matches no {source_format.name} table; `iskpi source check` shows why"


def export_order(path: Path) -> tuple[int, str]:
    """The order files are loaded in, which is also which version of a record wins when the
    entity has no updated_at: the file exported later (modification time), then the name. A file
    loaded on a later night is later still."""
    return path.stat().st_mtime_ns, path.name


FileStamp = tuple[str, int, int]  # path, size, modification time (ns)


def file_stamp(path: Path) -> FileStamp:
    stat = path.stat()
    return str(path), stat.st_size, stat.st_mtime_ns


def discover(
    folders: list[Path], entity: str, entities: list[str], formats: Mapping[str, SourceFormat] | None = None,
    known_digests: Mapping[FileStamp, str] | None = None,
) -> list[ExportFile]:
    """The entity's export files, template and vendor alike, oldest export first (export_order).
    A file whose path, size and modification time are in `known_digests` is not read again: the
    inbox keeps every night's exports, and hashing them all each night would make a night cost
    its whole history."""
    found = [(path, TEMPLATE) for path in _candidates(folders) if entity_of(path.name, entities) == entity]
    for folder, source_format in _format_folders(folders, formats or {}):
        for path in _format_files(folder):
            source = recognise(path, source_format)
            for output in source.table.outputs_for(entity) if source else ():
                found.append((path, Source(source.format, source.table, output, source.time_zone)))
    found.sort(key=lambda item: export_order(item[0]))
    known_digests = known_digests or {}
    return [ExportFile(entity, path, known_digests.get(file_stamp(path)) or sha256_of(path), source) for path, source in found]



def unmatched_files(folders: list[Path], entities: list[str], formats: Mapping[str, SourceFormat] | None = None) -> list[str]:
    """Files in the input folders that no entity or format takes: reported in the run summary, never loaded."""
    formats = formats or {}
    named = sorted(printable_name(p.name) for p in _candidates(folders) if entity_of(p.name, entities) is None)
    links = sorted(printable_name(p.name) + " (a symbolic link)" for folder in folders for p in folder.iterdir() if p.is_symlink())
    folders_unknown = sorted(
        f"{printable_name(p.name)}/ (no format of that name: {', '.join(sorted(formats)) or 'none'}; a team's own goes in sources/<name>.yml)"
        for folder in folders for p in folder.iterdir() if p.is_dir() and p.name not in formats and not p.name.startswith(".")
    )
    unrecognised = sorted(
        f"{'/'.join(printable_name(part) for part in path.relative_to(folder.parent).parts)} "
        f"({_why_unrecognised(path, source_format)})"
        for folder, source_format in _format_folders(folders, formats)
        for path in _format_files(folder) if recognise(path, source_format) is None
    )
    return named + links + folders_unknown + unrecognised


def private_folder(folder: Path) -> Path:
    """The folder, made if missing, that only its owner may enter: the working database (every
    lead's e-mail and phone) and the run logs live in one, whatever the umask made of the rest."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


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


def _utf8_evidence(path: Path) -> tuple[int, int]:
    """Lines that are not UTF-8, and lines with non-ASCII text that are: a CP932 line of Japanese is
    almost never valid UTF-8, so UTF-8 lines outnumbering the broken ones say the file is UTF-8."""
    broken = valid = 0
    with path.open("rb") as stream:
        for line in stream:
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
                valid += 1
            except UnicodeDecodeError:
                broken += 1
    return broken, valid


def _utf16_without_bom(path: Path) -> str | None:
    """`utf-16-le` or `-be` for a file whose ASCII characters each have a NUL beside them (what a
    UTF-16 file saved without its BOM looks like), else None."""
    with path.open("rb") as stream:
        head = stream.read(1024)
    head = head[: len(head) // 2 * 2]
    if len(head) < 4:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    half = len(head) // 2
    # UTF-8 and CP932 text holds no NUL but by accident; UTF-16 holds one beside every ASCII
    # character (delimiters, digits, the header), always on the same side
    if odd >= half / 4 and even <= half / 50:
        return "utf-16-le"
    if even >= half / 4 and odd <= half / 50:
        return "utf-16-be"
    return None


def detect_encoding(path: Path) -> str:
    """`utf-8-sig`, `utf-8`, UTF8_WITH_UNDECODABLE_LINES, `utf-16` (with its BOM, or `-le`/`-be`
    without: Excel's "Unicode text") or `cp932`, decided on the file's own evidence; anything else
    is refused with a message."""
    with path.open("rb") as stream:
        head = stream.read(4)
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise UnreadableFile(f"{printable_name(path.name)}: the file is UTF-32; save it as UTF-8 (CSV UTF-8) and rerun")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        if _decodes_as(path, "utf-16"):
            return "utf-16"
        raise UnreadableFile(f"{printable_name(path.name)}: the file starts as UTF-16 but is not; save it as CSV UTF-8 and rerun")
    utf16 = _utf16_without_bom(path)
    if utf16 and _decodes_as(path, utf16):
        return utf16
    has_bom = head.startswith(UTF8_BOM)
    if _decodes_as(path, "utf-8-sig"):
        return "utf-8-sig" if has_bom else "utf-8"
    broken, valid = _utf8_evidence(path)
    if has_bom or (valid and valid >= broken):
        return UTF8_WITH_UNDECODABLE_LINES
    if _decodes_as(path, "cp932"):
        return "cp932"
    raise UnreadableFile(
        f"{printable_name(path.name)}: the file is neither UTF-8 nor Shift_JIS (CP932); "
        "save it as CSV UTF-8 or CSV (Shift_JIS) and rerun"
    )


# DuckDB reads a path with these as a glob pattern: `calls_[1].csv` would read calls_1.csv
GLOB_CHARACTERS = re.compile(r"[*?\[\]{}]")


def readable_copy(path: Path, encoding: str, scratch_dir: Path, file_id: int, one_line_end: bool = False) -> Path:
    """A path DuckDB reads as exactly this file: the file itself when it is UTF-8 and its path is
    text with no glob character, else a link or UTF-8 copy in scratch named by its file id.
    `one_line_end` writes the copy with every CRLF and lone CR as LF: DuckDB reads one kind of
    line end per file. The caller deletes a scratch copy once the file is landed."""
    scratch_dir.mkdir(parents=True, exist_ok=True)
    if encoding in ("utf-8", "utf-8-sig") and not one_line_end:
        if not GLOB_CHARACTERS.search(str(path)) and printable_name(str(path)) == str(path):
            return path
        target = scratch_dir / f"{file_id}.csv"
        target.unlink(missing_ok=True)
        try:
            os.link(path, target)
        except OSError:  # another file system
            shutil.copyfile(path, target)
        return target
    target = scratch_dir / f"{file_id}.utf8.csv"
    if encoding == UTF8_WITH_UNDECODABLE_LINES:
        decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    else:
        decoder = codecs.getincrementaldecoder("utf-8-sig" if encoding == "utf-8" else encoding)()
    held = ""  # a CR that ends a chunk may begin a CRLF
    with path.open("rb") as source, target.open("w", encoding="utf-8", newline="") as sink:
        while chunk := source.read(CHUNK_BYTES):
            text = held + decoder.decode(chunk)
            if one_line_end:
                held, text = (text[-1], text[:-1]) if text.endswith("\r") else ("", text)
                text = LINE_END.sub("\n", text)
            sink.write(text)
        sink.write(LINE_END.sub("\n", held + decoder.decode(b"", final=True)) if one_line_end else decoder.decode(b"", final=True))
    return target


LINE_END = re.compile("\r\n?")


def mixed_line_ends(path: Path) -> bool:
    """Whether the file ends its lines in more than one way (CRLF, LF, CR alone)."""
    crlf = cr = lf = 0
    last = b""
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            chunk = last + chunk
            last, chunk = (chunk[-1:], chunk[:-1]) if chunk.endswith(b"\r") else (b"", chunk)
            pairs = chunk.count(b"\r\n")
            crlf, cr, lf = crlf + pairs, cr + chunk.count(b"\r") - pairs, lf + chunk.count(b"\n") - pairs
    cr += len(last)
    return sum(1 for n in (crlf, cr, lf) if n) > 1
