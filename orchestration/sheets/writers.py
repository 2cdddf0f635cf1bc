"""The sheets as files: HTML (jinja2), an Excel workbook per sheet (xlsxwriter) and per table a CSV
as formatted and a raw one; all written aside and renamed into place."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import jinja2
import pandas as pd
import xlsxwriter

from orchestration.sheets.formatting import excel_cell, kpi_labels
from orchestration.sheets.model import Chart, ReportError, Sheet, Table
from orchestration.sheets.queries import Warehouse, daily_sheet, monthly_sheet, phase_of, source_banner, source_freshness, weekly_sheet

TEMPLATES = Path(__file__).with_name("templates")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_ENCODINGS = {"utf-8": "utf-8-sig", "cp932": "cp932"}


def neutralise(value):
    """A text cell Excel would evaluate as a formula, made plain text; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(frame: pd.DataFrame, path: Path, encoding: str = "utf-8") -> Path:
    safe = frame.rename(columns=neutralise).map(neutralise)
    try:
        safe.to_csv(path, index=False, encoding=CSV_ENCODINGS[encoding])
    except UnicodeEncodeError as error:
        raise ReportError(
            f"{path.name}: {error.object[error.start:error.end]!r} cannot be written in CP932; "
            "write the sheets in UTF-8 (the default) instead"
        ) from None
    return path


def _is_number(value) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


class _Workbook:
    """One sheet as an .xlsx: a worksheet per table, numbers as numbers with their formats, and the
    charts as native Excel charts over their data on a worksheet of their own."""

    def __init__(self, path: Path):
        self.book = xlsxwriter.Workbook(str(path))
        self.header = self.book.add_format({"bold": True, "bg_color": "#EEF3F8", "border": 1, "text_wrap": True, "valign": "top"})
        self.title = self.book.add_format({"bold": True, "font_size": 12})
        self.number_formats: dict[str, object] = {}

    def number_format(self, spelling: str):
        if spelling not in self.number_formats:
            self.number_formats[spelling] = self.book.add_format({"num_format": spelling})
        return self.number_formats[spelling]

    def table(self, table: Table) -> None:
        sheet = self.book.add_worksheet(table.slug[:31])
        values = table.values
        for column, name in enumerate(values.columns):
            sheet.write_string(0, column, name, self.header)
            sheet.set_column(column, column, min(max(len(name), 10) * 1.3, 60))
            for row, (kind, value) in enumerate(zip(table.kinds(name), values[name]), start=1):
                if value is None or (not isinstance(value, str) and pd.isna(value)):
                    continue
                if _is_number(value):
                    number, spelling = excel_cell(kind or "count", float(value))
                    sheet.write_number(row, column, number, self.number_format(spelling))
                else:  # never a formula, whatever it starts with
                    sheet.write_string(row, column, str(value))
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(len(values), 1), max(len(values.columns) - 1, 0))

    def charts(self, charts: list[Chart]) -> None:
        name = "グラフ (charts)"
        sheet = self.book.add_worksheet(name)
        sheet.set_column(0, 0, 28)
        top = 0
        for chart in charts:
            sheet.write_string(top, 0, chart.title, self.title)
            sheet.write_string(top + 1, 0, "区分 (category)", self.header)
            first, last = top + 2, top + 1 + len(chart.categories)
            for row, category in enumerate(chart.categories, start=first):
                sheet.write_string(row, 0, str(category))
            excel = self.book.add_chart({"type": chart.kind})
            for column, (series, values) in enumerate(chart.series.items(), start=1):
                sheet.write_string(top + 1, column, series, self.header)
                for row, value in enumerate(values, start=first):
                    if value is not None and not pd.isna(value):
                        sheet.write_number(row, column, float(value), self.number_format("0.0%" if chart.percent else "#,##0.#"))
                excel.add_series({"name": [name, top + 1, column], "categories": [name, first, 0, last, 0],
                                  "values": [name, first, column, last, column], **({"marker": {"type": "circle"}} if chart.kind == "line" else {})})
            title = chart.title + (f" · 目標 (target) {chart.target:.0%}" if chart.target is not None and chart.percent else "")
            excel.set_title({"name": title, "name_font": {"size": 11}})
            excel.set_legend({"none": len(chart.series) == 1})
            if chart.kind == "bar":
                excel.set_y_axis({"reverse": True})  # the first category on top, as in the HTML
                if chart.percent:
                    excel.set_x_axis({"num_format": "0%"})
            excel.set_size({"width": 640, "height": max(288, 22 * len(chart.categories) + 90)})
            sheet.insert_chart(top, len(chart.series) + 2, excel)
            top += max(len(chart.categories) + 4, 16)

    def close(self) -> None:
        self.book.close()


