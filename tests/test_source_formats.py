"""Source formats (connectors/formats/*.yml): each shipped format turns its fixture export
(tests/format_fixtures.py) into the canonical rows worked out by hand, and the nightly job over
all of them gives each format's rep and campaigns the KPIs worked out by hand."""

from __future__ import annotations

import math
import shutil
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import format_fixtures
import pandas as pd
import pytest
from workspaces import load_settings, workspace_for

from connectors import normalize, source_formats
from connectors.contract import entity_names
from connectors.files import discover, read_header, recognise, unmatched_files
from connectors.source_formats import FormatError, available_formats, parse_format, shipped_formats
from orchestration.ingest.loading import load_entity
from orchestration.nightly import run_nightly
from orchestration.paths import DEFAULT_MAPPINGS_DIR

SHIPPED = ["salesforce", "salesforce_report", "hubspot", "marketo", "account_engagement", "twilio", "zoom_phone",
           "aircall", "miitel", "kintone"]


def test_every_system_the_product_names_has_a_format():
    assert set(SHIPPED) <= set(shipped_formats())


@pytest.mark.parametrize(("expression", "text"), [
    ("utc_text('2022-07-25 16:37:07.000000 UTC')", "2022-07-25 16:37:07.000000+00:00"),
    ("epoch_ms_text('1772499600000')", "2026-03-03 01:00:00.000000+00:00"),
    ("epoch_s_text('1772499600')", "2026-03-03 01:00:00+00:00"),
    ("rfc2822_text('Mon, 09 Mar 2026 02:00:00 +0000')", "2026-03-09 02:00:00+00:00"),
    ("rfc2822_text('Mon, 09 Mar 2026 11:00:00 +0900')", "2026-03-09 02:00:00+00:00"),
    ("seconds_from_ms('1800000')", "1800"),
    ("seconds_from_ms('1499')", "1"),
    ("seconds_from_hms('1:02:03')", "3723"),
    ("seconds_from_hms('02:03')", "123"),
    ("zoned_text('2019-11-11 17:23:34', 'UTC')", "2019-11-11 17:23:34.000000+00:00"),
    ("zoned_text('2026/03/12 10:00', 'Asia/Tokyo')", "2026-03-12 01:00:00.000000+00:00"),
    ("zoned_text('2026-03-10T01:00:00Z', 'Asia/Tokyo')", "2026-03-10T01:00:00Z"),
    # a day that does not exist is left as it was, for the parse rule to quarantine with its text
    ("zoned_text('2022-02-30 17:23:13', 'UTC')", "2022-02-30 17:23:13"),
    ("business_day_start('2026-03-20 00:00:00')", "2026-03-19 15:00:00+00:00"),
    ("is_true('TRUE')::varchar || is_true(null)::varchar || is_false('false')::varchar || is_false(null)::varchar", "truefalsetruefalse"),
])
def test_helpers_convert_units_and_timestamp_styles(expression, text):
    con = duckdb.connect()
    normalize.install(con, "Asia/Tokyo")
    source_formats.install_helpers(con, "Asia/Tokyo", DEFAULT_MAPPINGS_DIR)
    assert con.execute(f"select {expression}").fetchone()[0] == text


def test_a_header_is_recognised_in_either_spelling_with_or_without_bom(tmp_path):
    salesforce = shipped_formats()["salesforce"]
    snake = tmp_path / "a.csv"
    snake.write_text("id,who_id,owner_id,task_subtype,call_disposition\n", encoding="utf-8")
    camel = tmp_path / "b.csv"
    camel.write_bytes(b"\xef\xbb\xbfId,WhoId,OwnerId,TaskSubtype,CallDisposition,Subject\n")
    assert recognise(snake, salesforce).table.name == "task"
    assert recognise(camel, salesforce).table.name == "task"
    other = tmp_path / "c.csv"
    other.write_text("id,name\n", encoding="utf-8")
    assert recognise(other, salesforce) is None


def test_kintone_headers_are_field_names_or_field_codes_in_cp932(tmp_path):
    kintone = shipped_formats()["kintone"]
    names = tmp_path / "names.csv"
    names.write_bytes("*,レコード番号,会社名,作成日時\n".encode("cp932"))
    codes = tmp_path / "codes.csv"
    codes.write_text("*,Record_number,company_name,Created_datetime\n", encoding="utf-8")
    assert read_header(names) == ["*", "レコード番号", "会社名", "作成日時"]
    assert recognise(names, kintone).table.name == "lead_app"
    assert recognise(codes, kintone).table.name == "lead_app"


