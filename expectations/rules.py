"""Input rules (SPEC §3), each defined once.

A rule comes from `suites/<entity>.yml` or, for parsing and plausibility, from the column types
of `connectors/contract.yml`. Each rule renders into
- a SQL predicate that is true for a row breaking it: the quarantine uses it, inside DuckDB;
- a Great Expectations expectation: the validation behind the blocking asset check uses it.
Both read the same Rule, so the quarantine and the check cannot disagree.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml

from connectors.contract import load_contract
from connectors.files import UNDECODABLE, UNDECODABLE_FILES
from connectors.sql import ident, literal

SUITES_DIR = Path(__file__).with_name("suites")
EARLIEST_PLAUSIBLE = "2000-01-01"
# rules whose verdict can change without the row changing: a rep or lead loaded since, a mapping
# edited, the clock moving past a timestamp that was ahead of it. Rows they quarantined are
# rechecked every run and re-admitted once they pass (SPEC §3).
RECHECKABLE_KINDS = ("references", "one_of", "plausible")


@dataclass(frozen=True)
class Rule:
    entity: str
    kind: str  # required | parseable | plausible | single_line | one_of | between | references | not_before | decodable
    column: str
    values: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    ref_entity: str | None = None
    ref_key: str | None = None
    other_column: str | None = None  # not_before: the column this one may not precede
    mapping: str | None = None  # one_of: the workspace mapping file that lists the values
    future_ok: bool = False  # plausible: the column is future by nature, only the lower bound holds

    @property
    def name(self) -> str:
        suffix = {
            "references": f"references_{self.ref_entity}",
            "not_before": f"not_before_{self.other_column}",
        }.get(self.kind, self.kind)
        return f"{self.entity}.{self.column}.{suffix}"

    @property
    def inspected_column(self) -> str | None:
        """The landing column the rule reads: the file's own text where the rule is about what the
        file said (empty, unparseable), else the typed value; None for a rule on the whole row."""
        if self.kind == "decodable":
            return None
        parsed = load_contract()[self.entity].column(self.column).is_parsed
        if self.kind == "parseable" or (self.kind == "required" and parsed):
            return self.column + "__text"
        return self.column

    def describe(self) -> str:
        """What the rule demands, in words a user can act on."""
        if self.kind == "decodable":
            return ("the line must be text in the file's encoding (it holds bytes that are not UTF-8: "
                    "correct that line, or save the whole file again as CSV UTF-8, and rerun)")
        return {
            "required": f"{self.column} must not be empty",
            "parseable": f"{self.column} must be a valid {load_contract()[self.entity].column(self.column).type}",
            "plausible": f"{self.column} must not be before {EARLIEST_PLAUSIBLE}"
            + ("" if self.future_ok else " nor later than the load time plus the tolerance"),
            "single_line": f"{self.column} must be on one line (a line break in an id or code means the file's quoting merged records)",
            "one_of": f"{self.column} must be one of the known values ({', '.join(self.values[:12])}"
            + (", …" if len(self.values) > 12 else "")
            + ")",
            "between": f"{self.column} must be between {self.min if self.min is not None else '-∞'}"
            f" and {self.max if self.max is not None else '∞'}",
            "references": f"{self.column} must name a known {self.ref_entity} ({self.ref_entity}.{self.ref_key})",
            "not_before": f"{self.column} must not be before {self.other_column}",
        }[self.kind]

    def violation_sql(self, latest_plausible: datetime) -> str:
        """A predicate over the landing table's columns, true where a row breaks the rule."""
        column = ident(self.column)
        if self.kind == "required":  # empty in the file; a value that fails to parse is `parseable`'s
            return f"{ident(self.inspected_column)} is null"
        if self.kind == "parseable":
            return f"{ident(self.inspected_column)} is not null and {column} is null"
        if self.kind == "plausible":
            too_early = f"{column} < timestamptz '{EARLIEST_PLAUSIBLE} 00:00:00+00'"
            if self.future_ok:
                return f"({too_early})"
            return f"({too_early} or {column} > timestamptz '{latest_plausible.isoformat()}')"
        if self.kind == "single_line":
            return f"regexp_matches({column}, '[\\r\\n]')"
        if self.kind == "one_of":
            return f"{column} is not null and {column} not in ({', '.join(literal(v) for v in self.values)})"
        if self.kind == "between":
            bounds = []
            if self.min is not None:
                bounds.append(f"{column} < {self.min}")
            if self.max is not None:
                bounds.append(f"{column} > {self.max}")
            return "(" + " or ".join(bounds) + ")"
        if self.kind == "references":
            key = ident(self.ref_key)
            return (
                f"{column} is not null and {column} not in "
                f"(select {key} from raw.{ident(self.ref_entity)} where {key} is not null)"
            )
        if self.kind == "decodable":  # the bytes that were not UTF-8 read as U+FFFD (connectors/files.py)
            texts = ", ".join(ident(c.name + "__text" if c.is_parsed else c.name) for c in load_contract()[self.entity].columns)
            return (f"_file_id in (select file_id from {UNDECODABLE_FILES}) "
                    f"and contains(concat_ws('', {texts}), {literal(UNDECODABLE)})")
        if self.kind == "not_before":
            other = ident(self.other_column)
            return f"{column} is not null and {other} is not null and {column} < {other}"
        raise ValueError(f"unknown rule kind {self.kind!r}")


