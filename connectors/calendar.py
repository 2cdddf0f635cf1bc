"""The business-day calendar: weekends, Japanese public holidays from the maintained `holidays`
library, and the team's company holidays (mappings/company_holidays.csv in its workspace).

The warehouse's `marts.dim_date` is built from the same two sources (public holidays land in
raw.jp_public_holidays below); `iskpi plan` and the sample generator ask this module directly.
"""

from __future__ import annotations

import calendar
import csv
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import duckdb
import holidays
import pandas as pd

FIRST_YEAR = 2000  # nothing earlier passes the plausibility rules
COMPANY_HOLIDAYS_FILE = "company_holidays.csv"


def write_public_holidays(con: duckdb.DuckDBPyConnection, last_year: int) -> int:
    public = holidays.country_holidays("JP", years=range(FIRST_YEAR, last_year + 1), language="ja")
    frame = pd.DataFrame(sorted(public.items()), columns=["holiday_date", "name"])
    con.execute("create schema if not exists raw")
    con.execute("create or replace table raw.jp_public_holidays as select cast(holiday_date as date) as holiday_date, name from frame")
    return len(frame)


@cache
def _public_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("JP", years=year)


@dataclass(frozen=True)
class BusinessCalendar:
    company_holidays: frozenset[date]

    @classmethod
    def from_mappings(cls, mappings_dir: Path) -> BusinessCalendar:
        with (mappings_dir / COMPANY_HOLIDAYS_FILE).open(encoding="utf-8-sig", newline="") as stream:
            return cls(frozenset(date.fromisoformat(row["holiday_date"]) for row in csv.DictReader(stream)))

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in _public_holidays(day.year) and day not in self.company_holidays

    def business_days_between(self, first: date, last: date) -> list[date]:
        return [first + timedelta(days=i) for i in range((last - first).days + 1) if self.is_business_day(first + timedelta(days=i))]

    def business_days_in_month(self, year: int, month: int) -> int:
        first = date(year, month, 1)
        return len(self.business_days_between(first, first.replace(day=calendar.monthrange(year, month)[1])))
