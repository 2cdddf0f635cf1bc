"""Normal form of SPEC §3, pushed down into DuckDB as SQL macros.

Registered per connection (temporary), so nothing in the database file depends on Python.
NFKC is the one step DuckDB lacks; it runs as a vectorised Arrow UDF (pyarrow's C++
`utf8_normalize`), a batch at a time, never a Python loop over rows.
"""

from __future__ import annotations

import duckdb
import pyarrow.compute as pc
from duckdb import sqltypes

from connectors.sql import literal

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


def _nfkc(values):
    return pc.utf8_normalize(values, form="NFKC")


def _sql_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(literal(value) for value in values) + "]"


def install(con: duckdb.DuckDBPyConnection, business_time_zone: str) -> None:
    """Make `iskpi_text`, `iskpi_timestamp`, `iskpi_date`, `iskpi_integer`, `iskpi_decimal`
    and `iskpi_boolean` available on this connection."""
    con.create_function("iskpi_nfkc", _nfkc, [sqltypes.VARCHAR], sqltypes.VARCHAR, type="arrow")
    tz = business_time_zone.replace("'", "''")
    con.execute(
        f"""
        create or replace temp macro iskpi_text(s) as nullif(trim(iskpi_nfkc(s)), '');
        -- date and time separated by one space; a trailing Z is an explicit UTC offset
        create or replace temp macro iskpi_ts_text(s) as
            regexp_replace(regexp_replace(s, '^(\\d{{4}}[-/]\\d{{1,2}}[-/]\\d{{1,2}})[T ]+', '\\1 '), 'Z$', '+00:00');
        create or replace temp macro iskpi_timestamp(s) as
            case
                when regexp_matches(iskpi_ts_text(s), '[+-]\\d{{2}}:?\\d{{2}}$')
                    then try_strptime(iskpi_ts_text(s), {_sql_list(OFFSET_FORMATS)})
                else timezone('{tz}', try_strptime(iskpi_ts_text(s), {_sql_list(LOCAL_FORMATS)}))
            end;
        create or replace temp macro iskpi_date(s) as
            cast(try_strptime(s, {_sql_list(DATE_FORMATS)}) as date);
        -- a cast alone would round '1.5' to 2: an integer column takes whole numbers only
        create or replace temp macro iskpi_integer(s) as
            case when regexp_matches(replace(s, ',', ''), '^[+-]?\d+$') then try_cast(replace(s, ',', '') as bigint) end;
        create or replace temp macro iskpi_decimal(s) as try_cast(replace(s, ',', '') as decimal(18, 2));
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
        "email": f"lower({text})",
        "timestamp": f"iskpi_timestamp({text})",
        "date": f"iskpi_date({text})",
        "integer": f"iskpi_integer({text})",
        "decimal": f"iskpi_decimal({text})",
        "boolean": f"iskpi_boolean({text})",
    }[column_type]


SQL_TYPES = {
    "text": "varchar",
    "email": "varchar",
    "timestamp": "timestamptz",
    "date": "date",
    "integer": "bigint",
    "decimal": "decimal(18, 2)",
    "boolean": "boolean",
}
