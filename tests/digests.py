"""Content hashes of warehouse tables, to prove two builds hold the same data."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

# marts about the loads themselves (when each file came, what last night took): two builds of the
# same data made at other times differ there by design
ABOUT_THE_LOADS = ("source_freshness",)


def table_digests(warehouse: Path, schema: str = "marts") -> dict[str, str]:
    """sha256 of every table of `schema` but those about the loads, rows in a canonical order."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = ? order by table_name", [schema]
        ).fetchall() if t not in ABOUT_THE_LOADS]
        return {
            table: hashlib.sha256(repr(con.execute(f'select * from {schema}."{table}" order by all').fetchall()).encode()).hexdigest()
            for table in tables
        }


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
