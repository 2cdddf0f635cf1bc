"""What EL tools land, at the level of one file or one setting: dlt's Parquet folder layout and its
bookkeeping, JSON Lines with keys a record leaves out, a broken landing refused by name, and the
EL database's connection string kept out of iskpi.yml. (tests/test_source_formats_mixed.py runs
whole nights of them against a PostgreSQL server.)"""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from workspaces import load_settings

from connectors.contract import entity_names
from connectors.el_postgres import SourceUnavailable, resolve_dsn
from connectors.files import columnar_columns, discover, unmatched_files
from connectors.source_formats import shipped_formats
from orchestration.ingest.loading import load_entity
from orchestration.ingest.synced_sources import ElSource, parse_el_schemas

PROSPECTS = [
    {"id": "P1", "email": "a@example.jp", "crm_lead_fid": "00Q1", "crm_contact_fid": None, "_fivetran_deleted": False},
    {"id": "P2", "email": "b@example.jp", "crm_lead_fid": "00Q2"},  # a writer leaves an empty key out
]


def _dlt_folder(inbox: Path) -> Path:
    """Account Engagement's prospects as dlt lands them: a table folder of Parquet, beside dlt's own."""
    folder = inbox / "account_engagement"
    (folder / "prospect").mkdir(parents=True)
    (folder / "_dlt_loads").mkdir()
    (folder / "init").write_text("")
    with duckdb.connect() as con:
        con.execute(f"copy (select 'L' as load_id) to '{folder / '_dlt_loads' / 'L.parquet'}' (format parquet)")
        con.execute("copy (select * from (values ('P1', 'a@example.jp', '00Q1', null, '1778.1'), "
                    "('P2', 'b@example.jp', '00Q2', null, '1778.1')) t(id, email, crm_lead_fid, crm_contact_fid, _dlt_load_id)) "
                    f"to '{folder / 'prospect' / '1778.1.000000.parquet'}' (format parquet)")
    return folder


def test_a_dlt_folder_is_read_by_table_and_its_bookkeeping_is_neither_loaded_nor_reported(tmp_path):
    inbox = tmp_path / "inbox"
    _dlt_folder(inbox)
    found = discover([inbox], "source_links", entity_names(), shipped_formats())
    assert [(f.name, f.source.table.name) for f in found] == [("account_engagement/prospect/1778.1.000000.parquet", "prospect")]
    assert unmatched_files([inbox], entity_names(), shipped_formats()) == []


def test_a_cut_off_parquet_file_no_table_folder_names_is_reported_as_unreadable_not_as_unrecognised(tmp_path):
    inbox = tmp_path / "inbox"
    folder = _dlt_folder(inbox)
    whole = (folder / "prospect" / "1778.1.000000.parquet").read_bytes()
    (folder / "prospect.1778.2.parquet").write_bytes(whole[: len(whole) // 2])
    with duckdb.connect() as con:  # readable, but its columns are no table's
        con.execute(f"copy (select 1 as page, 'x' as note) to '{folder / 'notes.parquet'}' (format parquet)")
    assert unmatched_files([inbox], entity_names(), shipped_formats()) == [
        "account_engagement/notes.parquet (its header matches no account_engagement table; `iskpi source check` shows why)",
        "account_engagement/prospect.1778.2.parquet (could not be read as Parquet (a file cut off before its end, or damaged) "
        "and no table folder names it; let the EL tool land it again, or remove it)",
    ]


def test_a_json_lines_file_has_every_key_any_record_has(tmp_path):
    path = tmp_path / "prospect.jsonl.gz"
    path.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in PROSPECTS).encode()))
    with duckdb.connect() as con:
        assert columnar_columns(con, path) == ("id", "email", "crm_lead_fid", "crm_contact_fid", "_fivetran_deleted")


def test_landed_rows_are_the_format_s_rows_and_a_broken_landing_is_refused_by_name(tmp_path):
    inbox = tmp_path / "inbox"
    _dlt_folder(inbox)
    folder = inbox / "account_engagement" / "prospect"
    # a JSON Lines file cut off mid-record, and a Parquet file cut off before its footer (where its
    # columns are), as a copy that died would leave them
    (folder / "1778.2.000000.jsonl").write_text(json.dumps(PROSPECTS[0]) + '\n{"id": "P3", "email": "c@exa', encoding="utf-8")
    whole = (folder / "1778.1.000000.parquet").read_bytes()
    (folder / "1778.3.000000.parquet").write_bytes(whole[: len(whole) // 2])
    settings = replace(load_settings(tmp_path), formats=shipped_formats())
    now = datetime(2026, 4, 1, tzinfo=UTC)
    load_entity("reps", [], settings, now)
    load = load_entity("source_links", discover([inbox], "source_links", entity_names(), settings.formats), settings, now)
    outcomes = {o.file_name: o for o in load.outcomes}
    assert outcomes["account_engagement/prospect/1778.1.000000.parquet"].rows_loaded == 2
    broken = outcomes["account_engagement/prospect/1778.2.000000.jsonl"]
    assert broken.status == "rejected"
    assert broken.message == ("account_engagement/prospect/1778.2.000000.jsonl: could not be read as JSON Lines (a truncated file, "
                              "or a record that is not valid JSON); let the EL tool land it again, remove this one and rerun")
    assert "c@exa" not in broken.message
    cut_off = outcomes["account_engagement/prospect/1778.3.000000.parquet"]
    assert cut_off.status == "rejected"
    assert cut_off.message == ("account_engagement/prospect/1778.3.000000.parquet: could not be read as Parquet (a file cut off "
                               "before its end, or damaged); let the EL tool land it again, remove this one and rerun")
    with duckdb.connect(str(settings.work_db), read_only=True) as con:
        assert con.execute("select source_id, email from raw.source_links order by 1").fetchall() == [
            ("P1", "a@example.jp"), ("P2", "b@example.jp")]


def test_the_el_schemas_setting_names_a_format_and_its_schema():
    assert parse_el_schemas("salesforce=fivetran_salesforce, account_engagement") == [
        ElSource("salesforce", "fivetran_salesforce"), ElSource("account_engagement", "account_engagement")]
    assert parse_el_schemas(None) == []


def test_the_connection_string_comes_from_an_environment_variable_or_a_file_never_iskpi_yml(tmp_path, monkeypatch):
    monkeypatch.setenv("EL_DSN", "host=el dbname=fivetran user=iskpi password=secret")
    assert resolve_dsn("env:EL_DSN", tmp_path) == "host=el dbname=fivetran user=iskpi password=secret"
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "el.dsn").write_text("postgresql://iskpi:secret@el/fivetran\n")
    assert resolve_dsn("file:secrets/el.dsn", tmp_path) == "postgresql://iskpi:secret@el/fivetran"
    assert resolve_dsn("host=el dbname=fivetran user=iskpi", tmp_path) == "host=el dbname=fivetran user=iskpi"  # ~/.pgpass
    assert resolve_dsn(None, tmp_path) == ""  # the PG* environment
    for written_out in ("host=el password=secret", "postgresql://iskpi:secret@el/fivetran"):
        with pytest.raises(SourceUnavailable, match="holds a password: move the connection string") as refused:
            resolve_dsn(written_out, tmp_path)
        assert "secret" not in str(refused.value)
    with pytest.raises(SourceUnavailable, match="environment variable MISSING_DSN, which is not set"):
        resolve_dsn("env:MISSING_DSN", tmp_path)
    with pytest.raises(SourceUnavailable, match="cannot be read"):
        resolve_dsn("file:nowhere.dsn", tmp_path)
