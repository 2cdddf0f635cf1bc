"""Quoting for SQL that is assembled from contract and rule names, and the resources a DuckDB
session of the run may take."""

from __future__ import annotations

import os
from dataclasses import dataclass

import duckdb


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class DuckDBLimits:
    """What every DuckDB session of a run may take: memory before it spills to temp_directory, and
    threads. DuckDB's own default is 80 % of the machine's RAM and every core, which starves BI
    and anything else on the machine at night."""

    temp_directory: str
    memory_limit: str = "3GB"
    threads: int | None = None  # None: every core

    def settings(self) -> dict[str, str]:
        return {"memory_limit": self.memory_limit, "temp_directory": self.temp_directory,
                "threads": str(self.threads or os.cpu_count() or 1)}

    def apply(self, con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
        for name, value in self.settings().items():
            con.execute(f"set {name} = {literal(value)}")
        return con

    def environment(self) -> dict[str, str]:
        """The settings as the environment profiles.yml reads (ISKPI_DUCKDB_<NAME>), for dbt."""
        return {f"ISKPI_DUCKDB_{name.upper()}": value for name, value in self.settings().items()}
