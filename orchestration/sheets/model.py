"""A sheet as the writers see it: tables of values with the format each column reads in, and charts."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from orchestration.sheets.charts import bar_chart, line_chart
from orchestration.sheets.formatting import formatted


class ReportError(Exception):
    """The sheets cannot be made from this warehouse; the message says what to do."""


@dataclass
class Table:
    slug: str  # the files' name: <sheet>_<slug>.csv, <sheet>_<slug>_raw.csv, the workbook's sheet
    title: str
    values: pd.DataFrame  # numbers as numbers: the raw CSV and the workbook
    # how a column's numbers read: a kind of format_value (a KPI name, `attainment`, `count`,
    # `change:<kpi>`) for the whole column, or one per row; other columns are text
    formats: dict[str, str | list[str]] = field(default_factory=dict)

    @property
    def frame(self) -> pd.DataFrame:
        """Formatted for reading ("3,321", "87.4%"): the HTML and the CSV."""
        shown = self.values.copy()
        for column in self.formats:
            shown[column] = formatted(self.kinds(column), self.values[column])
        return shown

    def kinds(self, column: str) -> list[str | None]:
        kind = self.formats.get(column)
        return list(kind) if isinstance(kind, list) else [kind] * len(self.values)


@dataclass
class Chart:
    title: str
    kind: str  # bar (horizontal) | line
    categories: list[str]
    series: dict[str, list[float]]
    target: float | None = None  # a bar chart's target line
    percent: bool = False

    def svg(self) -> str:
        if self.kind == "bar":
            return bar_chart(self.categories, next(iter(self.series.values())), self.target, self.percent)
        return line_chart(self.categories, self.series)


@dataclass
class Sheet:
    name: str  # daily | weekly | monthly
    title: str
    period: str
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    # whether to trust it: how last night went, and whether a source is stale (the banner)
    status: str = ""
    is_doubtful: bool = False
