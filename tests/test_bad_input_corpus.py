"""A corpus of broken and hostile export files (SPEC §3): each ends in a clear refusal naming the
file, or in rows quarantined under the rule they broke — never a traceback — and no valid row
of a file that is read is lost.

Every case is one file; all files of an entity go through one real load (land → Great
Expectations → gate), as a nightly folder full of bad exports would.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
import pytest
from workspaces import load_settings

from connectors.files import ExportFile, sha256_of
from orchestration.ingest.loading import EntityLoad, LoadSettings, load_entity

NOW = datetime(2026, 11, 22, tzinfo=UTC)
CALLS_HEADER = "call_id,rep_id,lead_id,phone,direction,started_at,result,talk_seconds"
TEN_MB = "9" * (10 * 1024 * 1024)


@dataclass(frozen=True)
class Case:
    name: str
    entity: str
    content: bytes
    status: str = "loaded"  # loaded | rejected
    loaded: int = 0  # valid rows that must reach raw
    violations: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    message: tuple[str, ...] = ()  # words the refusal must contain besides the file name


def calls(name: str, *rows: str, header: str = CALLS_HEADER, encoding: str = "utf-8", **expect) -> Case:
    text = "\n".join([header, *rows]) + "\n"
    return Case(name, "calls", text.encode(encoding), **expect)


def ok(call_id: str, **overrides: str) -> str:
    """A valid call row; overrides replace single fields."""
    row = {"call_id": call_id, "rep_id": "R1", "lead_id": "", "phone": "03-1234-5678", "direction": "outbound",
           "started_at": "2026-04-01 09:00", "result": "busy", "talk_seconds": "0"}
    row.update(overrides)
    return ",".join(row.values())


CASES = [
    # -- encodings and bytes -------------------------------------------------------------------
    # Excel's "Unicode text": UTF-16 with its BOM, or without it, read like any other encoding
    Case("utf16_le", "calls", ("\ufeff" + CALLS_HEADER + "\n" + ok("E01") + "\n").encode("utf-16-le"), loaded=1),
    Case("utf16_be", "calls", ("\ufeff" + CALLS_HEADER + "\n" + ok("E02") + "\n").encode("utf-16-be"), loaded=1),
    Case("utf16_without_bom", "calls", (CALLS_HEADER + "\n" + ok("E02b", result="不在") + "\n").encode("utf-16-le"), loaded=1),
    Case("utf32", "calls", ("\ufeff" + CALLS_HEADER + "\n" + ok("E02c") + "\n").encode("utf-32-le"), status="rejected", message=("UTF-32",)),
    Case("doubled_bom", "calls", ("\ufeff\ufeff" + CALLS_HEADER + "\n" + ok("E02d") + "\n").encode(), loaded=1),
    Case("excel_sep_line", "calls", ("sep=,\n" + CALLS_HEADER + "\n" + ok("E02e") + "\n").encode(), loaded=1),
    Case("excel_sep_line_semicolon", "calls",
         ("sep=;\n" + CALLS_HEADER.replace(",", ";") + "\n" + ok("E02f").replace(",", ";") + "\n").encode(), loaded=1),
    Case("every_line_ends_in_a_comma", "calls", (CALLS_HEADER + ",\n" + ok("E02g") + ",\n" + ok("E02h") + ",\n").encode(), loaded=2),
    Case("mixed_line_ends", "calls", (CALLS_HEADER + "\r\n" + ok("E02i") + "\n" + ok("E02j") + "\r" + ok("E02k") + "\r\n").encode(), loaded=3),
    Case("header_over_a_mebibyte", "calls", (CALLS_HEADER + "," + "x" * (1 << 20) + "\n" + ok("E02l") + "\n").encode(),
         status="rejected", message=("header line",)),
    Case("hundred_thousand_columns", "calls", (",".join(f"c{i}" for i in range(100_000)) + "\n" + "," * 99_999 + "\n").encode(),
         status="rejected", message=("100,000 columns",)),
    Case("a_contract_column_twice", "calls", (CALLS_HEADER + ",result\n" + ok("E02m") + ",no_answer\n").encode(),
         status="rejected", message=("result", "more than once")),
    calls("cp932", ok("E03", result="不在"), encoding="cp932", loaded=1),
    calls("cp932_maru_kabu", ok("E04", lead_id="㈱テスト①髙"), encoding="cp932", loaded=1),
    calls("utf8_bom", ok("E05"), encoding="utf-8-sig", loaded=1),
    Case("empty_file", "calls", b"", status="rejected"),
    calls("header_only", loaded=0),
    Case("nul_in_a_field", "calls", (CALLS_HEADER + "\n" + ok("E08", lead_id="L\x00X") + "\n").encode(), loaded=1),
    Case("binary_garbage", "calls", bytes(range(256)) * 40, status="rejected"),
    Case("truncated_in_a_quote", "calls", (CALLS_HEADER + "\n" + ok("E10") + '\nE10b,R1,"unfinished').encode(), status="rejected"),
    # UTF-8 Japanese but for one stray byte: read as UTF-8, that one row quarantined (never CP932 mojibake)
    Case("utf8_with_a_stray_byte", "calls", (CALLS_HEADER + "\n" + ok("E53", lead_id="田中商事", result="不在") + "\n"
                                             + ok("E53b", lead_id="東京SDR") + "\n").encode()
         + ok("E53c", lead_id="XX").replace("XX", "\udcb0").encode("utf-8", "surrogateescape") + b"\n",
         loaded=2, violations={"calls.row.decodable": 1}),
    Case("latin1_bytes", "calls", (CALLS_HEADER + "\n" + ok("E11", lead_id="café")).encode("latin-1") + b"\n",
         status="rejected", message=("UTF-8", "Shift_JIS")),
    # -- headers -------------------------------------------------------------------------------
    calls("missing_started_at", "E12,R1,,,outbound,busy,0", header="call_id,rep_id,lead_id,phone,direction,result,talk_seconds",
          status="rejected", message=("started_at", "contract.yml")),
    calls("missing_two_columns", "E13,,,busy,0", header="call_id,lead_id,phone,result,talk_seconds",
          status="rejected", message=("rep_id", "started_at")),
    calls("headers_reordered", "busy,0,E14,R1,,03-1234-5678,outbound,2026-04-01 09:00",
          header="result,talk_seconds,call_id,rep_id,lead_id,phone,direction,started_at", loaded=1),
    calls("headers_full_width_and_case", ok("E15"), header="Call_ID,ＲＥＰ＿ＩＤ,lead_id, phone ,direction,started_at,result,talk_seconds", loaded=1),
    calls("duplicated_other_header", ok("E16") + ",a,b", header=CALLS_HEADER + ",備考,備考", loaded=1),
    calls("extra_column", ok("E17") + ",メモ", header=CALLS_HEADER + ",備考", loaded=1),
    Case("semicolon_delimiter", "calls", (CALLS_HEADER.replace(",", ";") + "\n" + ok("E18").replace(",", ";") + "\n").encode(), loaded=1),
    Case("tab_delimiter", "calls", (CALLS_HEADER.replace(",", "\t") + "\n" + ok("E19").replace(",", "\t") + "\n").encode(), loaded=1),
    Case("crlf_line_ends", "calls", (CALLS_HEADER + "\r\n" + ok("E20") + "\r\n").encode(), loaded=1),
    Case("no_trailing_newline", "calls", (CALLS_HEADER + "\n" + ok("E21")).encode(), loaded=1),
    calls("blank_lines_between_rows", ok("E22"), "", ok("E22b"), loaded=2),
    calls("too_few_fields_on_a_row", ok("E23"), "E23b,R1,,", status="rejected"),
    # -- values: parseable and plausible -------------------------------------------------------
    calls("february_30", ok("E24"), ok("E24b", started_at="2026-02-30 10:00"), loaded=1, violations={"calls.started_at.parseable": 1}),
    calls("far_future", ok("E25"), ok("E25b", started_at="2099-01-01 09:00"), loaded=1, violations={"calls.started_at.plausible": 1}),
    calls("before_2000", ok("E26"), ok("E26b", started_at="1999-12-31 23:59"), loaded=1, violations={"calls.started_at.plausible": 1}),
    calls("era_date", ok("E27", started_at="令和8年4月1日 9:05"), loaded=1),
    calls("text_in_a_number", ok("E28"), ok("E28b", talk_seconds="abc"), loaded=1, violations={"calls.talk_seconds.parseable": 1}),
    calls("fraction_in_an_integer", ok("E29"), ok("E29b", talk_seconds="1.5"), loaded=1, violations={"calls.talk_seconds.parseable": 1}),
    calls("negative_duration", ok("E30"), ok("E30b", talk_seconds="-5"), loaded=1, violations={"calls.talk_seconds.between": 1}),
    calls("absurd_duration", ok("E31"), ok("E31b", talk_seconds="86401"), loaded=1, violations={"calls.talk_seconds.between": 1}),
    calls("thousands_separator", ok("E32", talk_seconds='"1,200"'), loaded=1),
    calls("full_width_digits", ok("E33", talk_seconds="１２０", started_at="２０２６／０４／０１　９：０５"), loaded=1),
    calls("unparseable_phone", ok("E34"), ok("E34b", phone="不明"), loaded=1, violations={"calls.phone.parseable": 1}),
    # -- enumerations, required, referential ---------------------------------------------------
    calls("unknown_result", ok("E35"), ok("E35b", result="teleported"), ok("E35c", result="teleported"), loaded=1,
          violations={"calls.result.one_of": 2}),
    calls("unknown_direction", ok("E36"), ok("E36b", direction="sideways"), loaded=1, violations={"calls.direction.one_of": 1}),
    calls("unknown_rep", ok("E37"), ok("E37b", rep_id="R999"), loaded=1, violations={"calls.rep_id.references_reps": 1}),
    calls("empty_rep", ok("E38"), ok("E38b", rep_id=""), loaded=1, violations={"calls.rep_id.required": 1}),
    calls("empty_id", ok("E39"), ok("", started_at="2026-04-01 09:01"), loaded=1, violations={"calls.call_id.required": 1}),
    calls("empty_timestamp", ok("E40"), ok("E40b", started_at=""), loaded=1, violations={"calls.started_at.required": 1}),
    calls("whitespace_only_id", ok("E41"), ok("　 ", started_at="2026-04-01 09:02"), loaded=1, violations={"calls.call_id.required": 1}),
    # -- hostile text --------------------------------------------------------------------------
    calls("ten_mb_field_in_a_number", ok("E42"), ok("E42b", talk_seconds=TEN_MB), loaded=1, violations={"calls.talk_seconds.parseable": 1}),
    calls("ten_mb_field_in_text", ok("E43"), ok("E43b", result=TEN_MB), loaded=1, violations={"calls.result.one_of": 1}),
    calls("csv_formula_strings", ok("E44", lead_id="=cmd|' /C calc'!A0"), ok("E44b", lead_id="+SUM(1+1)"),
          ok("E44c", lead_id="@SUM(A1)"), ok("E44d", lead_id="-2+3"), loaded=4),
    calls("sql_looking_strings", ok("E45", lead_id="'; drop table raw.calls; --"),
          ok("E45b", lead_id='"""); delete from audit.load_files; --"'), loaded=2),
    # a line break inside an id is the mark of a stray quote that merged records: quarantined, not loaded
    calls("quoted_newline_and_comma", ok("E46", lead_id='"line1\nline2, still the id"'), ok("E46b", lead_id='"a, b"'),
          loaded=1, violations={"calls.lead_id.single_line": 1}),
    calls("stray_quote_merges_records", 'E46c,R1,"L1,03-1234-5678,outbound,2026-04-01 09:00,busy,0',
          "E46d,R1,L2,03-1234-5678,outbound,2026-04-01 09:01,busy,0", 'E46e,R1,L3",03-1234-5678,outbound,2026-04-01 09:02,busy,0',
          loaded=0, violations={"calls.lead_id.single_line": 1}),
    calls("ids_with_spaces", ok("  E47  "), ok("E 47"), loaded=2),
    calls("full_width_ids", ok("Ｅ４８"), loaded=1),
    calls("same_row_full_width_and_ascii", ok("E49"), ok("Ｅ４９"), loaded=1, duplicates=1),
    calls("exact_duplicate_lines", ok("E50"), ok("E50"), ok("E50"), loaded=1, duplicates=2),
    calls("same_id_new_content", ok("E51"), ok("E51", result="no_answer"), loaded=2),
    calls("emoji_and_control_characters", ok("E52", lead_id="🙂L1\u200b"), loaded=1),
    # -- other entities ------------------------------------------------------------------------
    Case("meeting_bad_boolean_and_score", "meetings", (
        "meeting_id,lead_id,set_by_rep_id,agreed_at,status,bant_budget,handoff_score\n"
        "M1,L1,R1,2026-04-01 10:00,held,はい,4\n"
        "M2,L1,R1,2026-04-01 10:00,held,maybe,4\n"
        "M3,L1,R1,2026-04-01 10:00,held,○,6\n"
        "M4,L1,R1,2026-04-01 10:00,postponed,×,\n").encode(), loaded=1,
        violations={"meetings.bant_budget.parseable": 1, "meetings.handoff_score.between": 1, "meetings.status.one_of": 1}),
    Case("opportunity_amounts_and_dates", "opportunities", (
        "opportunity_id,owner_rep_id,created_at,stage,amount,closed_at\n"
        "O1,R1,2026-04-01 10:00,closed_won,\"1,000,000\",2026-04-20 10:00\n"
        "O2,R1,2026-04-10 10:00,closed_lost,500000,2026-04-09 10:00\n"
        "O3,R1,2026-04-10 10:00,proposal,-1,\n"
        "O4,R1,2026-04-10 10:00,proposal,¥500,\n").encode(), loaded=1,
        violations={"opportunities.closed_at.not_before_created_at": 1, "opportunities.amount.between": 1,
                    "opportunities.amount.parseable": 1}),
    Case("lead_enumerations_and_era", "leads", (
        "lead_id,lead_type,owner_rep_id,created_at,status,is_deleted\n"
        "L1,inbound,R1,令和8年4月1日 9:00,新規,いいえ\n"
        "L2,cold,R1,2026-04-01 09:00,new,false\n"
        "L3,outbound,R1,2026-04-01 09:00,hot,false\n"
        "L4,outbound,R1,2026-04-01 09:00,new,perhaps\n").encode(), loaded=1,
        violations={"leads.lead_type.one_of": 1, "leads.status.one_of": 1, "leads.is_deleted.parseable": 1}),
    Case("email_event_types", "email_events", (
        b"event_id,message_id,sender_type,rep_id,event_type,occurred_at\n"
        b"V1,MSG1,rep,R1,sent,2026-04-01 09:00\n"
        b"V2,MSG1,rep,R1,forward,2026-04-01 09:01\n"
        b"V3,MSG1,robot,R1,open,2026-04-01 09:02\n"), loaded=1,
        violations={"email_events.event_type.one_of": 1, "email_events.sender_type.one_of": 1}),
    Case("target_values", "targets", (
        "period_month,scope_type,scope_id,kpi,target_value\n"
        "2026-04,org,all,revenue,\"10,000,000\"\n"
        "2026-13,org,all,dials,100\n"
        "2026-05,org,all,dials,たくさん\n").encode(), loaded=1,
        violations={"targets.period_month.parseable": 1, "targets.target_value.parseable": 1}),
]