@pytest.mark.parametrize(("text", "message"), [
    ("format: other\ntables: {}", "must be the file's name"),
    ("format: mine\ntables:\n  t:\n    signature: [a]\n    outputs:\n      nothing: {columns: {}}", "not a canonical entity"),
    ("format: mine\ntables:\n  t:\n    signature: [a]\n    outputs:\n      calls: {columns: {call_id: a}}", "required column(s) rep_id"),
    ("format: mine\ntables:\n  t:\n    signature: [a]\n    outputs:\n"
     "      reps: {columns: {rep_id: a, rep_name: a, department: a, role: a, shoe: a}}", "shoe not columns of reps"),
    ("format: mine\ntables:\n  t:\n    outputs:\n      reps: {columns: {rep_id: a}}", "a signature"),
])
def test_a_broken_format_file_says_where_and_what(tmp_path, text, message):
    path = tmp_path / "mine.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FormatError, match="mine.yml") as raised:
        parse_format(path)
    assert message in str(raised.value)


def test_files_no_format_takes_are_reported(tmp_path):
    format_fixtures.write(tmp_path, ["salesforce"])
    (tmp_path / "salesforce" / "notes.csv").write_text("memo,date\n", encoding="utf-8")
    (tmp_path / "pipedrive").mkdir()
    unmatched = unmatched_files([tmp_path], entity_names(), shipped_formats())
    assert any(u.startswith("salesforce/notes.csv") for u in unmatched)
    assert any(u.startswith("pipedrive/ (no format of that name") for u in unmatched)
    assert not any("sf_lead" in u or "Task.csv" in u for u in unmatched)


def _mappings(folder: Path) -> Path:
    shutil.copytree(DEFAULT_MAPPINGS_DIR, folder)
    (folder / "rep_identities.csv").write_text(format_fixtures.REP_IDENTITIES, encoding="utf-8")
    return folder


