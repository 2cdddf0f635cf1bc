"""Finding exports and reading Japanese encodings."""

from __future__ import annotations

from datetime import UTC

import pytest

from connectors.contract import entity_names
from connectors.files import (
    UTF8_WITH_UNDECODABLE_LINES,
    UnreadableFile,
    detect_encoding,
    discover,
    entity_of,
    file_stamp,
    mixed_line_ends,
    readable_copy,
    sha256_of,
    unmatched_files,
)

TEXT = "rep_id,rep_name\nR1,髙橋 ①㈱\n"


@pytest.mark.parametrize(
    "name, entity",
    [("calls.csv", "calls"), ("calls_20260401.csv", "calls"), ("CALLS_x.CSV", "calls"),
     ("lead_status_history_1.csv", "lead_status_history"), ("leads_2.csv", "leads"),
     ("callsheet.csv", None), ("calls.xlsx", None), ("notes.txt", None)],
)
def test_entity_of(name, entity):
    assert entity_of(name, entity_names()) == entity


@pytest.mark.parametrize("encoding, detected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp932", "cp932")])
def test_encodings_are_detected_and_made_readable(tmp_path, encoding, detected):
    path = tmp_path / "reps.csv"
    path.write_text(TEXT, encoding=encoding)
    assert detect_encoding(path) == detected
    readable = readable_copy(path, detected, tmp_path / "scratch", file_id=1)
    assert readable.read_text(encoding="utf-8-sig") == TEXT