def mapping_values(mappings_dir: Path, mapping: str, column: str) -> tuple[str, ...]:
    """The values a mapping file lists in one column (after NFKC, as the loader compares them)."""
    import unicodedata

    path = mappings_dir / f"{mapping}.csv"
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            rows = list(csv.DictReader(stream))
    except FileNotFoundError:
        raise FileNotFoundError(f"mapping {path} is missing; copy it from a new workspace (`iskpi init`) or rerun") from None
    if rows and column not in rows[0]:
        raise ValueError(f"{path}: the header has no column {column!r}; restore the header row")
    return tuple(sorted({unicodedata.normalize("NFKC", row[column]).strip() for row in rows if row[column]}))


def _suite_rule(entity: str, spec: dict, mappings_dir: Path) -> Rule:
    kind = spec["kind"]
    if kind == "one_of":
        if "values_from" in spec:
            mapping = spec["values_from"]["seed"]
            values = mapping_values(mappings_dir, mapping, spec["values_from"]["column"])
            return Rule(entity, kind, spec["column"], values=values, mapping=f"{mapping}.csv")
        return Rule(entity, kind, spec["column"], values=tuple(str(v) for v in spec["values"]))
    if kind == "between":
        return Rule(entity, kind, spec["column"], min=spec.get("min"), max=spec.get("max"))
    if kind == "references":
        return Rule(entity, kind, spec["column"], ref_entity=spec["entity"], ref_key=spec["key"])
    if kind == "required":
        return Rule(entity, kind, spec["column"])
    if kind == "not_before":
        return Rule(entity, kind, spec["column"], other_column=spec["other"])
    raise ValueError(f"{SUITES_DIR / entity}.yml: unknown rule kind {kind!r}")


def _suite(entity: str) -> dict:
    suite = yaml.safe_load((SUITES_DIR / f"{entity}.yml").read_text(encoding="utf-8"))
    if suite["entity"] != entity:
        raise ValueError(f"{SUITES_DIR / entity}.yml declares entity {suite['entity']!r}")
    return suite


def referenced_entities(entity: str) -> list[str]:
    """The other entities this one's rows must point at (loaded first)."""
    return sorted({spec["entity"] for spec in _suite(entity)["rules"] if spec["kind"] == "references"} - {entity})


def rules_for(entity: str, mappings_dir: Path) -> tuple[Rule, ...]:
    """Every rule of an entity: parse rules from the contract's column types, then the suite's,
    with enumerations read from the workspace's mappings as they are now (never cached: a mapping
    edited while `dagster dev` runs counts on the next run)."""
    contract = load_contract()[entity]
    rules = []
    for column in contract.columns:
        if column.is_parsed:
            rules.append(Rule(entity, "parseable", column.name))
        if column.type == "timestamp":
            rules.append(Rule(entity, "plausible", column.name, future_ok=column.future_ok))
        if column.type == "code":
            rules.append(Rule(entity, "single_line", column.name))
    rules.append(Rule(entity, "decodable", "row"))
    for spec in _suite(entity)["rules"]:
        rule = _suite_rule(entity, spec, mappings_dir)
        contract.column(rule.column)  # a rule on a column the contract lacks is a typo
        if rule.other_column:
            contract.column(rule.other_column)
        rules.append(rule)
    return tuple(rules)