def _as_text(value) -> object:
    """A raw value as the expected rows write it: times in UTC without trailing zeros, dates ISO, decimals as floats."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f").rstrip("0").rstrip(".")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is not None and not isinstance(value, (bool, int, float, str)):
        return float(value)
    return value


@pytest.mark.parametrize("source_format", SHIPPED)
def test_a_format_gives_the_canonical_rows_worked_out_by_hand(tmp_path, source_format):
    inbox = format_fixtures.write(tmp_path / "inbox", [source_format])
    settings = replace(load_settings(tmp_path, max_quarantine_share=0.5, mappings_dir=_mappings(tmp_path / "mappings")),
                       formats=shipped_formats())
    now = datetime(2026, 4, 1, tzinfo=UTC)
    for entity in entity_names():
        load = load_entity(entity, discover([inbox], entity, entity_names(), settings.formats), settings, now)
        assert all(o.status == "loaded" for o in load.outcomes), [o.message for o in load.outcomes]
    expected = format_fixtures.EXPECTED_ROWS[source_format]
    with duckdb.connect(str(settings.work_db), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        for entity, rows in expected.items():
            columns = list(dict.fromkeys(c for row in rows for c in row))  # a column a row does not name is empty
            rows = [{c: row.get(c) for c in columns} for row in rows]
            key = columns[0]
            got = con.execute(f"select {', '.join(columns)} from raw.{entity} order by {key}, {columns[-1]}").fetchall()
            got = [{c: _as_text(v) for c, v in zip(columns, row)} for row in got]
            want = sorted(rows, key=lambda r: (str(r[key]), str(r[columns[-1]])))
            assert got == want, f"{source_format} → {entity}"
        loaded = {e for (e,) in con.execute(
            "select distinct entity from audit.load_files where source_format <> 'template' and rows_loaded > 0").fetchall()}
    # every entity the format fed is one the hand-worked rows cover (source links are its plumbing)
    assert loaded - {"source_links"} == set(expected)


@pytest.fixture(scope="module")
def formats_warehouse(tmp_path_factory) -> Path:
    inbox = format_fixtures.write(tmp_path_factory.mktemp("formats_inbox"))
    warehouse = tmp_path_factory.mktemp("formats_warehouse") / "iskpi.duckdb"
    # the Twilio export holds a call on 30 February: one bad row of five, quarantined
    workspace = workspace_for(warehouse, inbox, max_quarantine_share=0.5)
    (workspace.mappings_dir / "rep_identities.csv").write_text(format_fixtures.REP_IDENTITIES, encoding="utf-8")
    # the channel mapping as Japanese Excel saves a CSV: CP932 (dbt could not parse the project)
    channels = workspace.mappings_dir / "channels.csv"
    channels.write_bytes(channels.read_text(encoding="utf-8-sig").encode("cp932"))
    # as of the month's end: the deals closed late in March are closed by then
    outcome = run_nightly(workspace, date(2026, 3, 31))
    assert outcome.success, outcome.message
    assert any("channels.csv was saved as Shift_JIS" in warning for warning in outcome.warnings)
    return warehouse


def _frame(warehouse: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).df()


pytest_e2e = pytest.mark.e2e


@pytest_e2e
@pytest.mark.parametrize("rep", list(format_fixtures.EXPECTED_KPIS))
def test_each_formats_rep_has_the_kpis_worked_out_by_hand(formats_warehouse, rep):
    row = _frame(formats_warehouse, f"select * from marts.kpi_monthly where month_start = '{format_fixtures.MARCH}' "
                                    f"and scope_type = 'rep' and scope_id = '{rep}'")
    assert len(row) == 1
    got = row.iloc[0]
    wrong = {kpi: (want, got[kpi]) for kpi, want in format_fixtures.EXPECTED_KPIS[rep].items()
             if pd.isna(got[kpi]) or not math.isclose(float(got[kpi]), want, rel_tol=1e-9)}
    assert not wrong, f"{rep}: (want, got) {wrong}"


@pytest_e2e
def test_each_formats_dials_land_on_their_tokyo_day(formats_warehouse):
    rows = _frame(formats_warehouse, "select rep_id, strftime(activity_date, '%Y-%m-%d') as day, dials from marts.kpi_daily where dials > 0")
    got: dict[str, dict[str, int]] = {}
    for row in rows.itertuples():
        got.setdefault(row.rep_id, {})[row.day] = int(row.dials)
    assert {rep: got.get(rep) for rep in format_fixtures.EXPECTED_DAILY_DIALS} == format_fixtures.EXPECTED_DAILY_DIALS


@pytest_e2e
@pytest.mark.parametrize("campaign", list(format_fixtures.EXPECTED_CAMPAIGNS))
def test_each_formats_campaign_has_the_numbers_worked_out_by_hand(formats_warehouse, campaign):
    row = _frame(formats_warehouse, f"select * from marts.kpi_campaign where campaign_id = '{campaign}'")
    assert len(row) == 1
    got = row.iloc[0]
    wrong = {k: (want, got[k]) for k, want in format_fixtures.EXPECTED_CAMPAIGNS[campaign].items()
             if not math.isclose(float(got[k]), want, rel_tol=1e-9)}
    assert not wrong, f"{campaign}: (want, got) {wrong}"


@pytest_e2e
def test_a_bad_row_of_a_vendor_file_is_quarantined_with_its_rule_and_file(formats_warehouse):
    work = formats_warehouse.parent / ".iskpi" / "work" / f"{formats_warehouse.stem}.work.duckdb"
    rows = _frame(work, "select file_name, rule, value from audit.quarantine order by all")
    assert rows.to_dict("records") == [
        {"file_name": "twilio/twilio_call.csv", "rule": "calls.started_at.parseable", "value": "2026-02-30 17:23:13.000000+00:00"},
    ]


def test_an_unmatched_vendor_user_is_reported_and_readmitted_once_mapped(tmp_path):
    inbox = format_fixtures.write(tmp_path / "inbox", ["twilio"])
    mappings = tmp_path / "mappings"
    shutil.copytree(DEFAULT_MAPPINGS_DIR, mappings)
    settings = replace(load_settings(tmp_path, max_quarantine_share=1.0, mappings_dir=mappings), formats=shipped_formats())
    now = datetime(2026, 4, 1, tzinfo=UTC)
    for entity in ("reps", "source_links"):
        load_entity(entity, discover([inbox], entity, entity_names(), settings.formats), settings, now)
    calls = discover([inbox], "calls", entity_names(), settings.formats)
    first = load_entity("calls", calls, settings, now)
    assert first.outcomes[0].violations == {"calls.rep_id.references_reps": 6, "calls.started_at.parseable": 1}
    assert any("twilio:client:tanaka (6 rows)" in line and "rep_identities.csv" in line for line in first.advice)

    (mappings / "rep_identities.csv").write_text(format_fixtures.REP_IDENTITIES, encoding="utf-8")
    second = load_entity("calls", calls, settings, now)
    # the file is not read again; its held rows are, and the five with a good date are in
    assert second.skipped == ["twilio/twilio_call.csv"]
    assert [r.rows_readmitted for r in second.readmitted] == [5]
    with duckdb.connect(str(settings.work_db), read_only=True) as con:
        assert con.execute("select list(distinct rep_id) from raw.calls").fetchone()[0] == ["R_TW"]


def test_source_check_shows_the_mapping_before_a_run(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from orchestration.cli.main import main

    monkeypatch.chdir(tmp_path)
    inbox = format_fixtures.write(tmp_path / "inbox", ["hubspot"])
    calls = inbox / "hubspot" / "engagement_call.csv"
    # a portal's own call outcome: a GUID no mapping knows yet
    calls.write_text(calls.read_text(encoding="utf-8").replace("73a0d17f-1163-4015-bdd5-ec830791da20", "e448b440-0000-4000-8000-000000000001"),
                     encoding="utf-8")
    result = CliRunner().invoke(main, ["source", "check", str(calls)])
    assert result.exit_code == 0, result.output
    assert "engagement_call.csv: hubspot.engagement_call" in result.output
    assert "not in the file (read as empty): property_hs_call_from_number" in result.output
    assert "→ calls: 3 row(s) from 4 in the file" in result.output
    assert "calls.result.one_of ×1" in result.output and "'e448b440-0000-4000-8000-000000000001' ×1" in result.output
    assert "add the values to mappings/call_dispositions.csv" in result.output
    assert "users no rep matches: 101 ×3" in result.output  # no workspace, so no reps yet
    unknown = tmp_path / "other.csv"
    unknown.write_text("a,b\n1,2\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["source", "check", str(unknown)])
    assert "matches none of any format's tables" in result.output
    assert result.exit_code == 1  # nothing maps: a script checking exports before a run must see it
    result = CliRunner().invoke(main, ["source", "check", "--format", "nosuchformat", str(calls)])
    assert result.exit_code == 1 and "no format named 'nosuchformat'" in result.output
    template = tmp_path / "calls_202604.csv"
    template.write_text("call_id,rep_id,lead_id,phone,direction,started_at,result,talk_seconds\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["source", "check", str(template)])
    assert result.exit_code == 1 and "a template file of calls" in result.output, result.output


def test_source_check_outside_a_workspace_reads_the_demos_reps(tmp_path, monkeypatch):
    """Run in the folder where `iskpi run` made the demo, as `query` and `metrics` are, it showed
    every vendor user as unmatched."""
    from click.testing import CliRunner

    from orchestration.cli.main import main
    from orchestration.workspace import demo_workspace

    monkeypatch.delenv("ISKPI_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    demo = demo_workspace()
    inbox = format_fixtures.write(tmp_path / "inbox", ["hubspot"])
    settings = replace(load_settings(tmp_path), work_db=demo.work_db, formats=shipped_formats())
    for entity in ("reps", "source_links"):  # the rep whose e-mail HubSpot's owner 101 has, and the owner
        load_entity(entity, discover([inbox], entity, entity_names(), settings.formats), settings, datetime(2026, 4, 1, tzinfo=UTC))
    result = CliRunner().invoke(main, ["source", "check", str(inbox / "hubspot" / "engagement_call.csv")])
    assert result.exit_code == 0, result.output
    assert "→ calls: 3 row(s)" in result.output and "users no rep matches" not in result.output


IVRY_FORMAT = """\
# a team's own format for a system iskpi does not ship (IVRy's call log, as this team exports it)
format: ivry
description: IVRy call log (our export)
time_zone:
maps:
  result:
    応答: connected
    不在着信: no_answer
