"""The business-day calendar: weekends, Japanese public holidays from the maintained `holidays`
library, and company holidays from dbt_project/seeds/company_holidays.csv (user data).

The warehouse's `marts.dim_date` is built from the same two sources (public holidays land in
raw.jp_public_holidays below); `iskpi plan` asks this module directly, so it needs no warehouse.
"""

from __future__ import annotations

import calendar
import csv
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import duckdb
import holidays
import pandas as pd

FIRST_YEAR = 2000  # nothing earlier passes the plausibility rules
COMPANY_HOLIDAYS_CSV = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "company_holidays.csv"


def write_public_holidays(con: duckdb.DuckDBPyConnection, last_year: int) -> int:
    public = holidays.country_holidays("JP", years=range(FIRST_YEAR, last_year + 1), language="ja")
    frame = pd.DataFrame(sorted(public.items()), columns=["holiday_date", "name"])
    con.execute("create schema if not exists raw")
    con.execute("create or replace table raw.jp_public_holidays as select cast(holiday_date as date) as holiday_date, name from frame")
    return len(frame)


@cache
def company_holidays(path: Path = COMPANY_HOLIDAYS_CSV) -> frozenset[date]:
    with path.open(encoding="utf-8", newline="") as stream:
        return frozenset(date.fromisoformat(row["holiday_date"]) for row in csv.DictReader(stream))


@cache
def _public_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("JP", years=year)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _public_holidays(day.year) and day not in company_holidays()


def business_days_in_month(year: int, month: int) -> int:
    first = date(year, month, 1)
    return sum(is_business_day(first + timedelta(days=i)) for i in range(calendar.monthrange(year, month)[1]))
