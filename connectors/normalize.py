"""Normal form of SPEC §3, pushed down into DuckDB as SQL macros.

Registered per connection (temporary), so nothing in the database file depends on Python.
NFKC is the one step DuckDB lacks; it runs as a vectorised Arrow UDF (pyarrow's C++
`utf8_normalize`), a batch at a time, never a Python loop over rows. Phone numbers go to
E.164 through Google's libphonenumber rules (`phonenumbers`): a batch's distinct numbers are
formatted once each and cached across batches, then mapped back with Arrow kernels.
"""

from __future__ import annotations

from functools import lru_cache

import duckdb
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from duckdb import sqltypes

from connectors.sql import literal

# Trimmed from both ends of every text value (after NFKC, which already made 全角スペース and
# the other Unicode spaces a plain space): spaces, tabs, line breaks and separator controls.
TRIMMED = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u1680\u2028\u2029"

ASCII_TRIMMED = "".join(c for c in TRIMMED if c.isascii())
_TRIMMED_CLASS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in TRIMMED) + "]"
TRIM_PATTERN = f"^{_TRIMMED_CLASS}+|{_TRIMMED_CLASS}+$"

TRUE_WORDS = ("true", "t", "1", "yes", "y", "はい", "○", "◯", "有")
FALSE_WORDS = ("false", "f", "0", "no", "n", "いいえ", "×", "✕", "無")

# Naive local times as Japanese exports write them; an offset or `Z` selects OFFSET_FORMATS.
LOCAL_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y/%m/%d %H:%M:%S.%f",
)
OFFSET_FORMATS = ("%Y-%m-%d %H:%M:%S%z", "%Y-%m-%d %H:%M:%S.%f%z", "%Y-%m-%d %H:%M%z", "%Y/%m/%d %H:%M:%S%z")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y-%m", "%Y/%m")

# Japanese eras: year N of an era is base + N (元年 = 1). Fixed by law, not a user mapping.
ERA_BASE_YEARS = {"令和": 2018, "平成": 1988, "昭和": 1925}
# 令和8年4月1日 [9:05[:00]] — after NFKC, so digits are ASCII
ERA_DATE_PATTERN = "^(" + "|".join(ERA_BASE_YEARS) + r")(元|\d{1,2})年(\d{1,2})月(\d{1,2})日\s*(.*)$"

# Numbers without a country code are read as this region's (SPEC: Japanese exports).
PHONE_REGION = "JP"


def _nfkc(values):
    return pc.utf8_normalize(values, form="NFKC")


