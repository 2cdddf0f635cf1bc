"""Normal form of SPEC §3, as the SQL macros apply it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from connectors import normalize


def local(con, text):
    return con.execute("select iskpi_timestamp(iskpi_text(?)) at time zone 'Asia/Tokyo'", [text]).fetchone()[0]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-04-01 09:05:00", datetime(2026, 4, 1, 9, 5)),
        ("2026/04/01 9:05:00", datetime(2026, 4, 1, 9, 5)),
        ("2026/04/01 9:05", datetime(2026, 4, 1, 9, 5)),
        ("2026-04-01T00:05:00Z", datetime(2026, 4, 1, 9, 5)),
        ("2026-04-01T09:05:00+09:00", datetime(2026, 4, 1, 9, 5)),
        ("２０２６／０４／０１　９：０５", datetime(2026, 4, 1, 9, 5)),
        ("2026-03-31T23:30:00Z", datetime(2026, 4, 1, 8, 30)),  # the JST date line
        ("2026-04-01T14:05:00+14:00", datetime(2026, 4, 1, 9, 5)),  # Kiribati: the largest real offset
        ("2026-04-01T12:05:00-1200", datetime(2026, 4, 2, 9, 5)),
    ],
)
def test_timestamps_parse_to_the_same_local_instant(con, text, expected):
    assert local(con, text) == expected


# with an offset too: DuckDB's strptime over a list of formats would roll 30 February over to 2 March
@pytest.mark.parametrize("text", ["2026-02-30 10:00:00", "2026/13/01 10:00", "yesterday", "10:00",
                                  "2026-02-30T10:00:00Z", "2022-02-30 17:23:13.000000+00:00",
                                  # no real offset: DuckDB would move the time by days
                                  "2026-04-20T10:00:00+99:99", "2026-04-20T10:00:00+14:30", "2026-04-20T10:00:00-15:00",
                                  "2026-04-20T10:00:00+09:60"])
def test_impossible_timestamps_do_not_parse(con, text):
    assert local(con, text) is None


@pytest.mark.parametrize(
    "text, expected",
    [("true", True), ("1", True), ("yes", True), ("はい", True), ("○", True), ("ＴＲＵＥ", True),
     ("false", False), ("0", False), ("no", False), ("いいえ", False), ("×", False), ("maybe", None)],
)
def test_booleans_in_every_listed_spelling(con, text, expected):
    assert con.execute("select iskpi_boolean(iskpi_text(?))", [text]).fetchone()[0] is expected


def test_nfkc_full_width_and_ideographic_space(con):
    assert con.execute("select iskpi_text(?)", ["　ＡＢＣ㈱　１２３　"]).fetchone()[0] == "ABC(株) 123"
    assert con.execute("select iskpi_text(?)", ["　"]).fetchone()[0] is None


def test_numbers_dates_and_emails(con):
    row = con.execute(
        "select iskpi_integer(iskpi_text('1,234')), iskpi_integer('1.5'), iskpi_decimal(iskpi_text('１２３．５')),"
        " iskpi_date('2026/4/1'), iskpi_date('2026-04')"
    ).fetchone()
    assert row == (1234, None, Decimal("123.50"), date(2026, 4, 1), date(2026, 4, 1))
    email = normalize.typed_expression("email", "iskpi_text(?)")
    assert con.execute(f"select {email}", ["Ｙａｍａｄａ@Example.JP"]).fetchone()[0] == "yamada@example.jp"
