"""How a KPI's value reads: Japanese labels with the English names of the KPI catalogue, shares as
%, amounts in 円, differences with ▲ — as text for the HTML and CSV, as Excel number formats for
the workbook — and the order a phase puts its KPIs in."""

from __future__ import annotations

import pandas as pd

from orchestration.kpi_reference import kpi_metrics


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
