"""Japanese public holidays from the maintained `holidays` library, into raw.jp_public_holidays.

Company holidays are user data (dbt_project/seeds/company_holidays.csv); public holidays change
by law, so they come from the library rather than a hand-kept list.
"""

from __future__ import annotations

import duckdb
import holidays
import pandas as pd

FIRST_YEAR = 2000  # nothing earlier passes the plausibility rules


def write_public_holidays(con: duckdb.DuckDBPyConnection, last_year: int) -> int:
    calendar = holidays.country_holidays("JP", years=range(FIRST_YEAR, last_year + 1), language="ja")
    frame = pd.DataFrame(sorted(calendar.items()), columns=["holiday_date", "name"])
    con.execute("create schema if not exists raw")
    con.execute("create or replace table raw.jp_public_holidays as select cast(holiday_date as date) as holiday_date, name from frame")
    return len(frame)
