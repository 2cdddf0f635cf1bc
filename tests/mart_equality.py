"""Whether two published warehouses hold the same marts: the same tables, columns and types, and
the same rows, every cell exact except floating-point ones (rates, averages), which may differ
in the last bits between engines that sum in a different order (SPEC §8: to 1e-12)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

TOLERANCE = 1e-12
# columns about the loads rather than the data (when a file came, what the last night took): two
# builds of the same exports loaded at other times, or over other nights, differ there by design
ABOUT_THE_LOADS = {"source_freshness": ("last_file_loaded_at", "last_file_loaded_local", "file_age_business_days",
                                        "rows_loaded_last_night", "rows_quarantined_last_night", "was_refused_last_night")}


@dataclass
class Comparison:
    tables: int = 0
    cells: int = 0
    floats_within_tolerance: int = 0  # float cells not bit-identical, but within TOLERANCE
    differences: list[str] = field(default_factory=list)


def _equal(a, b) -> tuple[bool, bool]:
    """(equal, only within the tolerance)."""
    if a == b:
        return True, False
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) and math.isnan(b):
            return True, False
        return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE), True
    return False, False


def compare_marts(expected: Path, actual: Path) -> Comparison:
    result = Comparison()
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"attach '{expected}' as expected (read_only)")
        con.execute(f"attach '{actual}' as actual (read_only)")
        columns = {
            catalog: {table: cols for table, cols in con.execute(
                "select table_name, list((column_name, data_type) order by ordinal_position) from information_schema.columns "
                "where table_catalog = ? and table_schema = 'marts' group by table_name", [catalog]).fetchall()}
            for catalog in ("expected", "actual")
        }
        if set(columns["expected"]) != set(columns["actual"]):
            result.differences.append(f"tables: only in the DuckDB build {sorted(set(columns['expected']) - set(columns['actual']))}, "
                                      f"only in the other {sorted(set(columns['actual']) - set(columns['expected']))}")
        for table in sorted(set(columns["expected"]) & set(columns["actual"])):
            result.tables += 1
            if columns["expected"][table] != columns["actual"][table]:
                result.differences.append(f"{table}: columns {columns['expected'][table]} != {columns['actual'][table]}")
                continue
            names = [name for name, _ in columns["expected"][table] if name not in ABOUT_THE_LOADS.get(table, ())]
            selected = ", ".join(f'"{name}"' for name in names)
            rows = {catalog: con.execute(f'select {selected} from {catalog}.marts."{table}" order by all').fetchall()
                    for catalog in ("expected", "actual")}
            if len(rows["expected"]) != len(rows["actual"]):
                result.differences.append(f"{table}: {len(rows['expected'])} rows != {len(rows['actual'])}")
                continue
            for want, got in zip(rows["expected"], rows["actual"]):
                for name, a, b in zip(names, want, got):
                    equal, inexact = _equal(a, b)
                    result.cells += 1
                    result.floats_within_tolerance += equal and inexact
                    if not equal:
                        result.differences.append(f"{table}.{name}: {a!r} != {b!r} in row {dict(zip(names, want))}")
                        break
                else:
                    continue
                break
    return result
