"""Land export files into `landing.<entity>`: header check, normalisation and typing, in DuckDB.

A template file's header names the canonical columns itself; a vendor export is first projected
onto them by its format (connectors/source_formats.py: renamed, mapped, converted, filtered,
grouped), as text, and from there both take one path. The landing table holds only this run's new
files, typed per connectors/contract.yml, with each parsed column's text kept beside it
(`<column>__text`) so that a value that failed to parse can be quarantined with what the file
said. Columns of a template file the contract does not know are kept aside in `_extra` (a JSON
object, header → value per row), never dropped and never fatal; a vendor export's columns its
format does not read are the vendor's own and are not kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from connectors.contract import Entity
from connectors.files import (
    COLUMNAR_DAMAGE,
    COLUMNAR_LABELS,
    MAX_HEADER_CHARACTERS,
    UNDECODABLE_FILES,
    UTF8_WITH_UNDECODABLE_LINES,
    ExportFile,
    UnreadableFile,
    columnar_columns,
    columnar_kind,
    columnar_scan,
    detect_encoding,
    header_line,
    mixed_line_ends,
    readable_copy,
    split_header,
)
from connectors.normalize import SQL_TYPES, typed_expression
from connectors.source_formats import header_key, project, timestamp_columns
from connectors.sql import ident, literal


@dataclass(frozen=True)
class LandedFile:
    export: ExportFile
    file_id: int
    encoding: str
    rows_read: int
    extra_columns: tuple[str, ...]
    source_rows: int | None = None  # a vendor export's own rows, before its format filtered or grouped them


@dataclass(frozen=True)
class RejectedFile:
    export: ExportFile
    file_id: int
    message: str
    unreadable_csv: bool = False  # DuckDB could not read it as CSV (rather than a header or format refusal)


# A 10 MB free-text field is still a row to load, not a broken file.
MAX_LINE_BYTES = 64 * 1024 * 1024
# What of DuckDB's CSV error may be repeated: never its "Original Line", which quotes a row's data
# (names, addresses, phone numbers) into a message that is stored, logged and published.
CSV_ERROR_LINE = re.compile(r"CSV Error on Line: (\d+)")
CSV_ERROR_DETAILS = re.compile(r"^(Expected Number of Columns: \d+ Found: \d+|Value with unterminated quote.*?\.|"
                               r"Maximum line size of \d+ bytes exceeded|Invalid unicode.*)$")


@dataclass(frozen=True)
class CsvLayout:
    headers: tuple[str, ...]  # made unique: a repeated header gets a `_2` suffix, an empty one a name
    delimiter: str
    skip_lines: int = 0  # Excel's `sep=,` line before the header
    repeated: tuple[str, ...] = ()  # names the header holds more than once


# a header of more columns than any export has is a broken file, refused before DuckDB spends minutes on it
MAX_COLUMNS = 2000


def _csv_layout(path: Path, name: str) -> CsvLayout:
    """The header row and delimiter, read here so that DuckDB need not sniff: its sniffer takes
    time quadratic in the longest line (minutes for a 10 MB field)."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as stream:
        first_line, separator = header_line(lambda: stream.readline(MAX_HEADER_CHARACTERS))
    if not first_line.strip():
        raise UnreadableFile(f"{name}: the file is empty or its first line is blank; export it again with its header row and rerun")
    if len(first_line) >= MAX_HEADER_CHARACTERS:
        raise UnreadableFile(f"{name}: the header line is over {MAX_HEADER_CHARACTERS:,} characters long: this is no export "
                             "table's header; export the table again and rerun")
    names, delimiter = split_header(first_line, separator)
    if len(names) > MAX_COLUMNS:
        raise UnreadableFile(f"{name}: the header has {len(names):,} columns, more than the {MAX_COLUMNS:,} any export has; "
                             "check the delimiter and the first line, export the table again and rerun")
    headers: list[str] = []
    for position, header in enumerate(names, start=1):
        unique, n = header or f"_unnamed_{position}", 1  # a line ending in a delimiter has an empty last name
        while unique in headers:
            n += 1
            unique = f"{header}_{n}"
        headers.append(unique)
    repeated = tuple(dict.fromkeys(h for i, h in enumerate(names) if h and h in names[:i]))
    return CsvLayout(tuple(headers), delimiter, 1 if separator is not None else 0, repeated)


