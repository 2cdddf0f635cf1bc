"""`iskpi source check FILE`: how an export would map, before a run.

The file goes through the real landing step (its format's projection, normal form, types) in a
scratch in-memory database that holds a copy of the workspace's reps and source links, and the
input rules are evaluated on the result. Nothing is written to the workspace. The report names
the table the header was recognised as, which header feeds which column, what the file has that
the format does not read, and per canonical table the rows it would give, the rows the rules would
quarantine (by rule, with the unknown values and their counts) and the vendor users no rep matches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

import duckdb

from connectors import normalize, source_formats
from connectors.contract import load_contract
from connectors.files import ExportFile, read_header, recognise, sha256_of
from connectors.landing import LandedFile, attach_landing, create_landing_table, land_file
from connectors.source_formats import LINKS_ENTITY, Source, SourceFormat, header_key
from connectors.sql import ident, literal

# how many unknown values of one rule the report lists
SHOWN_VALUES = 10


@dataclass(frozen=True)
class CheckResult:
    report: str
    maps: bool  # the file was recognised and gives rows: `iskpi source check` exits 0 only then


@dataclass(frozen=True)
class CheckSettings:
    formats: Mapping[str, SourceFormat]
    mappings_dir: Path
    business_time_zone: str
    work_db: Path | None  # the workspace's working database, for its reps and links (None: none yet)
    scratch_dir: Path


def _recognised(path: Path, formats: Mapping[str, SourceFormat], format_name: str | None) -> tuple[Source | None, str]:
    """The file's format and table: the one named, else the folder's, else whichever recognises the header."""
    if format_name is not None and format_name not in formats:
        return None, f"no format named {format_name!r} (there are: {', '.join(sorted(formats))})"
    candidates = [format_name] if format_name else ([path.parent.name] if path.parent.name in formats else list(formats))
    found = [s for s in (recognise(path, formats[name]) for name in candidates) if s is not None]
    if len(found) == 1:
        return found[0], ""
    header = ", ".join(read_header(path)[:12])
    if not found:
        template = _template_entity(read_header(path))
        if template is not None:
            return None, (f"{path.name}: a template file of {template} (its header holds that table's required columns "
                          "of connectors/contract.yml), not a vendor export: drop it at the inbox's top level, where "
                          "`iskpi run` loads and checks it as it is")
        within = f"the {candidates[0]} format's tables" if len(candidates) == 1 else "any format's tables"
        return None, (f"{path.name}: its header ({header}, …) matches none of {within}. Each table needs every column "
                      "of its signature (connectors/formats/<name>.yml, or the workspace's sources/<name>.yml)")
    return None, f"{path.name}: its header matches {', '.join(s.label for s in found)}; put it in one format's folder"


def _template_entity(headers: list[str]) -> str | None:
    """The contract table whose required columns the header holds, the one with the most of them."""
    names = {header_key(h) for h in headers}
    fitting = [(len(e.required_columns), e.name) for e in load_contract().values()
               if e.required_columns and all(header_key(c) in names for c in e.required_columns)]
    return max(fitting)[1] if fitting else None


def _copy_workspace_tables(con: duckdb.DuckDBPyConnection, work_db: Path | None) -> None:
    """The reps and links a vendor row resolves through, copied so the check never locks or writes the workspace."""
    con.execute("create schema if not exists raw")
    if work_db is None or not work_db.exists():
        return
    try:
        con.execute(f"attach {literal(str(work_db))} as work (read_only)")
    except duckdb.Error:  # a run holds the file: check without its reps
        return
    tables = {t for (t,) in con.execute(
        "select table_name from information_schema.tables where table_catalog = 'work' and table_schema = 'raw'"
    ).fetchall()}
    for table in ("reps", LINKS_ENTITY):
        if table in tables:
            con.execute(f"create table raw.{table} as select * from work.raw.{table}")
    con.execute("detach work")


def _ensure_reps(con: duckdb.DuckDBPyConnection) -> None:
    """Without a working database yet, no rep is known: every vendor user shows as unmatched."""
    con.execute("create table if not exists raw.reps (rep_id varchar, rep_name varchar, email varchar)")


def check_file(path: Path, settings: CheckSettings, format_name: str | None = None) -> CheckResult:
    from expectations.rules import rules_for  # the rules read the mappings; imported here to keep this module light
    from orchestration.ingest.loading import IDENTITIES, LINKS, install_identities

    source, problem = _recognised(path, settings.formats, format_name)
    if source is None:
        return CheckResult(problem, maps=False)
    table = source.table
    fmt = settings.formats[source.format]
    headers = read_header(path)
    by_key = {header_key(h): h for h in headers}
    lines = [f"{path.name}: {table.label} (format {fmt.path})"]
    matched = [(c, table.header_for(c, by_key)) for c in table.columns]
    read = [f"{c} ← {h}" if header_key(h) != header_key(c) else c for c, h in matched if h is not None]
    lines.append(f"  reads {len(read)} of its {len(table.columns)} columns: {', '.join(read)}")
    missing = [c for c, h in matched if h is None]
    if missing:
        lines.append(f"  not in the file (read as empty): {', '.join(missing)}")
    used = {h for _, h in matched if h is not None}
    unused = [h for h in headers if h not in used]
    if unused:
        lines.append(f"  the file's other {len(unused)} column(s), not read: {', '.join(unused[:20])}{' …' if len(unused) > 20 else ''}")

    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    attach_landing(con)
    normalize.install(con, settings.business_time_zone)
    source_formats.install_helpers(con, settings.business_time_zone, settings.mappings_dir)
    _copy_workspace_tables(con, settings.work_db)
    _ensure_reps(con)
    install_identities(con, settings.mappings_dir)
    source_formats.install_format(con, fmt, IDENTITIES, LINKS)
    sha = sha256_of(path)
    rows = 0
    for file_id, output in enumerate(table.outputs, start=1):
        entity = load_contract()[output.entity]
        create_landing_table(con, entity)
        export = ExportFile(entity.name, path, sha, Source(source.format, table, output, source.time_zone))
        landed = land_file(con, entity, export, file_id, settings.scratch_dir, settings.business_time_zone)
        if not isinstance(landed, LandedFile):
            lines.append(f"  → {entity.name}: refused: {landed.message}")
            continue
        rows += landed.rows_read
        left_out = (landed.source_rows or 0) - landed.rows_read
        lines.append(f"  → {entity.name}: {landed.rows_read:,} row(s) from {landed.source_rows:,} in the file"
                     + (f" ({left_out:,} left out by the format's filter or folded into another row)" if left_out else ""))
        lines += _rule_report(con, entity.name, rules_for(entity.name, settings.mappings_dir), source.format)
    if not rows:
        lines.append("  nothing maps: no row of the file reaches a canonical table")
    return CheckResult("\n".join(lines), maps=rows > 0)


def _rule_report(con: duckdb.DuckDBPyConnection, entity: str, rules, format_name: str) -> list[str]:
    from datetime import datetime

    from expectations.gate import shown_value

    lines = []
    now = datetime.now(UTC)
    prefix = f"{format_name}:"
    for rule in rules:
        if rule.kind == "references" and rule.ref_entity == "reps":
            users = con.execute(
                f"select {ident(rule.column)}, count(*) from landing.{ident(entity)} "
                f"where starts_with({ident(rule.column)}, ?) group by all order by 2 desc, 1 limit {SHOWN_VALUES}", [prefix]
            ).fetchall()
            if users:
                shown = ", ".join(f"{user.removeprefix(prefix)} ×{n}" for user, n in users)
                lines.append(f"      {rule.column}: users no rep matches: {shown}. Give the rep in reps.csv the user's e-mail, "
                             f"or add `{format_name},<user>,<rep_id>` to mappings/rep_identities.csv")
        violating = con.execute(
            f"select count(*) from landing.{ident(entity)} where {rule.violation_sql(now)}"
        ).fetchone()[0]
        if not violating or (rule.kind == "references" and rule.ref_entity == "reps"):
            continue
        line = f"      would be quarantined: {rule.name} ×{violating} ({rule.describe()})"
        if rule.kind in ("one_of", "parseable"):
            values = con.execute(
                f"select cast({ident(rule.inspected_column)} as varchar) as v, count(*) from landing.{ident(entity)} "
                f"where {rule.violation_sql(now)} group by all order by 2 desc, 1 limit {SHOWN_VALUES}"
            ).fetchall()
            line += ": " + ", ".join(f"{shown_value(v)} ×{n}" for v, n in values)
            if rule.mapping:
                line += f"; add the values to mappings/{rule.mapping}"
        lines.append(line)
    return lines
