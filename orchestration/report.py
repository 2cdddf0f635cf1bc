"""The manager's sheets (SPEC §6): daily, weekly and monthly, as static HTML, Excel workbooks and CSV.

Everything is read from the published warehouse, as of the date it was built for; the HTML has
its charts inline (SVG) and opens offline. KPIs are labelled in Japanese with their English
names from the KPI catalogue, and the organisation phase's lead KPIs come first. CSV is UTF-8
with BOM (what Excel opens correctly) or CP932 on request, and text cells that Excel would run
as a formula (`=`, `+`, `-`, `@`, …) are neutralised with a leading apostrophe. Each table's CSV
comes twice: formatted as the HTML shows it ("3,321", "87.4%"), and raw (`_raw.csv`: 3321,
0.874) for computing. The workbook (`<sheet>.xlsx`) holds numbers as numbers with Excel number
formats (counts, %, 円, ▲ differences), a worksheet per table and the charts as Excel charts.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import jinja2
import matplotlib
import pandas as pd
import xlsxwriter

from orchestration.kpi_reference import kpi_metrics

matplotlib.use("Agg")
from matplotlib import pyplot as plt  # noqa: E402  (after choosing the headless backend)

# Text stays text in the SVG: the browser draws Japanese labels with its own fonts.
plt.rcParams["svg.fonttype"] = "none"
plt.rcParams["svg.hashsalt"] = "iskpi"  # the same data gives the same file
plt.rcParams["text.parse_math"] = False  # a rep named `$\evilcmd{x}$` is a name, not math to typeset

TEMPLATES = Path(__file__).with_name("templates")
PLAN_ITEMS = {
    "wins_needed": "受注数 (wins)",
    "meetings_needed": "商談設定数 (meetings)",
    "effective_contacts_needed": "有効コンタクト数 (effective contacts)",
    "dials_needed": "架電数 (dials)",
    "dials_per_business_day": "1営業日あたり架電数 (dials per business day)",
    "pipeline_needed": "必要パイプライン (pipeline needed)",
    "sqls_needed": "SQL数 (SQLs)",
    "sals_needed": "SAL数 (SALs)",
    "qualification_calls_needed": "適合確認数 (qualification calls)",
}
# the daily sheet's rep columns, named like the rest
REP_COLUMNS = {"rep_id": "担当者ID (rep ID)", "rep_name": "担当者 (rep)", "team": "チーム (team)"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_ENCODINGS = {"utf-8": "utf-8-sig", "cp932": "cp932"}


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


# -- labels and formats ------------------------------------------------------------------------


def kpi_labels() -> dict[str, str]:
    labels = {m["name"]: f"{m['label']} ({m['config']['meta']['label_en']})" for m in kpi_metrics()}
    labels["revenue"] = "受注金額 (Revenue)"
    return labels


def _is_share(kpi: str) -> bool:
    return kpi.endswith("_rate") or kpi in ("attainment", "paced_attainment", "effective_per_connected")


# kpi_bottleneck's shortfall types as a manager reads them
SHORTFALL_TYPES = {"activity": "活動量 (activity)", "quality": "質 (quality)",
                   "quality_and_activity": "質と活動量 (quality and activity)"}


def _is_multiple(kpi: str) -> bool:
    """A ratio that is not a share: pipeline 3.2 times what the target needs reads 3.2倍, not 320%."""
    return kpi == "pipeline_coverage"


def _is_amount(kpi: str) -> bool:
    return "amount" in kpi or kpi in ("revenue", "avg_deal_size")


def format_value(kpi: str, value) -> str:
    if value is None or pd.isna(value):
        return ""  # no value (a rate without denominator): an empty cell, in any encoding
    if _is_share(kpi):
        return f"{value:.1%}"
    if _is_multiple(kpi):
        return f"{value:,.2f}倍"
    if _is_amount(kpi):
        return f"{value:,.0f}円"
    return f"{value:,.1f}".removesuffix(".0")


def format_change(kpi: str, change) -> str:
    """A difference, a decrease marked ▲ as Japanese reports do: points for a share
    (27.0% → 26.4% is ▲0.6pt), else in the KPI's unit."""
    if change is None or pd.isna(change):
        return ""
    size = f"{abs(change) * 100:.1f}pt" if _is_share(kpi) else format_value(kpi, abs(change))
    return ("▲" if change < 0 else "+") + size