def _repeated_refusal(export: ExportFile, file_id: int, repeated: list[str]) -> RejectedFile:
    return RejectedFile(
        export, file_id,
        f"{export.name}: the header names {', '.join(repeated)} more than once, so which column holds it is unclear; "
        "keep one of each and rerun",
    )


def _csv_scan(path: Path, layout: CsvLayout, short_lines: bool = False) -> str:
    """Every column as text; `short_lines` reads a line with fewer fields (a report's footer) padded."""
    columns = "{" + ", ".join(f"{literal(h)}: 'VARCHAR'" for h in layout.headers) + "}"
    return (
        f"read_csv({literal(str(path))}, header = true, auto_detect = false, columns = {columns}, "
        f"delim = {literal(layout.delimiter)}, quote = '\"', escape = '\"', max_line_size = {MAX_LINE_BYTES}, skip = {layout.skip_lines}"
        f"{', null_padding = true' if short_lines else ''})"
    )


def csv_error_summary(error: Exception) -> str:
    """Where and why DuckDB could not read a CSV, without the content of the line."""
    text = str(error)
    line = CSV_ERROR_LINE.search(text)
    details = [d.strip() for d in text.splitlines() if CSV_ERROR_DETAILS.match(d.strip())]
    where = f"line {line.group(1)}" if line else "a line"
    return f"{where}: {details[0] if details else 'malformed (a stray quote or a wrong number of fields)'}"


def _describe_header(headers: tuple[str, ...], entity: Entity) -> str:
    """The header as a message may show it: contract column names only. A file exported without
    its header row has a data row there, and that row's names and addresses must not be repeated."""
    known = [h for h in headers if h in entity.column_names]
    others = len(headers) - len(known)
    shown = ", ".join(known) if known else "no column of the contract"
    return f"{shown}" + (f" and {others} other column{'s' if others > 1 else ''}" if others else "")


def _header_key(header: str) -> str:
    return " ".join(header.split()).lower()


def attach_landing(con: duckdb.DuckDBPyConnection) -> None:
    """Landing holds only this session's new files, so it is a catalog of its own in memory
    (spilling to the temp directory past the memory limit): typed rows are written there about
    twice as fast as into the database file, and nothing of it outlives the session. Warehouses of
    earlier versions kept a `landing` schema in the file; it is dropped, since `landing.<table>`
    would name either."""
    if con.execute("select count(*) from duckdb_databases() where database_name = 'landing'").fetchone()[0]:
        return
    con.execute("drop schema if exists landing cascade")
    con.execute("attach ':memory:' as landing")


def create_landing_table(con: duckdb.DuckDBPyConnection, entity: Entity) -> None:
    """landing.<entity> empty, in the catalog attach_landing made."""
    columns = ["_file_id bigint", "_row_number bigint", "_extra json"]
    for column in entity.columns:
        columns.append(f"{ident(column.name)} {SQL_TYPES[column.type]}")
        if column.is_parsed:
            columns.append(f"{ident(column.name + '__text')} varchar")
    con.execute(f"create or replace table landing.{entity.name} ({', '.join(columns)})")
    con.execute(f"create table if not exists {UNDECODABLE_FILES} (file_id bigint)")


def land_file(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    export: ExportFile,
    file_id: int,
    scratch_dir: Path,
    business_time_zone: str,
) -> LandedFile | RejectedFile:
    """Append one file to landing.<entity>, or say why the whole file is refused."""
    kind = columnar_kind(export.path)
    if kind is not None:
        return _land_columnar(con, entity, export, file_id, kind, business_time_zone)
    try:
        encoding = detect_encoding(export.path)
    except UnreadableFile as refusal:
        return RejectedFile(export, file_id, str(refusal))
    if encoding == UTF8_WITH_UNDECODABLE_LINES:  # the only files whose rows the decodable rule must look at
        con.execute(f"insert into {UNDECODABLE_FILES} values (?)", [file_id])

    def land(one_line_end: bool) -> LandedFile | RejectedFile:
        readable = readable_copy(export.path, encoding, scratch_dir, file_id, one_line_end)
        try:
            try:
                layout = _csv_layout(readable, export.name)
            except UnreadableFile as refusal:
                return RejectedFile(export, file_id, str(refusal))
            if export.source.table is None:
                return _land_template(con, entity, export, file_id, readable, layout, encoding)
            return _land_vendor_csv(con, entity, export, file_id, readable, layout, encoding, business_time_zone)
        finally:
            if readable != export.path:  # a scratch copy holds the export's personal data: keep it no longer than needed
                readable.unlink(missing_ok=True)

    landed = land(one_line_end=False)
    # DuckDB reads one kind of line end per file: a file that mixes CRLF, LF and CR (lines pasted
    # from another system) is read again from a copy with one, found only when the read failed
    if isinstance(landed, RejectedFile) and landed.unreadable_csv and mixed_line_ends(export.path):
        landed = land(one_line_end=True)
    return landed


