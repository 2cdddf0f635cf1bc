"""The manager's sheets (SPEC §6): daily, weekly and monthly, as static HTML, Excel workbooks and CSV.

Everything is read from the published warehouse, as of the date it was built for; the HTML has
its charts inline (SVG) and opens offline. KPIs are labelled in Japanese with their English
names from the KPI catalogue, and the organisation phase's lead KPIs come first. CSV is UTF-8
with BOM (what Excel opens correctly) or CP932 on request, and text cells that Excel would run
as a formula (`=`, `+`, `-`, `@`, …) are neutralised with a leading apostrophe. Each table's CSV
comes twice: formatted as the HTML shows it ("3,321", "87.4%"), and raw (`_raw.csv`: 3321,
0.874) for computing. The workbook (`<sheet>.xlsx`) holds numbers as numbers with Excel number
formats (counts, %, 円, ▲ differences), a worksheet per table and the charts as Excel charts.

The package: `queries` reads the marts into sheets of tables and charts (`model`),
`formatting` says how a KPI's value reads, `charts` draws the SVG charts and `writers` writes
the files (`write_sheets`).
"""

from orchestration.sheets.model import ReportError
from orchestration.sheets.writers import write_sheets

__all__ = ["ReportError", "write_sheets"]