def formatted(kinds: list[str], values: pd.Series) -> list[str]:
    """A column formatted for reading, each value by its row's kind (a KPI name, `attainment`,
    `change:<kpi>` for a difference)."""
    return [format_change(k.removeprefix("change:"), v) if k.startswith("change:") else format_value(k, v)
            for k, v in zip(kinds, values)]


def order_kpis(kpis: list[str], lead_kpis: list[str]) -> list[str]:
    """The phase's lead KPIs first, in their order; then the rest, in catalogue order."""
    catalogue = [m["name"] for m in kpi_metrics()]
    rest = sorted((k for k in kpis if k not in lead_kpis), key=lambda k: catalogue.index(k) if k in catalogue else len(catalogue))
    return [k for k in lead_kpis if k in kpis] + rest


# -- CSV ---------------------------------------------------------------------------------------


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


# -- Excel -------------------------------------------------------------------------------------


def excel_cell(kind: str, value: float) -> tuple[float, str]:
    """The number a workbook cell holds for a value of this kind, and its Excel number format:
    what format_value writes as text, as a number Excel computes on."""
    if kind.startswith("change:"):
        kpi = kind.removeprefix("change:")
        if _is_share(kpi):  # a change of a share reads in points: 27.0% → 26.4% is ▲0.6pt
            return value * 100, '+0.0"pt";▲0.0"pt";0.0"pt"'
        number = excel_cell(kpi, value)[1]
        return value, f"+{number};▲{number};{number}"
    if _is_share(kind):
        return value, "0.0%"
    if _is_multiple(kind):
        return value, '#,##0.00"倍"'
    if _is_amount(kind):
        return value, '#,##0"円"'
    return value, "#,##0" if float(value).is_integer() else "#,##0.0"


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


# -- charts ------------------------------------------------------------------------------------


def _svg(figure) -> str:
    buffer = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # missing CJK glyphs in the layout font: the browser draws them
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    return buffer.getvalue()[buffer.getvalue().index("<svg"):]


