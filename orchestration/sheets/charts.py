"""The HTML sheets' charts as inline SVG (matplotlib, headless): they open offline."""

from __future__ import annotations

import io
import warnings

import matplotlib

matplotlib.use("Agg")
from matplotlib import pyplot as plt  # noqa: E402  (after choosing the headless backend)

# Text stays text in the SVG: the browser draws Japanese labels with its own fonts.
plt.rcParams["svg.fonttype"] = "none"
plt.rcParams["svg.hashsalt"] = "iskpi"  # the same data gives the same file
plt.rcParams["text.parse_math"] = False  # a rep named `$\evilcmd{x}$` is a name, not math to typeset


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
