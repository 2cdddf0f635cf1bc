"""The canonical input contract (SPEC §2), read from contract.yml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

CONTRACT_FILE = Path(__file__).with_name("contract.yml")

COLUMN_TYPES = ("text", "code", "email", "phone", "timestamp", "date", "integer", "decimal", "boolean")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool
    future_ok: bool = False  # future by nature (a meeting's scheduled_for): no "not in the future" rule

    @property
    def is_parsed(self) -> bool:
        """Whether the text value must be parsed into another type (and can fail to)."""
        return self.type not in ("text", "code", "email")


@dataclass(frozen=True)
class Entity:
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    updated_at: str | None = None
    responsible_rep: str | None = None  # the rep a row's input quality is credited to
    recorded_at: str | None = None  # the column that says how current an export is (source freshness)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name!r} (see {CONTRACT_FILE.name})")

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [column.name for column in self.columns if column.required]


@cache
def load_contract() -> dict[str, Entity]:
    spec = yaml.safe_load(CONTRACT_FILE.read_text(encoding="utf-8"))
    entities = {}
    for name, entity in spec["entities"].items():
        columns = []
        for column_name, column in entity["columns"].items():
            if column["type"] not in COLUMN_TYPES:
                raise ValueError(f"{CONTRACT_FILE}: {name}.{column_name} has unknown type {column['type']!r}")
            columns.append(Column(
                column_name, column["type"], bool(column.get("required", False)), bool(column.get("future_ok", False))
            ))
        entities[name] = Entity(
            name, tuple(entity["key"]), tuple(columns), entity.get("updated_at"), entity.get("responsible_rep"),
            entity.get("recorded_at"),
        )
    return entities


def entity_names() -> list[str]:
    """Entities in load order: reps first, because every activity is attributed to one."""
    return list(load_contract())