def bar_chart(labels: list[str], values: list[float], target: float | None = None, percent: bool = False) -> str:
    figure, axes = plt.subplots(figsize=(7, 0.35 * len(labels) + 1))
    axes.barh(labels, values, color="#4878a8")
    if target is not None:
        axes.axvline(target, color="#c0392b", linestyle="--", linewidth=1)
    if percent:
        axes.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    axes.invert_yaxis()
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def line_chart(periods: list[str], series: dict[str, list[float]]) -> str:
    figure, axes = plt.subplots(figsize=(7, 3))
    for name, values in series.items():
        axes.plot(periods, values, marker="o", label=name)
    axes.legend(frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(axis="x", labelrotation=45)
    return _svg(figure)


# -- the sheets --------------------------------------------------------------------------------


class Warehouse:
    """Read-only access to the published warehouse."""

    def __init__(self, path: Path):
        if not path.exists():
            raise ReportError(f"{path} does not exist: run `iskpi run` first")
        self.path = path

    def frame(self, sql: str, params: list | None = None) -> pd.DataFrame:
        with duckdb.connect(str(self.path), read_only=True) as con:
            try:
                return con.execute(sql, params or []).df()
            except duckdb.CatalogException as error:
                raise ReportError(f"{self.path} lacks a mart the sheets need ({error}); rebuild it with `iskpi run`") from None


def _phase(warehouse: Warehouse) -> pd.Series:
    phase = warehouse.frame("select * from marts.organisation_phase")
    if phase.empty:
        raise ReportError(f"{warehouse.path} holds no activity yet: there is nothing to report")
    return phase.iloc[0]


def daily_sheet(warehouse: Warehouse, as_of: date, labels: dict[str, str]) -> Sheet:
    sheet = Sheet("daily", "日次シート (daily sheet)", as_of.isoformat())
    activity = warehouse.frame(
        """
        select d.rep_id, r.rep_name, r.team, d.dials, d.connect_rate, d.effective_contacts, d.emails_sent, d.meetings_set
        from marts.kpi_daily d left join marts.dim_rep r using (rep_id)
        where d.activity_date = ? order by r.team, d.rep_id
        """,
        [as_of],
    )
    kpis = ("dials", "connect_rate", "effective_contacts", "emails_sent", "meetings_set")
    values = activity.rename(columns={**REP_COLUMNS, **{k: labels[k] for k in kpis}})
    sheet.tables.append(Table("activity_by_rep", "担当者別の活動 (activity by rep)", values, {labels[k]: k for k in kpis}))
    if not activity.empty:
        sheet.charts.append(Chart(labels["dials"] + " — 担当者別 (by rep)", "bar",
                                  list(activity["rep_name"].fillna(activity["rep_id"])), {labels["dials"]: list(activity["dials"])}))
    sheet.tables.append(_month_to_date(_targets_progress(warehouse, as_of), labels))
    return sheet


def _targets_progress(warehouse: Warehouse, as_of: date) -> pd.DataFrame:
    return warehouse.frame(
        """
        select scope_type, scope_id, kpi, target, actual, paced_target, attainment, paced_attainment, landing_forecast,
               business_days_elapsed, business_days
        from marts.kpi_targets_vs_actuals where month_start = date_trunc('month', ?::date)
        order by scope_type, scope_id, kpi
        """,
        [as_of],
    )


def _month_to_date(progress: pd.DataFrame, labels: dict[str, str]) -> Table:
    values = pd.DataFrame({
        "scope": progress["scope_type"] + " " + progress["scope_id"],
        "KPI": [labels.get(k, k) for k in progress["kpi"]],
        "目標 (target)": progress["target"],
        "実績 (actual)": progress["actual"],
        "進捗目標 (paced target)": progress["paced_target"],
        "達成率 (attainment)": progress["attainment"],
        "進捗率 (paced attainment)": progress["paced_attainment"],
        "着地予測 (landing forecast)": progress["landing_forecast"],
        "経過営業日 (business days elapsed)": progress["business_days_elapsed"],
        "営業日 (business days)": progress["business_days"],
    })
    per_kpi = list(progress["kpi"])
    return Table("month_to_date", "月次進捗 (month to date against targets)", values, {
        "目標 (target)": per_kpi, "実績 (actual)": per_kpi, "進捗目標 (paced target)": per_kpi, "着地予測 (landing forecast)": per_kpi,
        "達成率 (attainment)": "attainment", "進捗率 (paced attainment)": "attainment",
        "経過営業日 (business days elapsed)": "count", "営業日 (business days)": "count",
    })


def last_complete_week(as_of: date) -> date:
    """The Monday of the latest ISO week that has ended by the as-of date (itself, on a Sunday):
    a week of two days against a whole one would read as a collapse."""
    return as_of - timedelta(days=(as_of.weekday() + 1) % 7 + 6)


def anomaly_sentence(kpi: str, labels: tuple[str, str], scope: tuple[str, str], value: float,
                     relative_to_usual: float | None, direction: str) -> str:
    """"東京SDRの接続率が通常の58%に低下 (connect rate of 東京SDR fell to 58% of its usual level)";
    `labels` and `scope` are the KPI's and the scope's Japanese and English names."""
    (label_ja, label_en), (scope_ja, scope_en) = labels, scope
    moved_ja, moved_en = ("上昇", "rose") if direction == "up" else ("低下", "fell")
    if relative_to_usual is None or pd.isna(relative_to_usual):  # the usual level is 0
        level = format_value(kpi, value)
        return f"{scope_ja}の{label_ja}が{level}に{moved_ja} ({label_en.lower()} of {scope_en} {moved_en} to {level})"
    share = f"{relative_to_usual:.0%}"
    return f"{scope_ja}の{label_ja}が通常の{share}に{moved_ja} ({label_en.lower()} of {scope_en} {moved_en} to {share} of its usual level)"


def _anomalies(warehouse: Warehouse, week: date) -> Table:
    anomalies = warehouse.frame(
        """
        select scope_type, scope_id, kpi, value, usual_value, relative_to_usual, direction, deviations, is_worse
        from marts.kpi_anomalies where week_start = ?
        order by is_worse desc, abs(deviations) desc, scope_type, scope_id, kpi
        """,
        [week],
    )
    names = {m["name"]: (m["label"], m["config"]["meta"]["label_en"]) for m in kpi_metrics()}
    scopes = [("全体", "the organisation") if t == "org" else (i, i) for t, i in zip(anomalies["scope_type"], anomalies["scope_id"])]
    sentences = [
        anomaly_sentence(kpi, names.get(kpi, (kpi, kpi)), scope, value, ratio, direction)
        for kpi, scope, value, ratio, direction in zip(
            anomalies["kpi"], scopes, anomalies["value"], anomalies["relative_to_usual"], anomalies["direction"])
    ]
    per_kpi = list(anomalies["kpi"])
    return Table("anomalies", "異常値 (unusual this week, against the eight weeks before)", pd.DataFrame({
        "異常 (anomaly)": sentences,
        "今週 (this week)": anomalies["value"],
        "通常 (usual)": anomalies["usual_value"],
        # unsigned: the sentence says up or down, and a leading sign would be neutralised in the CSV
        "標準偏差 (σ from usual)": anomalies["deviations"].abs().round(1),
    }), {"今週 (this week)": per_kpi, "通常 (usual)": per_kpi, "標準偏差 (σ from usual)": "count"})


def weekly_sheet(warehouse: Warehouse, as_of: date, labels: dict[str, str], lead_kpis: list[str]) -> Sheet:
    week = last_complete_week(as_of)
    sheet = Sheet("weekly", "週次シート (weekly sheet)", f"{week} 週 (week of)")
    sheet.tables.append(_anomalies(warehouse, week))
    comparison = warehouse.frame(
        """
        select scope_type, scope_id, kpi, value, previous_value, absolute_change, relative_change
        from marts.kpi_period_comparison
        where grain = 'week' and period_start = ? and scope_type in ('org', 'team')
        """,
        [week],
    )
    order = {k: i for i, k in enumerate(order_kpis(sorted(set(comparison["kpi"])), lead_kpis))}
    comparison = comparison.assign(_order=comparison["kpi"].map(order)).sort_values(["scope_type", "scope_id", "_order"])
    per_kpi = list(comparison["kpi"])
    sheet.tables.append(Table("week_over_week", "先週比 (this week against last week)", pd.DataFrame({
        "scope": comparison["scope_type"] + " " + comparison["scope_id"],
        "KPI": [labels.get(k, k) for k in per_kpi],
        "今週 (this week)": comparison["value"],
        "先週 (last week)": comparison["previous_value"],
        "差 (change)": comparison["absolute_change"],
        "比 (ratio)": comparison["relative_change"],
    }), {"今週 (this week)": per_kpi, "先週 (last week)": per_kpi, "差 (change)": [f"change:{k}" for k in per_kpi],
         "比 (ratio)": "attainment"}))
    trend = warehouse.frame(
        """
        select week_start, dials, meetings_set from marts.kpi_weekly
        where scope_type = 'org' and week_start <= ? order by week_start desc limit 8
        """,
        [week],
    ).iloc[::-1]
    if not trend.empty:
        weeks = [str(pd.Timestamp(w).date()) for w in trend["week_start"]]
        for kpi in ("meetings_set", "dials"):
            sheet.charts.append(Chart(labels[kpi] + " — 直近8週 (last 8 weeks)", "line", weeks, {kpi: list(trend[kpi])}))
    return sheet


def monthly_sheet(warehouse: Warehouse, as_of: date, labels: dict[str, str], lead_kpis: list[str]) -> Sheet:
    month = date(as_of.year, as_of.month, 1)
    sheet = Sheet("monthly", "月次シート (monthly sheet)", month.strftime("%Y-%m"))
    monthly = warehouse.frame(
        "select * from marts.kpi_monthly where month_start = ? and scope_type in ('org', 'team') order by scope_type, scope_id",
        [month],
    )
    kpis = order_kpis([k for k in labels if k in monthly.columns], lead_kpis)
    scopes = list(monthly["scope_type"] + " " + monthly["scope_id"])
    sheet.tables.append(Table("kpis", "KPI一覧 (every KPI)", pd.DataFrame(
        {"KPI": [labels[k] for k in kpis], **{s: [monthly.iloc[i][k] for k in kpis] for i, s in enumerate(scopes)}}
    ), dict.fromkeys(scopes, kpis)))
    progress = _targets_progress(warehouse, as_of)
    sheet.tables.append(_month_to_date(progress, labels))
    paced = progress[progress["paced_attainment"].notna()]
    if not paced.empty:
        sheet.charts.append(Chart(
            "進捗率 (paced attainment) — 100% = 予定どおり (on pace)", "bar",
            [f"{s} · {labels.get(k, k)}" for s, k in zip(paced["scope_id"], paced["kpi"])],
            {"進捗率 (paced attainment)": list(paced["paced_attainment"])}, target=1.0, percent=True,
        ))
    bottleneck = warehouse.frame(
        "select scope_id, label_ja, label_en, factor, actual, target, attainment, is_bottleneck, shortfall_type, remedy "
        "from marts.kpi_bottleneck where month_start = ? order by scope_type, scope_id, factor_order",
        [month],
    )
    factors = list(bottleneck["factor"])
    sheet.tables.append(Table("bottleneck", "ボトルネック (bottleneck)", pd.DataFrame({
        "scope": bottleneck["scope_id"],
        "要因 (factor)": bottleneck["label_ja"] + " (" + bottleneck["label_en"] + ")",
        "実績 (actual)": bottleneck["actual"],
        "目標 (target)": bottleneck["target"],
        "達成率 (attainment)": bottleneck["attainment"],
        "ボトルネック (bottleneck)": ["★" if b else "" for b in bottleneck["is_bottleneck"]],
        "種類 (type)": bottleneck["shortfall_type"].map(SHORTFALL_TYPES).fillna(bottleneck["shortfall_type"]).fillna(""),
        "打ち手 (remedy)": bottleneck["remedy"].fillna(""),
    }), {"実績 (actual)": factors, "目標 (target)": factors, "達成率 (attainment)": "attainment"}))
    if not bottleneck.empty:
        sheet.charts.append(Chart(
            "ボトルネック要因の達成率 (funnel factors against target)", "bar",
            [f"{scope} · {label}" for scope, label in zip(bottleneck["scope_id"], bottleneck["label_ja"])],
            {"達成率 (attainment)": list(bottleneck["attainment"])}, target=1.0, percent=True,
        ))
    forecast = warehouse.frame(
        "select rank, label_ja, probability, open_sals, expected_sqls, open_amount, expected_amount "
        "from marts.open_sal_forecast where scope_type = 'org' order by rank"
    )
    sheet.tables.append(Table("open_sal_forecast", "商談化済み案件の見込み (open SAL forecast)", pd.DataFrame({
        "ランク (rank)": forecast["rank"] + " " + forecast["label_ja"],
        "確度 (probability)": forecast["probability"],
        "件数 (open SALs)": forecast["open_sals"],
        "見込SQL数 (expected SQLs)": forecast["expected_sqls"],
        "見込金額 (expected amount)": forecast["expected_amount"],
    }), {"確度 (probability)": "attainment", "件数 (open SALs)": "count", "見込SQL数 (expected SQLs)": "count",
         "見込金額 (expected amount)": "expected_amount"}))
    plan = warehouse.frame("select * from marts.kpi_plan where month_start = ? and scope_type = 'org'", [month])
    if not plan.empty:
        row = plan.iloc[0]
        sheet.tables.append(Table("plan", "逆算 (plan backwards from the revenue target)", pd.DataFrame({
            "項目 (item)": list(PLAN_ITEMS.values()),
            "必要数 (needed)": [row[n] for n in PLAN_ITEMS],
        }), {"必要数 (needed)": ["pipeline_amount" if n == "pipeline_needed" else n for n in PLAN_ITEMS]}))
    suggestion = warehouse.frame(
        "select kpi, baseline, stretch_target, achievable_target, floor_target, suggestion_month "
        "from marts.kpi_target_suggestion where scope_type = 'org' and is_cumulative order by kpi"
    )
    suggested = {"直近3か月平均 (last 3 months)": "baseline", "ストレッチ (stretch)": "stretch_target",
                 "達成可能 (achievable)": "achievable_target", "最低ライン (floor)": "floor_target"}
    sheet.tables.append(Table("target_suggestions", "来月の目標案 (target suggestions for next month)", pd.DataFrame({
        "KPI": [labels.get(k, k) for k in suggestion["kpi"]], **{title: suggestion[column] for title, column in suggested.items()},
    }), dict.fromkeys(suggested, list(suggestion["kpi"]))))
    trend = warehouse.frame(
        "select month_start, meetings_set, won_amount from marts.kpi_monthly where scope_type = 'org' and month_start <= ? order by month_start",
        [month],
    )
    sheet.charts.append(Chart(labels["meetings_set"] + " — 月次推移 (by month)", "line",
                              [str(pd.Timestamp(m).date())[:7] for m in trend["month_start"]], {"meetings_set": list(trend["meetings_set"])}))
    return sheet


def write_sheets(warehouse_path: Path, out_dir: Path, as_of: date | None = None, encoding: str = "utf-8") -> list[Path]:
    """Write daily, weekly and monthly sheets into out_dir: HTML, an Excel workbook, and per table a
    CSV as formatted for reading and a raw one (numbers as numbers); returns the files."""
    warehouse = Warehouse(warehouse_path)
    phase = _phase(warehouse)
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