@pytest.fixture(scope="module")
def corpus_loads(tmp_path_factory) -> tuple[dict[str, EntityLoad], LoadSettings]:
    folder = tmp_path_factory.mktemp("corpus")
    settings = load_settings(folder)
    reps = folder / "reps.csv"
    reps.write_text("rep_id,rep_name,department,role\nR1,山田,is,sdr\n", encoding="utf-8")
    loads = {"reps": load_entity("reps", [ExportFile("reps", reps, sha256_of(reps))], settings, NOW)}
    for entity in dict.fromkeys(case.entity for case in CASES):
        exports = []
        for case in (c for c in CASES if c.entity == entity):
            path = folder / f"{entity}_{case.name}.csv"
            path.write_bytes(case.content)
            exports.append(ExportFile(entity, path, sha256_of(path)))
        loads[entity] = load_entity(entity, exports, settings, NOW)
    return loads, settings


def test_the_corpus_is_big_enough():
    assert len(CASES) >= 50
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bad_input_ends_in_a_message_or_a_quarantine(corpus_loads, case):
    loads, _ = corpus_loads
    file_name = f"{case.entity}_{case.name}.csv"
    outcome = next(o for o in loads[case.entity].outcomes if o.file_name == file_name)
    assert outcome.status == case.status, outcome.message
    if case.status == "rejected":
        assert file_name in outcome.message
        assert "Traceback" not in outcome.message and len(outcome.message) < 1000
        assert all(word in outcome.message for word in case.message), outcome.message
        return
    assert outcome.rows_loaded == case.loaded, outcome
    assert outcome.violations == case.violations
    assert outcome.exact_duplicates == case.duplicates
    assert outcome.rows_read == outcome.rows_loaded + outcome.rows_quarantined + outcome.exact_duplicates