def _land_template(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    export: ExportFile,
    file_id: int,
    readable: Path,
    layout: CsvLayout,
    encoding: str,
) -> LandedFile | RejectedFile:
    scan = _csv_scan(readable, layout)
    headers = layout.headers

    by_key = {}
    for header in headers:
        by_key.setdefault(_header_key(con.execute("select iskpi_text(?)", [header]).fetchone()[0] or ""), header)
    contract_keys = {_header_key(c) for c in entity.column_names}
    repeated = [h for h in layout.repeated if _header_key(h) in contract_keys]
    if repeated:
        return _repeated_refusal(export, file_id, repeated)
    source_of = {}
    for column in entity.columns:
        header = by_key.get(_header_key(column.name))
        if header is not None:
            source_of[column.name] = header
    missing = [c for c in entity.required_columns if c not in source_of]
    if missing:
        return RejectedFile(
            export,
            file_id,
            f"{export.name}: required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"missing from the header (it has {_describe_header(headers, entity)}). Add {'them' if len(missing) > 1 else 'it'} "
            f"(the {entity.name} columns are listed in connectors/contract.yml) and rerun.",
        )
    extra = tuple(h for h in headers if h not in source_of.values())

    texts = ", ".join(
        f"iskpi_text({ident(source_of[c.name])}) as {ident(c.name)}" if c.name in source_of else f"null::varchar as {ident(c.name)}"
        for c in entity.columns
    )
    kept_aside = (
        "json_object(" + ", ".join(f"{literal(h)}, {ident(h)}" for h in extra) + ")" if extra else "null::json"
    )
    # the row numbers are the landing table's own positions (_number_by_position), not a window
    # over the scan, which would make DuckDB hold and number every row in one thread first (half the landing time)
    projection = f"select null::bigint as _row_number, {kept_aside} as _extra, {texts} from {scan}"
    return _insert_typed(con, entity, export, file_id, projection, encoding, extra, None)


def _land_vendor_csv(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    export: ExportFile,
    file_id: int,
    readable: Path,
    layout: CsvLayout,
    encoding: str,
    business_time_zone: str,
) -> LandedFile | RejectedFile:
    table = export.source.table
    read = {table.header_for(c, {header_key(h): h for h in layout.repeated}) for c in table.columns}
    repeated = [h for h in layout.repeated if h in read]
    if repeated:
        return _repeated_refusal(export, file_id, repeated)
    scan = _csv_scan(readable, layout, table.footer_lines)
    return _land_vendor(con, entity, export, file_id, layout.headers, scan, encoding, business_time_zone)


# a column of these types is text as JSON, not as DuckDB's own literal (`{'a': 1}`)
NESTED_TYPES = re.compile(r"^(STRUCT|MAP|UNION)\(|\[\d*\]$")


def _land_columnar(
    con: duckdb.DuckDBPyConnection, entity: Entity, export: ExportFile, file_id: int, kind: str, business_time_zone: str,
) -> LandedFile | RejectedFile:
    """A Parquet or JSON Lines file an EL tool landed: every column as text, as a CSV's would be,
    then the format's projection. An instant is written in UTC with its offset, so the format's
    time zone never reinterprets it."""
    unreadable = RejectedFile(
        export, file_id, f"{export.name}: could not be read as {COLUMNAR_LABELS[kind]} ({COLUMNAR_DAMAGE[kind]}); "
        "let the EL tool land it again, remove this one and rerun",
        unreadable_csv=False,
    )
    scan = columnar_scan(export.path)
    try:
        if kind == "parquet":
            columns = con.execute(f"describe select * from {scan}").fetchall()
            headers = tuple(name for name, *_ in columns)
            texts = [_parquet_text(name, column_type) for name, column_type, *_ in columns]
        else:
            headers = columnar_columns(con, export.path)
            texts = [f"json ->> {literal(header)} as {ident(header)}" for header in headers]
    except duckdb.Error:
        return unreadable
    if not headers:
        return unreadable
    return _land_vendor(con, entity, export, file_id, headers, f"(select {', '.join(texts)} from {scan})",
                        kind, business_time_zone, COLUMNAR_LABELS[kind])


