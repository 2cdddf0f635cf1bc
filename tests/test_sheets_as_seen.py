"""The manager's sheets as a person sees them: the HTML in a real browser (headless Chromium), the
workbooks opened back as Excel would read them."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile

import duckdb
import openpyxl
import pandas as pd
import pytest
from PIL import Image

from orchestration.sheets.charts import bar_chart, line_chart
from orchestration.sheets.formatting import kpi_labels
from orchestration.sheets.model import Sheet, Table
from orchestration.sheets.writers import write_csv, write_workbook

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# .ci/run installs Chromium and sets this, so there a missing browser fails instead of skipping
REQUIRE_BROWSER = os.environ.get("ISKPI_REQUIRE_BROWSER") == "1"
# as the machine's probe starts it: no sandbox as root, no background connections on a closed network
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def japanese_font_families() -> set[str]:
    listed = subprocess.run(["fc-list", ":lang=ja", "family"], capture_output=True, text=True, check=True).stdout
    return {family.strip() for line in listed.splitlines() for family in line.split(",")}


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        if REQUIRE_BROWSER:
            pytest.fail("Chromium is not installed (apt-get install chromium fonts-noto-cjk); .ci/run installs it")
        pytest.skip("Chromium is not installed: apt-get install chromium fonts-noto-cjk")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


# kana, kanji and full-width forms: what a font without Japanese glyphs draws as tofu
JAPANESE_CHARACTERS = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
# the sheets' bar colour and matplotlib's first line colour
SERIES_COLOURS = [(0x48, 0x78, 0xA8), (0x1F, 0x77, 0xB4)]


def series_pixels(png: bytes) -> int:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return sum(
        count for count, colour in image.getcolors(maxcolors=1 << 20)
        if any(all(abs(a - b) <= 8 for a, b in zip(colour, series)) for series in SERIES_COLOURS)
    )


def platform_fonts(page, selector: str) -> list[dict]:
    """The fonts the browser really drew a node's text with, and how many glyphs each (DevTools)."""
    devtools = page.context.new_cdp_session(page)
    devtools.send("DOM.enable")
    devtools.send("CSS.enable")
    root = devtools.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]["nodeId"]
    node = devtools.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    return devtools.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]


@pytest.mark.e2e  # the bundled sample's real run
@pytest.mark.parametrize("name", ["daily", "weekly", "monthly"])
def test_the_html_sheet_draws_its_charts_and_its_japanese_text(bundled_run, browser, name):
    html = bundled_run.parent / "reports" / f"{name}.html"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(html.as_uri())
    page.wait_for_load_state("load")
    charts = page.locator("figure svg")
    assert charts.count() == html.read_text(encoding="utf-8").count("<figure>") >= 1
    for index in range(charts.count()):
        chart = charts.nth(index)
        box = chart.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100, f"chart {index} of {name} is not drawn: {box}"
        # the bars or lines themselves, in their colour, on the rendered page: axes alone have none
        assert series_pixels(chart.screenshot()) > 300, f"chart {index} of {name} shows no bars or lines"
    japanese = japanese_font_families()
    probes = ["h1", "h2", "figcaption"]
    chart_labels = page.locator("figure svg text").filter(has_text=JAPANESE_CHARACTERS)
    if name != "weekly":  # its charts are by week; the others label bars with names in Japanese
        chart_labels.first.evaluate("label => label.setAttribute('data-probe', '')")
        probes.append("[data-probe]")
    for selector in probes:
        text = page.locator(selector).first.text_content()
        kana_and_kanji = len(JAPANESE_CHARACTERS.findall(text))
        assert kana_and_kanji > 0, (selector, text)
        fonts = platform_fonts(page, selector)
        drawn_in_japanese_fonts = sum(f["glyphCount"] for f in fonts if f["familyName"] in japanese)
        # every kana and kanji came from a font that has Japanese glyphs: no tofu
        assert drawn_in_japanese_fonts >= kana_and_kanji, (selector, text, fonts)
    page.close()