def test_hostile_strings_are_kept_as_data_and_hurt_nothing(corpus_loads):
    _, settings = corpus_loads
    with duckdb.connect(str(settings.work_db), read_only=True) as con:
        lead_ids = {row[0] for row in con.execute("select lead_id from raw.calls where call_id like 'E45%' or call_id like 'E44%'").fetchall()}
        assert {"'; drop table raw.calls; --", '"); delete from audit.load_files; --', "=cmd|' /C calc'!A0"} <= lead_ids
        assert con.execute("select count(*) from audit.load_files").fetchone()[0] >= len(CASES)
        ids = {row[0] for row in con.execute("select call_id from raw.calls").fetchall()}
    assert {"E47", "E 47", "E48"} <= ids  # trimmed at the ends, inner space kept, NFKC


def test_a_stray_byte_leaves_the_utf8_text_readable_and_names_no_value(corpus_loads):
    _, settings = corpus_loads
    with duckdb.connect(str(settings.work_db), read_only=True) as con:
        lead_ids = dict(con.execute("select call_id, lead_id from raw.calls where call_id like 'E53%'").fetchall())
        held = con.execute("select row_number, column_name, value from audit.quarantine where rule = 'calls.row.decodable'").fetchall()
        encoding = con.execute("select encoding from audit.load_files where file_name = 'calls_utf8_with_a_stray_byte.csv'").fetchone()[0]
    assert lead_ids == {"E53": "田中商事", "E53b": "東京SDR"}
    assert held == [(3, "row", None)]
    assert encoding.startswith("utf-8")


def test_extra_columns_are_reported_and_kept_aside(corpus_loads):
    loads, settings = corpus_loads
    with duckdb.connect(str(settings.work_db), read_only=True) as con:
        extra = con.execute("select extra_columns from audit.load_files where file_name = 'calls_extra_column.csv'").fetchone()[0]
        kept = con.execute("select _extra::varchar from raw.calls where call_id = 'E17'").fetchone()[0]
        without = con.execute("select _extra from raw.calls where call_id = 'E05'").fetchone()[0]
    assert extra == "備考"
    assert json.loads(kept) == {"備考": "メモ"}
    assert without is None
    outcome = next(o for o in loads["calls"].outcomes if o.file_name == "calls_extra_column.csv")
    assert outcome.extra_columns == ("備考",)