def test_cp932_characters_shift_jis_lacks_survive(tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_bytes(TEXT.encode("cp932"))
    with pytest.raises(UnicodeEncodeError):
        TEXT.encode("shift_jis")
    assert "髙橋 ①㈱" in readable_copy(path, detect_encoding(path), tmp_path / "s", file_id=1).read_text(encoding="utf-8")


def test_a_utf8_file_with_one_stray_byte_is_utf8_not_cp932(tmp_path):
    """Japanese UTF-8 bytes also decode as CP932: one bad byte must not turn the file into mojibake."""
    path = tmp_path / "reps_fix.csv"
    lines = [f"R00{i},田中 営業,is,東京SDR,sdr" for i in range(1, 6)]
    path.write_bytes(("rep_id,rep_name,department,team,role\n" + "\n".join(lines) + "\n").encode() + b"R009,\xb0,is,x,sdr\n")
    encoding = detect_encoding(path)
    assert encoding == UTF8_WITH_UNDECODABLE_LINES
    text = readable_copy(path, encoding, tmp_path / "scratch", file_id=1).read_text(encoding="utf-8")
    assert "田中 営業,is,東京SDR" in text and "逕ー" not in text
    assert text.splitlines()[-1] == "R009,\ufffd,is,x,sdr"


def test_a_cp932_file_with_a_line_that_happens_to_be_utf8_stays_cp932(tmp_path):
    """Half-width katakana pairs can form valid UTF-8: a minority of such lines does not flip a CP932 file."""
    path = tmp_path / "reps.csv"
    path.write_bytes("rep_id,rep_name\nR1,髙橋 ①㈱\nR2,山田\nR3,ﾃｽ\n".encode("cp932"))
    assert detect_encoding(path) == "cp932"


@pytest.mark.parametrize("encoding, detected", [("utf-16", "utf-16"), ("utf-16-le", "utf-16-le"), ("utf-16-be", "utf-16-be")])
def test_utf16_with_or_without_its_bom_is_read(tmp_path, encoding, detected):
    path = tmp_path / "reps.csv"
    path.write_text(TEXT, encoding=encoding)
    assert detect_encoding(path) == detected
    assert readable_copy(path, detected, tmp_path / "scratch", file_id=1).read_text(encoding="utf-8") == TEXT


def test_utf32_is_refused_by_its_name(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text(TEXT, encoding="utf-32")
    with pytest.raises(UnreadableFile, match="calls.csv: the file is UTF-32; save it as UTF-8"):
        detect_encoding(path)


def test_mixed_line_ends_are_found_and_made_one(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_bytes(b"a,b\r\n1,2\n3,4\r5,6\r\n")
    assert mixed_line_ends(path)
    assert readable_copy(path, "utf-8", tmp_path / "s", file_id=1, one_line_end=True).read_bytes() == b"a,b\n1,2\n3,4\n5,6\n"
    path.write_bytes(b"a,b\r\n1,2\r\n")
    assert not mixed_line_ends(path)


@pytest.mark.parametrize("name", ["calls_[1].csv", "calls_*.csv", "calls_?.csv", "calls_[修正版].csv"])
def test_a_name_duckdb_would_read_as_a_glob_is_read_as_itself(tmp_path, name):
    import duckdb

    (tmp_path / "calls_1.csv").write_text("call_id\nOTHER\n", encoding="utf-8")
    path = tmp_path / name
    path.write_text("call_id\nMINE\n", encoding="utf-8")
    readable = readable_copy(path, "utf-8", tmp_path / "scratch", file_id=7)
    assert readable != path and readable.parent == tmp_path / "scratch"
    assert duckdb.sql(f"select call_id from read_csv('{readable}')").fetchall() == [("MINE",)]


def test_files_load_oldest_export_first_whatever_their_names(tmp_path):
    import os

    for name, age in (("reps.csv", 10), ("reps_old.csv", 200), ("reps_20260501.csv", 100)):
        (tmp_path / name).write_text("rep_id\nR1\n" + name, encoding="utf-8")
        os.utime(tmp_path / name, (0, 1_800_000_000 - age))
    found = discover([tmp_path], "reps", entity_names())
    assert [f.name for f in found] == ["reps_old.csv", "reps_20260501.csv", "reps.csv"]


def test_a_file_seen_before_is_not_read_again_and_one_copied_again_is(tmp_path, monkeypatch):
    """The inbox keeps every night's exports: a night hashes only the files it has not seen with
    this size and modification time (the digests the ingest keeps in audit.file_digests)."""
    import os

    import connectors.files

    old, new = tmp_path / "reps.csv", tmp_path / "reps_20260502.csv"
    old.write_text("rep_id\nR1\n", encoding="utf-8")
    new.write_text("rep_id\nR2\n", encoding="utf-8")
    known = {file_stamp(old): sha256_of(old)}
    hashed = []
    monkeypatch.setattr(connectors.files, "sha256_of", lambda path: hashed.append(path.name) or sha256_of(path))
    found = discover([tmp_path], "reps", entity_names(), known_digests=known)
    assert hashed == ["reps_20260502.csv"] and {f.path.name: f.sha256 for f in found}[old.name] == known[file_stamp(old)]
    os.utime(old, ns=(old.stat().st_atime_ns, old.stat().st_mtime_ns + 1_000_000))  # copied again
    hashed.clear()
    discover([tmp_path], "reps", entity_names(), known_digests=known)
    assert sorted(hashed) == ["reps.csv", "reps_20260502.csv"]


def test_files_of_no_table_and_links_are_reported_not_loaded(tmp_path):
    (tmp_path / "calls-20260401.csv").write_text("x\n", encoding="utf-8")
    (tmp_path / "calls.csv").write_text("x\n", encoding="utf-8")
    secret = tmp_path.parent / f"{tmp_path.name}-secret.env"
    secret.write_text("DATABASE_URL=postgres://user:pass@host/db\n", encoding="utf-8")
    (tmp_path / "reps_x.csv").symlink_to(secret)
    assert [f.name for f in discover([tmp_path], "reps", entity_names())] == []
    assert unmatched_files([tmp_path], entity_names()) == ["calls-20260401.csv", "reps_x.csv (a symbolic link)"]


def test_mappings_saved_as_cp932_are_rewritten_as_utf8_and_others_refused_by_name(tmp_path):
    from orchestration.workspace import WorkspaceError, init_workspace

    workspace = init_workspace(tmp_path / "ws")
    channels = workspace.mappings_dir / "channels.csv"
    text = channels.read_text(encoding="utf-8-sig")
    channels.write_bytes(text.encode("cp932"))
    (notes,) = workspace.mappings_in_utf8()
    assert "channels.csv" in notes and "Shift_JIS" in notes
    assert channels.read_text(encoding="utf-8-sig") == text
    assert workspace.mappings_in_utf8() == []  # once UTF-8, left alone
    channels.write_bytes(text.encode("utf-8") + b"x,\xff\xfe\n" * 40)
    with pytest.raises(WorkspaceError, match="channels.csv: .*CSV UTF-8"):
        workspace.mappings_in_utf8()


def test_a_file_name_that_is_not_utf8_is_loaded_and_named_printably(tmp_path):
    """A Shift_JIS name unzipped on Linux: Python holds its bytes as surrogates, which DuckDB, the
    audit and every message refused (`surrogates not allowed`), so nothing published until renamed."""
    import os
    from datetime import datetime

    import duckdb
    from workspaces import load_settings

    from orchestration.ingest.loading import load_entity

    settings = load_settings(tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    reps = inbox / os.fsdecode(b"reps_" + "修正".encode("cp932") + b".csv")
    reps.write_text("rep_id,rep_name,department,role\nR1,山田,is,sdr\n", encoding="utf-8")
    odd = inbox / os.fsdecode(b"reps_\xff\xfe.csv")
    odd.write_text("rep_id,rep_name,department,role\nR2,佐藤,is,sdr\n", encoding="utf-8")
    found = discover([inbox], "reps", entity_names())
    assert sorted(f.name for f in found) == ["reps_\\xff\\xfe.csv", "reps_修正.csv"]
    load = load_entity("reps", found, settings, datetime(2026, 4, 1, tzinfo=UTC))
    assert [o.status for o in load.outcomes] == ["loaded", "loaded"]
    with duckdb.connect(str(settings.work_db), read_only=True) as con:
        assert sorted(r for (r,) in con.execute("select file_name from audit.load_files").fetchall()) == sorted(f.name for f in found)
        assert con.execute("select count(*) from raw.reps").fetchone()[0] == 2