tables:
  call_log:
    columns: [通話ID, 発信日時, 担当者メール, 相手番号, 結果, 通話秒数]
    signature: [通話ID, 発信日時, 相手番号, 結果]
    outputs:
      calls:
        columns:
          call_id: 通話ID
          rep_id: rep(担当者メール)
          phone: 相手番号
          direction: "'outbound'"
          started_at: 発信日時
          result: map_result(結果)
          talk_seconds: 通話秒数
"""


def test_a_workspace_format_reads_a_system_iskpi_does_not_ship(tmp_path):
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "ivry.yml").write_text(IVRY_FORMAT, encoding="utf-8")
    inbox = format_fixtures.write(tmp_path / "inbox", [])
    (inbox / "ivry").mkdir()
    (inbox / "ivry" / "calls_march.csv").write_text(
        "通話ID,発信日時,担当者メール,相手番号,結果,通話秒数\nIV1,2026/03/17 10:00,kt.rep@example.jp,03-8888-0001,応答,75\n"
        "IV2,2026/03/17 11:00,kt.rep@example.jp,03-8888-0002,不在着信,0\n", encoding="utf-8")
    formats = available_formats(sources)
    assert {"ivry", "salesforce"} <= set(formats)
    settings = replace(load_settings(tmp_path, mappings_dir=_mappings(tmp_path / "mappings")), formats=formats)
    now = datetime(2026, 4, 1, tzinfo=UTC)
    for entity in ("reps", "calls"):
        load = load_entity(entity, discover([inbox], entity, entity_names(), formats), settings, now)
    assert [(o.file_name, o.rows_loaded) for o in load.outcomes] == [("ivry/calls_march.csv", 2)]
    with duckdb.connect(str(settings.work_db), read_only=True) as con:
        assert con.execute("select call_id, rep_id, result, talk_seconds from raw.calls order by 1").fetchall() == [
            ("IV1", "R_KT", "connected", 75), ("IV2", "R_KT", "no_answer", 0)]
