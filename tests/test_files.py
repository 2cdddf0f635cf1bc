"""Finding exports and reading Japanese encodings."""

from __future__ import annotations

import pytest

from connectors.contract import entity_names
from connectors.files import UnreadableFile, detect_encoding, entity_of, readable_copy

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
    readable = readable_copy(path, detected, tmp_path / "scratch")
    assert readable.read_text(encoding="utf-8-sig") == TEXT


def test_cp932_characters_shift_jis_lacks_survive(tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_bytes(TEXT.encode("cp932"))
    with pytest.raises(UnicodeEncodeError):
        TEXT.encode("shift_jis")
    assert "髙橋 ①㈱" in readable_copy(path, detect_encoding(path), tmp_path / "s").read_text(encoding="utf-8")


def test_utf16_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text(TEXT, encoding="utf-16")
    with pytest.raises(UnreadableFile, match="calls.csv: the file is UTF-16; save it as UTF-8"):
        detect_encoding(path)
