"""Input rules: each defined once, the quarantine and Great Expectations agree."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
from workspaces import load_settings

from connectors.contract import entity_names, load_contract
from connectors.files import ExportFile, sha256_of
from expectations.rules import rules_for
from orchestration.ingest.loading import load_entity
from orchestration.paths import DEFAULT_MAPPINGS_DIR

NOW = datetime(2026, 11, 22, tzinfo=UTC)


def test_every_entity_has_a_suite_and_every_rule_names_a_contract_column():
    for entity in entity_names():
        rules = rules_for(entity, DEFAULT_MAPPINGS_DIR)
        assert rules, entity
        assert len({r.name for r in rules}) == len(rules), f"{entity}: two rules share a name"
        for rule in rules:
            if rule.inspected_column is not None:  # a whole-row rule (decodable) names no column
                load_contract()[entity].column(rule.column)


def test_parse_rules_come_from_the_contract_types():
    names = {r.name for r in rules_for("calls", DEFAULT_MAPPINGS_DIR)}
    assert {"calls.started_at.parseable", "calls.started_at.plausible", "calls.talk_seconds.parseable"} <= names
    assert "calls.rep_id.parseable" not in names  # text never fails to parse


def test_enumerations_follow_the_editable_mappings():
    result_rule = next(r for r in rules_for("calls", DEFAULT_MAPPINGS_DIR) if r.name == "calls.result.one_of")
    assert {"no_answer", "appointment", "不在", "アポ獲得"} <= set(result_rule.values)


def _export(tmp_path, entity, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return ExportFile(entity, path, sha256_of(path))


def test_quarantine_and_great_expectations_count_the_same_violations(tmp_path):
    settings = load_settings(tmp_path)
    reps = _export(tmp_path, "reps", "reps.csv", "rep_id,rep_name,department,role\nR1,山田,is,sdr\nR2,佐藤,is,bdr\n")
    assert load_entity("reps", [reps], settings, NOW).outcomes[0].rows_loaded == 2
    calls = _export(
        tmp_path, "calls", "calls_1.csv",
        "call_id,rep_id,direction,started_at,result,talk_seconds\n"
        "C1,R1,outbound,2026-04-01 09:00,busy,0\n"        # clean
        "C2,R9,outbound,2026-04-01 09:00,busy,0\n"        # unknown rep
        "C3,R1,sideways,2026-04-01 09:00,busy,0\n"        # unknown direction
        "C4,R1,outbound,2026-02-30 09:00,busy,0\n"        # impossible date
        "C5,R1,outbound,2099-01-01 09:00,busy,0\n"        # far future
        "C6,R1,outbound,,busy,0\n"                        # required timestamp empty
        "C7,R1,outbound,2026-04-01 09:00,busy,-3\n"       # negative talk time
        "C8,R1,outbound,2026-04-01 09:00,busy,abc\n"      # text in a number
        "C9,R1,outbound,2026-04-01 09:00,teleported,0\n"  # unknown disposition
        "C1,R1,outbound,2026/04/01 9:00:00,busy,0\n",     # C1 again, written differently: exact duplicate
    )
    load = load_entity("calls", [calls], settings, NOW)
    outcome = load.outcomes[0]
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined, outcome.exact_duplicates) == (10, 1, 8, 1)
    assert outcome.violations == {
        "calls.rep_id.references_reps": 1,
        "calls.direction.one_of": 1,
        "calls.started_at.parseable": 1,
        "calls.started_at.plausible": 1,
        "calls.started_at.required": 1,
        "calls.talk_seconds.between": 1,
        "calls.talk_seconds.parseable": 1,
        "calls.result.one_of": 1,
    }
    assert load.gx_violations["calls_1.csv"] == outcome.violations
    with duckdb.connect(str(settings.work_db), read_only=True) as con:
        values = dict(con.sql("select rule, value from audit.quarantine").fetchall())
    assert values["calls.started_at.parseable"] == "2026-02-30 09:00"
    assert values["calls.talk_seconds.parseable"] == "abc"


def test_logical_rule_closed_before_created_is_quarantined_by_both(tmp_path):
    settings = load_settings(tmp_path)
    reps = _export(tmp_path, "reps", "reps.csv", "rep_id,rep_name,department,role\nF1,高橋,fs,fs\n")
    load_entity("reps", [reps], settings, NOW)
    opportunities = _export(
        tmp_path, "opportunities", "opportunities.csv",
        "opportunity_id,owner_rep_id,created_at,stage,amount,closed_at\n"
        "O1,F1,2026-04-01 10:00,closed_won,\"1,000,000\",2026-04-20 10:00\n"  # clean
        "O2,F1,2026-04-10 10:00,closed_lost,500000,2026-04-09 10:00\n"        # closed before created
        "O3,F1,2026-04-10 10:00,proposal,500000,\n"                           # open: no closed_at to compare
        "O4,F1,2026-04-10 10:00,negotiation,-5,\n",                            # negative amount
    )
    load = load_entity("opportunities", [opportunities], settings, NOW)
    outcome = load.outcomes[0]
    assert (outcome.rows_loaded, outcome.rows_quarantined) == (2, 2)
    assert outcome.violations == {"opportunities.closed_at.not_before_created_at": 1, "opportunities.amount.between": 1}
    assert load.gx_violations["opportunities.csv"] == outcome.violations


def test_refusal_messages_never_repeat_a_rows_content(tmp_path):
    """audit.load_files.message is published and logged: a headerless export or a malformed line
    must be described by line and column count, never by the names, addresses and numbers in it."""
    settings = load_settings(tmp_path)
    load_entity("reps", [_export(tmp_path, "reps", "reps.csv", "rep_id,rep_name,department,role\nR1,佐藤,is,sdr\n")], settings, NOW)
    private = ("山田太郎", "taro@example.com", "090-1234-5678")
    headerless = _export(tmp_path, "leads", "leads_noheader.csv",
                         "L001,A1,株式会社テスト,山田太郎,taro@example.com,090-1234-5678,web,inbound,R1,2026-04-01 09:00\n")
    malformed = _export(tmp_path, "leads", "leads_malformed.csv",
                        "lead_id,lead_type,created_at,contact_name,email,phone\n"
                        "L002,inbound,2026-04-01 09:00,山田太郎,taro@example.com,090-1234-5678,extra,fields\n")
    load = load_entity("leads", [headerless, malformed], settings, NOW)
    messages = {o.file_name: o.message for o in load.outcomes}
    assert "required columns lead_id, lead_type, created_at missing" in messages["leads_noheader.csv"]
    assert "no column of the contract and 10 other columns" in messages["leads_noheader.csv"]
    assert "(line 2: Expected Number of Columns: 6 Found: " in messages["leads_malformed.csv"]
    with duckdb.connect(str(settings.work_db), read_only=True) as con:
        stored = " ".join(m for (m,) in con.execute("select message from audit.load_files where message is not null").fetchall())
    for value in private:
        assert value not in stored and not any(value in m for m in messages.values())


def test_advice_on_unknown_values_never_repeats_a_phone_number_or_address(tmp_path):
    """A leads file whose header order does not match its data puts phones where a status belongs:
    the advice is printed and logged, so it describes such values instead of repeating them."""
    settings = load_settings(tmp_path)
    load_entity("reps", [_export(tmp_path, "reps", "reps.csv", "rep_id,rep_name,department,role\nR1,佐藤,is,sdr\n")], settings, NOW)
    shifted = _export(tmp_path, "leads", "leads_shifted.csv",
                      "lead_id,lead_type,owner_rep_id,created_at,status\n"
                      "L1,inbound,R1,2026-04-01 09:00,090-1111-2222\n"
                      "L2,inbound,R1,2026-04-01 09:00,taro@example.com\n"
                      "L3,inbound,R1,2026-04-01 09:00,保留中\n")
    load = load_entity("leads", [shifted], settings, NOW)
    advice = " ".join(load.advice)
    assert "leads.status.one_of" in advice and "'保留中' (1 row)" in advice
    assert "090-1111-2222" not in advice and "taro@example.com" not in advice
    assert "e-mail address or phone number" in advice


def test_a_mapping_edit_is_read_on_the_next_load_and_names_the_line_to_add(tmp_path):
    import shutil

    from orchestration.paths import DEFAULT_MAPPINGS_DIR

    mappings = tmp_path / "mappings"
    shutil.copytree(DEFAULT_MAPPINGS_DIR, mappings)
    settings = load_settings(tmp_path, mappings_dir=mappings)
    reps = _export(tmp_path, "reps", "reps.csv", "rep_id,rep_name,department,role\nR1,山田,is,sdr\n")
    load_entity("reps", [reps], settings, NOW)
    calls = _export(tmp_path, "calls", "calls_1.csv",
                    "call_id,rep_id,direction,started_at,result,talk_seconds\n"
                    "C1,R1,outbound,2026-04-01 09:00,busy,0\n"
                    "C2,R1,outbound,2026-04-01 09:01,コールバック,0\n"
                    "C3,R1,outbound,2026-04-01 09:02,コールバック,0\n")
    first = load_entity("calls", [calls], settings, NOW)
    assert first.outcomes[0].rows_quarantined == 2
    (advice,) = first.advice
    assert "calls.result.one_of: unknown value 'コールバック' (2 rows)" in advice
    assert f"{mappings / 'call_dispositions.csv'}" in advice
    assert "`コールバック,<canonical_result>,<rang>,<connected>,<effective>,<appointment>,<description>`" in advice

    with (mappings / "call_dispositions.csv").open("a", encoding="utf-8") as stream:
        stream.write("コールバック,no_answer,true,false,false,false,callback requested\n")
    second = load_entity("calls", [calls], settings, NOW)  # the same file: nothing new to land
    assert second.skipped == ["calls_1.csv"] and not second.advice
    assert [(r.file_name, r.rows_readmitted) for r in second.readmitted] == [("calls_1.csv", 2)]
    with duckdb.connect(str(settings.work_db), read_only=True) as con:
        assert con.execute("select count(*) from raw.calls").fetchone()[0] == 3
        assert con.execute("select count(*) from audit.quarantine").fetchone()[0] == 0
        row = con.execute("select rows_read, rows_loaded, rows_readmitted, rows_quarantined, exact_duplicates "
                          "from audit.load_files where file_name = 'calls_1.csv'").fetchone()
    assert row == (3, 1, 2, 0, 0)


def test_a_working_database_of_an_earlier_version_loads_on(tmp_path):
    """Its held rows' table gains the columns added since, and its landing schema (landing is now
    a catalog in memory) is dropped rather than left to make `landing.<table>` ambiguous."""
    settings = load_settings(tmp_path)
    load_entity("reps", [_export(tmp_path, "reps", "reps.csv", "rep_id,rep_name,department,role\nR1,山田,is,sdr\n")], settings, NOW)
    with duckdb.connect(str(settings.work_db)) as con:  # as a version before the `phone` column left it
        con.execute("create schema if not exists quarantine; create schema landing; create table landing.calls (call_id varchar)")
        con.execute("create table quarantine.calls (_file_id bigint, _row_number bigint, call_id varchar, rep_id varchar)")
    calls = _export(tmp_path, "calls", "calls.csv", "call_id,rep_id,direction,started_at,result,talk_seconds,phone\n"
                    "C1,R9,outbound,2026-04-01 09:00,busy,0,03-1234-5678\n")
    assert load_entity("calls", [calls], settings, NOW).outcomes[0].rows_quarantined == 1
    with duckdb.connect(str(settings.work_db), read_only=True) as con:
        assert con.execute("select phone, phone__text from quarantine.calls").fetchall() == [("+81312345678", "03-1234-5678")]
        assert not con.execute("select * from duckdb_schemas() where schema_name = 'landing'").fetchall()


def _night_of_three_calls_files(folder, batch_rows, monkeypatch):
    """Three files: the second repeats a row of the first, the third is mostly broken (blocked)."""
    import orchestration.ingest.loading

    monkeypatch.setattr(orchestration.ingest.loading, "ADMIT_BATCH_ROWS", batch_rows)
    folder.mkdir()
    settings = load_settings(folder, max_quarantine_share=0.5)
    load_entity("reps", [_export(folder, "reps", "reps.csv", "rep_id,rep_name,department,role\nR1,山田,is,sdr\n")], settings, NOW)
    header = "call_id,rep_id,direction,started_at,result,talk_seconds\n"
    files = [
        _export(folder, "calls", "calls_1.csv", header + "C1,R1,outbound,2026-04-01 09:00,busy,0\nC2,R1,outbound,2026-04-01 10:00,busy,0\n"),
        _export(folder, "calls", "calls_2.csv", header + "C2,R1,outbound,2026-04-01 10:00,busy,0\nC3,R9,outbound,2026-04-02 10:00,busy,0\n"
                "C4,R1,outbound,2026-04-02 11:00,busy,0\nC4,R1,outbound,2026-04-02 11:00,busy,0\n"),
        _export(folder, "calls", "calls_3.csv", header + "C5,R9,outbound,2026-04-03 10:00,busy,0\nC6,R1,outbound,2026-04-03 11:00,busy,0\n"
                "C7,R1,sideways,2026-04-03 12:00,busy,0\n"),
    ]
    outcomes = load_entity("calls", files, settings, NOW).outcomes
    with duckdb.connect(str(settings.work_db), read_only=True) as con:
        raw = con.execute("select call_id, _file_id, _row_number from raw.calls order by all").fetchall()
        held = con.execute("select file_id, row_number, rule from audit.quarantine order by all").fetchall()
    return [(o.file_name, o.status, o.rows_read, o.rows_loaded, o.rows_quarantined, o.exact_duplicates) for o in outcomes], raw, held


def test_files_admitted_in_batches_end_as_when_admitted_at_once(tmp_path, monkeypatch):
    at_once = _night_of_three_calls_files(tmp_path / "at_once", 1_000_000, monkeypatch)
    file_by_file = _night_of_three_calls_files(tmp_path / "file_by_file", 1, monkeypatch)
    assert file_by_file == at_once
    outcomes, raw, _ = at_once
    assert outcomes == [("calls_1.csv", "loaded", 2, 2, 0, 0), ("calls_2.csv", "loaded", 4, 1, 1, 2),
                        ("calls_3.csv", "blocked", 3, 0, 3, 0)]
    assert [call for call, _, _ in raw] == ["C1", "C2", "C4"]