def _parquet_text(column: str, column_type: str) -> str:
    name = ident(column)
    if column_type == "TIMESTAMP WITH TIME ZONE":
        return f"strftime(timezone('UTC', {name}), '%Y-%m-%d %H:%M:%S.%f') || '+00:00' as {name}"
    if NESTED_TYPES.search(column_type):
        return f"cast(to_json({name}) as varchar) as {name}"
    return f"cast({name} as varchar) as {name}"


def _land_vendor(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    export: ExportFile,
    file_id: int,
    headers: tuple[str, ...],
    scan: str,
    encoding: str,
    business_time_zone: str,
    read_as: str = "CSV",
) -> LandedFile | RejectedFile:
    """A vendor export: its format's projection of the scan's text columns gives the canonical ones."""
    table, output = export.source.table, export.source.output
    projection = project(
        table, output, headers, scan, export.source.time_zone or business_time_zone,
        entity.column_names, timestamp_columns(entity.name),
    )
    if projection.missing_signature:  # the header changed since the file was recognised
        return RejectedFile(
            export, file_id,
            f"{export.name}: column(s) {', '.join(projection.missing_signature)} of {table.label} missing from the header; "
            "export the table again with its default columns and rerun",
        )
    texts = f"select _row_number, null::json as _extra, {', '.join(ident(c) for c in entity.column_names)} from ({projection.sql})"
    try:
        con.execute(f"select * from ({texts}) limit 0")
    except duckdb.Error as error:  # a format's expression that does not bind: the format's to fix, not the file's
        reason = str(error).splitlines()[0]
        return RejectedFile(
            export, file_id,
            f"{export.name}: the {table.label} → {entity.name} expressions of {table.format} format "
            f"cannot be applied ({reason}); fix the format file and rerun",
        )
    try:
        source_rows = con.execute(projection.source_rows_sql).fetchone()[0]
    except duckdb.Error as error:
        return _unreadable(export, file_id, error, read_as)
    return _insert_typed(con, entity, export, file_id, texts, encoding, (), source_rows, read_as)


def _unreadable(export: ExportFile, file_id: int, error: duckdb.Error, read_as: str) -> RejectedFile:
    """A file DuckDB could not read to its end; where and why, never what the line held."""
    summary = csv_error_summary(error) if read_as == "CSV" else "a malformed record"
    return RejectedFile(export, file_id, f"{export.name}: could not be read as {read_as} ({summary}); fix the file and rerun",
                        unreadable_csv=read_as == "CSV")


def _number_by_position(con: duckdb.DuckDBPyConnection, entity: Entity, file_id: int) -> None:
    """Number a template file's rows 1, 2, … in file order. An insert keeps its rows in the scan's
    order (DuckDB's insertion-order preservation, on by default), and a table's `rowid` is that
    position: the numbers are the positions from the file's first row."""
    con.execute(
        f"""
        update landing.{entity.name} set _row_number = rowid - first.first_row + 1
        from (select min(rowid) as first_row from landing.{entity.name} where _file_id = {int(file_id)}) first
        where _file_id = {int(file_id)}
        """
    )


def _insert_typed(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    export: ExportFile,
    file_id: int,
    texts: str,
    encoding: str,
    extra: tuple[str, ...],
    source_rows: int | None,
    read_as: str = "CSV",
) -> LandedFile | RejectedFile:
    """Type the canonical text columns of `texts` (_row_number, _extra, one per contract column)
    into landing.<entity>."""
    typed = []
    for column in entity.columns:
        typed.append(typed_expression(column.type, ident(column.name)))
        if column.is_parsed:
            typed.append(ident(column.name))
    try:
        con.execute(
            f"""
            insert into landing.{entity.name}
            select {int(file_id)}, _row_number, _extra, {", ".join(typed)}
            from ({texts})
            """
        )
    except duckdb.Error as error:
        return _unreadable(export, file_id, error, read_as)
    if source_rows is None:  # a template file: its rows are numbered by where the insert put them
        _number_by_position(con, entity, file_id)
    rows_read = con.execute(
        f"select count(*) from landing.{entity.name} where _file_id = ?", [file_id]
    ).fetchone()[0]
    return LandedFile(export, file_id, encoding, rows_read, extra, source_rows)