@pytest.mark.e2e  # the bundled sample's real run
def test_the_workbook_holds_numbers_with_their_formats_and_native_charts(bundled_run):
    reports = bundled_run.parent / "reports"
    with duckdb.connect(str(bundled_run), read_only=True) as con:
        monthly = con.execute(
            "select scope_id, dials, connect_rate, is_sourced_won_amount from marts.kpi_monthly "
            "where scope_type = 'team' and month_start = (select max(month_start) from marts.kpi_monthly)"
        ).df().set_index("scope_id")
    labels = kpi_labels()
    book = openpyxl.load_workbook(reports / "monthly.xlsx")
    assert book.sheetnames[0] == "グラフ (charts)" and "kpis" in book.sheetnames
    kpis = book["kpis"]
    assert kpis.freeze_panes == "A2"
    header = [c.value for c in kpis[1]]
    rows = {row[0].value: row for row in kpis.iter_rows(min_row=2)}
    for team, values in monthly.iterrows():
        column = header.index(f"team {team}")
        dials = rows[labels["dials"]][column]
        rate = rows[labels["connect_rate"]][column]
        won = rows[labels["is_sourced_won_amount"]][column]
        assert (dials.data_type, dials.value, dials.number_format) == ("n", values["dials"], "#,##0")
        assert (rate.data_type, rate.number_format) == ("n", "0.0%")
        assert rate.value == pytest.approx(values["connect_rate"], rel=1e-15)  # Excel keeps 15-16 digits
        assert (won.data_type, won.number_format) == ("n", '#,##0"円"') and won.value == values["is_sourced_won_amount"]
    html_charts = (reports / "monthly.html").read_text(encoding="utf-8").count("<figure>")
    with zipfile.ZipFile(reports / "monthly.xlsx") as xlsx:
        charts = [xlsx.read(n).decode() for n in xlsx.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == html_charts
    assert all("'グラフ (charts)'!$B$" in chart for chart in charts)  # each plots the numbers on the charts sheet


@pytest.mark.e2e  # the bundled sample's real run
def test_the_raw_csv_holds_the_marts_numbers_and_the_formatted_one_reads_like_the_html(bundled_run):
    reports = bundled_run.parent / "reports"
    raw = pd.read_csv(reports / "daily_activity_by_rep_raw.csv", encoding="utf-8-sig")
    shown = pd.read_csv(reports / "daily_activity_by_rep.csv", encoding="utf-8-sig", dtype=str)
    with duckdb.connect(str(bundled_run), read_only=True) as con:
        daily = con.execute(
            "select rep_id, dials, connect_rate from marts.kpi_daily where activity_date = "
            "(select as_of_date from marts.organisation_phase) order by rep_id"
        ).df().set_index("rep_id")
    raw = raw.set_index("担当者ID (rep ID)").sort_index()
    assert list(raw.index) == list(daily.index)
    assert (raw["架電数 (Dials)"] == daily["dials"]).all()
    assert raw["接続率 (Connect rate)"].tolist() == pytest.approx(daily["connect_rate"].tolist(), abs=0)
    assert shown["接続率 (Connect rate)"].str.endswith("%").all()


def test_text_that_looks_like_a_formula_stays_text_in_the_workbook_and_the_csvs(tmp_path):
    values = pd.DataFrame({"メモ (note)": ["=HYPERLINK(\"http://x\")", "+81-3", "plain"], "架電数 (Dials)": [1, 2, 3]})
    sheet = Sheet("daily", "t", "p", tables=[Table("notes", "notes", values, {"架電数 (Dials)": "dials"})])
    book = openpyxl.load_workbook(write_workbook(sheet, tmp_path / "notes.xlsx"))["notes"]
    assert [(c.value, c.data_type) for c in book["A"][1:]] == [("=HYPERLINK(\"http://x\")", "s"), ("+81-3", "s"), ("plain", "s")]
    assert [c.value for c in book["B"][1:]] == [1, 2, 3]
    written = write_csv(values, tmp_path / "notes_raw.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in written and "'+81-3" in written


def test_chart_labels_from_the_data_are_drawn_as_they_are_not_as_math():
    """A rep named like TeX math failed the manager's sheets every night (`Unknown symbol`)."""
    svg = bar_chart(["$\\evilcmd{x}$", "田中"], [3, 4])
    assert "$\\evilcmd{x}$" in svg
    assert "$5 $x^2$" in line_chart(["2026-04", "2026-05"], {"$5 $x^2$": [1.0, 2.0]})


@pytest.mark.e2e  # the bundled sample's real run
def test_a_table_an_earlier_night_wrote_and_a_killed_run_leftover_are_gone(bundled_run, tmp_path):
    """monthly_plan*.csv stayed in reports/ after its month lost its target; a run killed while
    writing left an empty .building- folder forever."""
    from orchestration.sheets import write_sheets

    out = tmp_path / "reports"
    (out / ".building-killed").mkdir(parents=True)
    for stale in ("monthly_gone.csv", "monthly_gone_raw.csv", "weekly_old.csv"):
        (out / stale).write_text("x\n", encoding="utf-8")
    (out / "notes.txt").write_text("the manager's own file\n", encoding="utf-8")
    written = write_sheets(bundled_run, out)
    assert sorted(p.name for p in out.iterdir()) == sorted([p.name for p in written] + ["notes.txt"])


@pytest.mark.e2e  # the bundled sample's real run
def test_the_bottleneck_table_reads_in_japanese_and_fits_the_page(bundled_run, browser):
    """Its remedy column was English and ran past 1,400 px; its type column showed raw codes."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((bundled_run.parent / "reports" / "monthly.html").as_uri())
    table = page.locator(".table-bottleneck table")
    box = table.bounding_box()
    assert box and box["x"] + box["width"] <= 1280, box
    rows = table.locator("tbody tr")
    assert rows.count() > 0
    types = {t.strip() for t in table.locator("tbody td:nth-last-child(2)").all_text_contents()} - {""}
    remedies = {t.strip() for t in table.locator("tbody td:last-child").all_text_contents()} - {""}
    assert types and all(JAPANESE_CHARACTERS.match(t) for t in types), types
    assert remedies and all(JAPANESE_CHARACTERS.match(r) for r in remedies), remedies
    page.close()


def test_pipeline_coverage_reads_as_a_multiple_not_a_percentage():
    from orchestration.sheets.formatting import excel_cell, format_value

    assert format_value("pipeline_coverage", 10.267) == "10.27倍"
    assert excel_cell("pipeline_coverage", 10.267) == (10.267, '#,##0.00"倍"')
    assert format_value("win_rate", 0.25) == "25.0%"
