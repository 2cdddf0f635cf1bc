"""Source formats: how a vendor's export files map onto the canonical contract, declared in YAML.

A format (connectors/formats/<name>.yml, or a team's own in <workspace>/sources/<name>.yml) lists
the tables a system exports. Each table says which source columns it reads, which of them identify
a file as that table (its signature: every one present in the header, whatever the file is
called), and what canonical rows it gives: per output entity, a row filter, an optional grouping
(legs of one call → one call) and one SQL expression per canonical column over the source columns.
Expressions produce text; the landing step then normalises and types it exactly as it does the
template's columns, so every input rule, the quarantine and the reconciliation hold unchanged.

Inside an expression, besides DuckDB's functions:
  map_<name>(value)          the format's value map <name>; a value it does not list passes through
                             (the workspace's mappings then judge it, and report it if unknown)
  known_<name>(value)        the same map, empty for a value it does not list
  rep(user)                  the rep of a vendor user: mappings/rep_identities.csv, else the e-mail
                             of its `user` link, else the value itself when it is a rep's e-mail
                             or the name of exactly one rep (spaces ignored); unresolved,
                             `<format>:<user>` (quarantined until a rep matches, then re-admitted)
  link_lead(object, id)      the lead a linked record belongs to (raw.source_links)
  link_email(object, id), link_phone(object, id), link_name(object, id), link_record(object, id)
  is_true(value), is_false(value)   a boolean column's value (true/TRUE/1/…); both false when empty
  channel_lead_type(label)   inbound / outbound, as mappings/channels.csv groups the label
  business_day_start(date)   a date as the start of that day in the business time zone
  utc_text(ts), epoch_ms_text(ms), epoch_s_text(s), rfc2822_text(ts)   timestamps as ISO text with offset
  seconds_from_ms(ms), seconds_from_hms(hh:mm:ss or mm:ss)             durations as whole seconds
A timestamp column's text without an offset is read in the format's `time_zone` (EL tools land
UTC); a format that names none (an export in local time) is read in the business time zone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from connectors.contract import load_contract
from connectors.sql import ident, literal

FORMATS_DIR = Path(__file__).with_name("formats")
TEMPLATE_FORMAT = "template"
LINKS_ENTITY = "source_links"
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


class FormatError(Exception):
    """A format file that cannot be used; the message names the file and what to fix."""


def header_key(header: str) -> str:
    """How a header is matched: case, spaces, underscores and a BOM do not count, so `CreatedDate`,
    `created_date` and `Created Date` are one column (EL tools sync either spelling)."""
    return re.sub(r"[\s_\ufeff]+", "", header).lower()


@dataclass(frozen=True, eq=False)  # compared by identity: each is one output of one parsed format
class Output:
    """The canonical rows one source table gives for one entity."""

    entity: str
    columns: Mapping[str, str]  # canonical column -> SQL text expression over the source columns
    where: str | None = None
    group_by: tuple[str, ...] = ()
    having: str | None = None  # with group_by: which groups are rows of the entity (e.g. a call's legs that make a dial)


@dataclass(frozen=True)
class SourceTable:
    format: str
    name: str
    columns: tuple[str, ...]  # the source columns the outputs read, the signature's among them
    signature: tuple[str, ...]  # all present in a header = a file of this table
    outputs: tuple[Output, ...]
    # other spellings of a column (a kintone field's code beside its name, an English label)
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # the export ends with lines that are no records (a report's totals, its copyright): they are
    # read with empty columns, and the outputs' `where` leaves them out
    footer_lines: bool = False

    def header_for(self, column: str, headers_by_key: Mapping[str, str]) -> str | None:
        """The file's header for one of the table's columns, under any of its spellings."""
        for spelling in (column, *self.aliases.get(column, ())):
            if header_key(spelling) in headers_by_key:
                return headers_by_key[header_key(spelling)]
        return None

    @property
    def label(self) -> str:
        return f"{self.format}.{self.name}"

    def outputs_for(self, entity: str) -> list[Output]:
        """An entity may take several rows from one source row (a converted lead links both its
        contact and its opportunity): one output each, landed as parts of the file of their own."""
        return [o for o in self.outputs if o.entity == entity]


@dataclass(frozen=True)
class SourceFormat:
    name: str
    description: str
    time_zone: str | None  # offset-less timestamps are in this zone; None: the business time zone
    maps: Mapping[str, Mapping[str, str]]
    tables: tuple[SourceTable, ...]
    path: Path | None = None

    def table(self, headers: list[str] | tuple[str, ...]) -> SourceTable | None:
        """The table whose signature the header carries; the most specific when several do."""
        by_key = {header_key(h): h for h in headers}
        matching = [t for t in self.tables if all(t.header_for(c, by_key) is not None for c in t.signature)]
        if not matching:
            return None
        matching.sort(key=lambda t: len(t.signature), reverse=True)
        if len(matching) > 1 and len(matching[0].signature) == len(matching[1].signature):
            raise FormatError(
                f"{self.path}: tables {matching[0].name} and {matching[1].name} both match this header; "
                "make one signature longer"
            )
        return matching[0]


@dataclass(frozen=True)
class Source:
    """Where an export file came from: the template, or a table of a vendor format."""

    format: str
    table: SourceTable | None = None
    output: Output | None = None
    time_zone: str | None = None  # of offset-less timestamps; None: the business time zone

    @property
    def label(self) -> str:
        return self.table.label if self.table else TEMPLATE_FORMAT


TEMPLATE = Source(TEMPLATE_FORMAT)


def _fail(path: Path, message: str) -> FormatError:
    return FormatError(f"{path}: {message}")


def _column_expression(path: Path, table: str, entity: str, column: str, spec: object) -> str:
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        return literal(str(spec))
    if not isinstance(spec, str) or not spec.strip():
        raise _fail(path, f"tables.{table}.outputs.{entity}.{column}: give a source column or an SQL expression")
    return spec


def parse_format(path: Path) -> SourceFormat:
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise _fail(path, f"not valid YAML ({error})") from None
    if not isinstance(spec, dict):
        raise _fail(path, "expected a mapping with format, tables and (optionally) maps")
    name = spec.get("format")
    if name != path.stem or not NAME_PATTERN.match(str(name)):
        raise _fail(path, f"`format:` must be the file's name ({path.stem!r}), in lower case letters, digits and _")
    contract = load_contract()
    maps = {}
    for map_name, values in (spec.get("maps") or {}).items():
        if not NAME_PATTERN.match(map_name) or not isinstance(values, dict):
            raise _fail(path, f"maps.{map_name}: a map is a name (a-z, 0-9, _) over source value: canonical value pairs")
        maps[map_name] = {str(k): str(v) for k, v in values.items()}
    tables = []
    for table_name, table in (spec.get("tables") or {}).items():
        signature = tuple(str(c) for c in table.get("signature") or ())
        if not signature:
            raise _fail(path, f"tables.{table_name}: a signature (the headers that identify the file) is required")
        declared, aliases = [], {}
        for column in table.get("columns") or ():
            if isinstance(column, dict):  # {name: [other spellings]}
                for column_name, spellings in column.items():
                    declared.append(str(column_name))
                    aliases[str(column_name)] = tuple(str(a) for a in (spellings or ()))
            else:
                declared.append(str(column))
        columns = tuple(dict.fromkeys([*declared, *signature]))
        outputs = []
        for entity, given_outputs in (table.get("outputs") or {}).items():
            for output in given_outputs if isinstance(given_outputs, list) else [given_outputs]:
                outputs.append(_parse_output(path, table_name, entity, output, contract))
        if not outputs:
            raise _fail(path, f"tables.{table_name}: no outputs")
        tables.append(SourceTable(str(name), table_name, columns, signature, tuple(outputs), aliases,
                                  bool(table.get("footer_lines", False))))
    if not tables:
        raise _fail(path, "no tables")
    return SourceFormat(str(name), str(spec.get("description") or ""), spec.get("time_zone"), maps, tuple(tables), path)


def _parse_output(path: Path, table_name: str, entity: str, output: dict, contract) -> Output:
    if entity not in contract:
        raise _fail(path, f"tables.{table_name}.outputs: {entity!r} is not a canonical entity ({', '.join(contract)})")
    known = set(contract[entity].column_names)
    given = output.get("columns") or {}
    stray = [c for c in given if c not in known]
    if stray:
        raise _fail(path, f"tables.{table_name}.outputs.{entity}: {', '.join(stray)} not columns of {entity}")
    missing = [c for c in contract[entity].required_columns if c not in given]
    if missing:
        raise _fail(path, f"tables.{table_name}.outputs.{entity}: required column(s) {', '.join(missing)} not given")
    if output.get("having") and not output.get("group_by"):
        raise _fail(path, f"tables.{table_name}.outputs.{entity}: `having` filters groups; give `group_by` too")
    return Output(
        entity,
        {c: _column_expression(path, table_name, entity, c, s) for c, s in given.items()},
        output.get("where"),
        tuple(output.get("group_by") or ()),
        output.get("having"),
    )


@cache
def shipped_formats() -> dict[str, SourceFormat]:
    return {p.stem: parse_format(p) for p in sorted(FORMATS_DIR.glob("*.yml"))}


def available_formats(sources_dir: Path | None) -> dict[str, SourceFormat]:
    """The shipped formats, and the workspace's own: a workspace format of the same name replaces
    the shipped one (a team whose Salesforce names its fields differently copies and edits it)."""
    formats = dict(shipped_formats())
    if sources_dir is not None and sources_dir.is_dir():
        for path in sorted(sources_dir.glob("*.yml")):
            formats[path.stem] = parse_format(path)
    return formats


# --- SQL -------------------------------------------------------------------------------------

def install_helpers(con, business_time_zone: str, mappings_dir: Path) -> None:
    """The format-independent helpers of the module docstring, as temporary macros."""
    channels = mappings_dir / "channels.csv"
    groups = (
        f"select iskpi_text(raw_channel) as raw_channel, min(iskpi_text(channel_group)) as lead_type "
        f"from read_csv({literal(str(channels))}, header = true, all_varchar = true) "
        "where iskpi_text(channel_group) in ('inbound', 'outbound') group by all"
        if channels.exists() else "select null::varchar as raw_channel, null::varchar as lead_type"
    )
    con.execute(f"create or replace temp table iskpi_channel_lead_types as {groups}")
    con.execute(
        f"""
        create or replace temp macro channel_lead_type(s) as
            (select lead_type from iskpi_channel_lead_types where raw_channel = s);
        -- a date (Salesforce's CloseDate) as the start of that day in the business time zone
        create or replace temp macro business_day_start(s) as
            coalesce(strftime(timezone({literal(business_time_zone)}, cast(try_cast(left(s, 10) as date) as timestamp))
                at time zone 'UTC', '%Y-%m-%d %H:%M:%S') || '+00:00', s);
        """
    )
    con.execute(
        r"""
        create or replace temp macro is_false(s) as coalesce(not iskpi_boolean(s), false);
        create or replace temp macro zoned_text(s, zone) as
            case when s is null or regexp_matches(s, '([+-]\d{2}:?\d{2}|Z)$') then s
                 else coalesce(strftime(timezone(zone, try_strptime(regexp_replace(s, '^(\d{4}[-/]\d{1,2}[-/]\d{1,2})T', '\1 '),
                     ['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M', '%Y/%m/%d %H:%M:%S', '%Y/%m/%d %H:%M']))
                     at time zone 'UTC', '%Y-%m-%d %H:%M:%S.%f') || '+00:00', s) end;
        create or replace temp macro is_true(s) as coalesce(iskpi_boolean(s), false);
        -- `2022-07-25 16:37:07.000000 UTC` → `… +00:00`; text that already has an offset is kept
        create or replace temp macro utc_text(s) as
            case when s is null then null
                 when regexp_matches(s, '\s*UTC$') then regexp_replace(s, '\s*UTC$', '') || '+00:00'
                 else s end;
        create or replace temp macro epoch_ms_text(s) as
            case when regexp_matches(s, '^\d+(\.\d+)?$')
                 then strftime(make_timestamp(cast(cast(s as double) * 1000 as bigint)), '%Y-%m-%d %H:%M:%S.%f') || '+00:00'
                 else s end;
        create or replace temp macro epoch_s_text(s) as
            case when regexp_matches(s, '^\d+(\.\d+)?$')
                 then strftime(make_timestamp(cast(cast(s as double) * 1000000 as bigint)), '%Y-%m-%d %H:%M:%S') || '+00:00'
                 else s end;
        -- `Tue, 31 Aug 2010 20:36:28 +0000`
        create or replace temp macro rfc2822_text(s) as
            coalesce(strftime(try_strptime(s, '%a, %d %b %Y %H:%M:%S %z') at time zone 'UTC', '%Y-%m-%d %H:%M:%S') || '+00:00', s);
        create or replace temp macro seconds_from_ms(s) as
            case when regexp_matches(s, '^\d+(\.\d+)?$') then cast(round(cast(s as double) / 1000) as bigint)::varchar else s end;
        -- `1:02:03` or `02:03`
        create or replace temp macro seconds_from_hms(s) as
            case when regexp_matches(s, '^\d+:\d{2}:\d{2}$')
                     then (cast(split_part(s, ':', 1) as bigint) * 3600 + cast(split_part(s, ':', 2) as bigint) * 60
                           + cast(split_part(s, ':', 3) as bigint))::varchar
                 when regexp_matches(s, '^\d+:\d{2}$')
                     then (cast(split_part(s, ':', 1) as bigint) * 60 + cast(split_part(s, ':', 2) as bigint))::varchar
                 else s end;
        """
    )


def zoned_text(expression: str, time_zone: str) -> str:
    """A timestamp text without an offset, given one: `2019-11-11 17:23:34` in UTC reads as
    `2019-11-11 17:23:34.000000+00:00`; text with an offset, or text that does not parse, is kept."""
    return f"zoned_text({expression}, {literal(time_zone)})"


def install_format(con, source_format: SourceFormat, rep_identities: str, links: str) -> None:
    """This format's value maps and its rep/link resolution, as temporary macros.

    `rep_identities` is a relation (user_key, rep_id) with user_key `<format>:<user>` or an e-mail;
    `links` one over raw.source_links' columns."""
    for map_name, values in source_format.maps.items():
        if values:
            pairs = ", ".join(f"({literal(k)}, {literal(v)})" for k, v in values.items())
            con.execute(
                f"create or replace temp table iskpi_map_{map_name} as select * from (values {pairs}) v(source_value, value)"
            )
        else:
            con.execute(f"create or replace temp table iskpi_map_{map_name} (source_value varchar, value varchar)")
        con.execute(
            f"create or replace temp macro known_{map_name}(s) as (select value from iskpi_map_{map_name} where source_value = s)"
        )
        con.execute(f"create or replace temp macro map_{map_name}(s) as coalesce(known_{map_name}(s), s)")
    prefix = literal(source_format.name + ":")
    fmt = literal(source_format.name)
    con.execute(
        f"""
        create or replace temp macro rep(s) as
            case when s is not null then coalesce(
                (select rep_id from {rep_identities} where user_key = {prefix} || s),
                (select rep_id from {rep_identities} where user_key = lower(s)),
                (select rep_id from {rep_identities} where user_key = 'name:' || replace(s, ' ', '')),
                {prefix} || s) end;
        create or replace temp macro link_lead(o, s) as
            (select lead_id from {links} where source = {fmt} and object = o and source_id = s);
        create or replace temp macro link_email(o, s) as
            (select email from {links} where source = {fmt} and object = o and source_id = s);
        create or replace temp macro link_phone(o, s) as
            (select phone from {links} where source = {fmt} and object = o and source_id = s);
        create or replace temp macro link_name(o, s) as
            (select name from {links} where source = {fmt} and object = o and source_id = s);
        create or replace temp macro link_record(o, s) as
            (select record_id from {links} where source = {fmt} and object = o and source_id = s);
        """
    )


@dataclass(frozen=True)
class Projection:
    """The SQL that turns one export's scan into canonical text columns, and what it could not match."""

    sql: str  # select _row_number, <canonical text columns> from the scan
    source_rows_sql: str
    missing_signature: tuple[str, ...]
    unmatched_columns: tuple[str, ...]  # source columns of the table the file lacks (read as empty)
    unused_headers: tuple[str, ...]  # headers of the file the table does not read


def project(table: SourceTable, output: Output, headers: tuple[str, ...], scan: str, time_zone: str,
            entity_columns: list[str], timestamp_columns: set[str]) -> Projection:
    by_key: dict[str, str] = {}
    for header in headers:
        by_key.setdefault(header_key(header), header)
    selected, unmatched = [], []
    for column in table.columns:
        header = table.header_for(column, by_key)
        if header is None:
            unmatched.append(column)
            selected.append(f"null::varchar as {ident(column)}")
        else:
            selected.append(f"iskpi_text({ident(header)}) as {ident(column)}")
    used = {table.header_for(c, by_key) for c in table.columns}
    unused = tuple(h for h in headers if h not in used)
    missing = tuple(c for c in table.signature if table.header_for(c, by_key) is None)
    expressions = []
    for column in entity_columns:
        expression = output.columns.get(column)
        if expression is None:
            expressions.append(f"null::varchar as {ident(column)}")
            continue
        text = f"cast(({expression}) as varchar)"
        if column in timestamp_columns:
            text = zoned_text(text, time_zone)
        expressions.append(f"{text} as {ident(column)}")
    source = f"(select row_number() over () as _source_row, {', '.join(selected)} from {scan})"
    where = f"where {output.where}" if output.where else ""
    if output.group_by:
        group = ", ".join(output.group_by)
        having = f"having {output.having}" if output.having else ""
        sql = (f"select min(_source_row) as _row_number, {', '.join(expressions)} from {source} src {where} "
               f"group by {group} {having}")
    else:
        sql = f"select _source_row as _row_number, {', '.join(expressions)} from {source} src {where}"
    return Projection(sql, f"select count(*) from {scan}", missing, tuple(unmatched), unused)


def timestamp_columns(entity: str) -> set[str]:
    return {c.name for c in load_contract()[entity].columns if c.type == "timestamp"}