@lru_cache(maxsize=1_000_000)
def e164(text: str) -> str | None:
    """`03(1234)5678`, `+81 3-1234-5678`, `090-1234-5678` → `+81312345678`…; None if it cannot
    be a phone number."""
    try:
        number = phonenumbers.parse(text, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# libphonenumber refuses longer input anyway; checked first so a 10 MB field never enters the cache
MAX_PHONE_CHARS = 250


# Japanese numbers written in full, `+81312345678` or `03-1234-5678` / `(03)1234-5678`: what
# libphonenumber makes of them (+81 and the national number without its 0, 9 or 10 digits), in
# Arrow kernels. 010 is the international prefix, so 010… is left to the library, as is everything
# else. tests/test_normalize_properties.py holds this to e164() itself.
JP_SEPARATORS = r"[-() ]"
JP_INTERNATIONAL = r"^\+81[1-9]\d{8,9}$"
JP_DOMESTIC = r"^0[1-9]\d{8,9}$"


def jp_e164_fast(values: pa.Array) -> pa.Array:
    """E.164 of the values in a form above, null for the rest."""
    compact = pc.replace_substring_regex(values, JP_SEPARATORS, "")
    international = pc.match_substring_regex(compact, JP_INTERNATIONAL)
    domestic = pc.and_(pc.match_substring_regex(compact, JP_DOMESTIC), pc.invert(pc.starts_with(compact, "010")))
    from_domestic = pc.binary_join_element_wise("+81", pc.utf8_slice_codeunits(compact, 1), "")
    return pc.if_else(international, compact, pc.if_else(domestic, from_domestic, pa.scalar(None, pa.string())))


def _e164(values):
    distinct = pc.unique(values)
    fast = jp_e164_fast(distinct)
    slow = pc.and_(pc.is_null(fast), pc.is_valid(distinct))
    others = pc.filter(distinct, slow)
    formatted = pa.array([None if len(v) > MAX_PHONE_CHARS else e164(v) for v in others.to_pylist()], type=pa.string())
    # scatter the library's answers into the fast path's gaps
    merged = pc.replace_with_mask(fast, slow, formatted) if len(formatted) else fast
    return pc.take(merged, pc.index_in(values, value_set=distinct))


def _sql_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(literal(value) for value in values) + "]"


def install(con: duckdb.DuckDBPyConnection, business_time_zone: str) -> None:
    """Make `iskpi_text`, `iskpi_timestamp`, `iskpi_date`, `iskpi_integer`, `iskpi_decimal`
    and `iskpi_boolean` available on this connection."""
    con.create_function("iskpi_nfkc", _nfkc, [sqltypes.VARCHAR], sqltypes.VARCHAR, type="arrow")
    con.create_function("iskpi_e164", _e164, [sqltypes.VARCHAR], sqltypes.VARCHAR, type="arrow", null_handling="special")
    tz = business_time_zone.replace("'", "''")
    era_years = " ".join(f"when {literal(era)} then {base}" for era, base in ERA_BASE_YEARS.items())
    era = literal(ERA_DATE_PATTERN)
    con.execute(
        f"""
        -- ASCII is NFKC already (bytes = characters): only the rest goes through the UDF; trimmed by
        -- a regular expression, which DuckDB runs ~5x faster than trim() with a character list, and
        -- only where there can be something to trim: most values are ASCII that starts and ends
        -- with a printable character, returned as they are (landing a file takes a third less)
        create or replace temp macro iskpi_text(s) as nullif(
            case when strlen(s) = length(s) and not contains({literal(ASCII_TRIMMED)}, s[1]) and not contains({literal(ASCII_TRIMMED)}, s[-1])
                then s
                else regexp_replace(case when strlen(s) = length(s) then s else iskpi_nfkc(s) end, {literal(TRIM_PATTERN)}, '', 'g')
            end, '');
        -- 令和8年4月1日 9:05 → 2026/04/01 9:05; anything else unchanged. A macro's argument is
        -- pasted in wherever it is named, and binding grows with every copy (iskpi_timestamp over
        -- iskpi_text once took 0.7 s to bind): a one-element list's lambda names a value bound once.
        create or replace temp macro iskpi_gregorian(s) as
            case when regexp_matches(s, {era}) then
                list_transform([regexp_extract(s, {era}, ['era', 'year', 'month', 'day', 'time'])], p ->
                    printf('%04d/%02d/%02d %s',
                        (case p.era {era_years} end) + (case p.year when '元' then 1 else cast(p.year as integer) end),
                        cast(p.month as integer), cast(p.day as integer), p.time).trim())[1]
            else s end;
        -- date and time separated by one space; a trailing Z is an explicit UTC offset
        create or replace temp macro iskpi_ts_text(s) as
            regexp_replace(regexp_replace(iskpi_gregorian(s), '^(\\d{{4}}[-/]\\d{{1,2}}[-/]\\d{{1,2}})[T ]+', '\\1 '), 'Z$', '+00:00');
        -- the two commonest spellings first, parsed directly; the rest (offsets, eras, T) after
        create or replace temp macro iskpi_timestamp(s) as coalesce(
            timezone('{tz}', try_strptime(s, {literal(LOCAL_FORMATS[0])})),
            timezone('{tz}', try_strptime(s, {literal(LOCAL_FORMATS[1])})),
            list_transform([iskpi_ts_text(s)], t -> case
                -- DuckDB's strptime with a list of formats and an offset rolls 30 February over to
                -- 2 March: the date part must be a real date on its own. It also takes +99:99 and
                -- moves the time by four days: an offset is a real one (±14:00 at most) or nothing.
                when regexp_matches(t, '[+-]\\d{{2}}:?\\d{{2}}$')
                    then case when try_strptime(regexp_extract(t, '^\\d{{4}}[-/]\\d{{1,2}}[-/]\\d{{1,2}}'), {_sql_list(DATE_FORMATS)}) is not null
                               and regexp_matches(t, '[+-]((0\\d|1[0-3]):?[0-5]\\d|14:?00)$')
                              then try_strptime(t, {_sql_list(OFFSET_FORMATS)}) end
                else timezone('{tz}', try_strptime(t, {_sql_list(LOCAL_FORMATS)}))
            end)[1]);
        create or replace temp macro iskpi_date(s) as coalesce(
            cast(try_strptime(s, {literal(DATE_FORMATS[0])}) as date),
            cast(try_strptime(iskpi_gregorian(s), {_sql_list(DATE_FORMATS)}) as date));
        -- a cast alone would round '1.5' to 2: an integer column takes whole numbers only
        create or replace temp macro iskpi_integer(s) as
            case when regexp_matches(replace(s, ',', ''), '^[+-]?\\d+$') then try_cast(replace(s, ',', '') as bigint) end;
        -- six decimals: amounts, and rate targets such as a 5.5% meeting conversion (0.055)
        -- through decimal(18, 6) first: DuckDB parses text into a wider (128-bit) decimal ~50x slower,
        -- and every amount below 10^12 fits the narrow one exactly
        create or replace temp macro iskpi_decimal(s) as cast(coalesce(
            try_cast(replace(s, ',', '') as decimal(18, 6)), try_cast(replace(s, ',', '') as {SQL_TYPES["decimal"]})
        ) as {SQL_TYPES["decimal"]});
        create or replace temp macro iskpi_boolean(s) as
            case
                when lower(s) in {tuple(TRUE_WORDS)} then true
                when lower(s) in {tuple(FALSE_WORDS)} then false
            end;
        """
    )


def typed_expression(column_type: str, text: str) -> str:
    """SQL turning the normalised text expression `text` into a value of the contract type."""
    return {
        "text": text,
        "code": text,
        "email": f"lower({text})",
        "phone": f"iskpi_e164({text})",
        "timestamp": f"iskpi_timestamp({text})",
        "date": f"iskpi_date({text})",
        "integer": f"iskpi_integer({text})",
        "decimal": f"iskpi_decimal({text})",
        "boolean": f"iskpi_boolean({text})",
    }[column_type]


SQL_TYPES = {
    "text": "varchar",
    "code": "varchar",
    "email": "varchar",
    "phone": "varchar",
    "timestamp": "timestamptz",
    "date": "date",
    "integer": "bigint",
    "decimal": "decimal(24, 6)",
    "boolean": "boolean",
}