def write_workbook(sheet: Sheet, path: Path) -> Path:
    workbook = _Workbook(path)
    if sheet.charts:  # the first worksheet, what opens
        workbook.charts(sheet.charts)
    for table in sheet.tables:
        workbook.table(table)
    workbook.close()
    return path


PUBLISHED = "昨夜の実行: 公開済み (last night's run published these numbers)"


def write_sheets(warehouse_path: Path, out_dir: Path, as_of: date | None = None, encoding: str = "utf-8",
                 night_status: str = PUBLISHED) -> list[Path]:
    """Write daily, weekly and monthly sheets into out_dir: HTML, an Excel workbook, and per table a
    CSV as formatted for reading and a raw one (numbers as numbers); returns the files. Every sheet
    opens with a banner: how last night went (`night_status`) and how current each source is."""
    warehouse = Warehouse(warehouse_path)
    phase = phase_of(warehouse)
    built_as_of = pd.Timestamp(phase["as_of_date"]).date()
    if as_of is not None and as_of != built_as_of:
        raise ReportError(
            f"{warehouse_path} was built as of {built_as_of}; to report as of {as_of}, "
            f"run `iskpi run --as-of {as_of}` first"
        )
    labels = kpi_labels()
    lead_kpis = phase["lead_kpis"].split(";")
    sheets = [
        daily_sheet(warehouse, built_as_of, labels),
        weekly_sheet(warehouse, built_as_of, labels, lead_kpis),
        monthly_sheet(warehouse, built_as_of, labels, lead_kpis),
    ]
    freshness = source_freshness(warehouse)
    for sheet in sheets:
        sheet.status = night_status
        sheet.is_doubtful = night_status != PUBLISHED or bool(freshness["is_stale"].any())
        sheet.tables.insert(0, source_banner(freshness))
    out_dir.mkdir(parents=True, exist_ok=True)
    for leftover in out_dir.glob(".building-*"):  # of a run killed while writing; runs never overlap (the run lock)
        shutil.rmtree(leftover, ignore_errors=True)
    template = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True).get_template("sheet.html.j2")
    # written aside, then renamed into place: whoever opens a sheet gets a whole file
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".building-") as building:
        staged = []
        for sheet in sheets:
            html = Path(building) / f"{sheet.name}.html"
            html.write_text(template.render(sheet=sheet, phase=phase, as_of=built_as_of, labels=labels, lead_kpis=lead_kpis), encoding="utf-8")
            staged.append(html)
            staged.append(write_workbook(sheet, Path(building) / f"{sheet.name}.xlsx"))
            for table in sheet.tables:
                staged.append(write_csv(table.frame, Path(building) / f"{sheet.name}_{table.slug}.csv", encoding))
                staged.append(write_csv(table.values, Path(building) / f"{sheet.name}_{table.slug}_raw.csv", encoding))
        written = [path.replace(out_dir / path.name) for path in staged]
    # a table an earlier night had and this one has not (the plan, once its month has no target)
    for sheet in sheets:
        for stale in set(out_dir.glob(f"{sheet.name}.*")) | set(out_dir.glob(f"{sheet.name}_*.csv")):
            if stale not in written:
                stale.unlink()
    return written
