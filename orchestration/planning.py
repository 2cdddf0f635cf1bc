"""Planning formulas of SPEC §6 (逆算): the reverse plan, the pipeline plan and target suggestions.

Every required count is rounded up. Arithmetic is exact (fractions of the decimal inputs), so
0.1 is a tenth and 40 ÷ 0.1 is 400, not 400.00000000000006 rounded up to 401. The marts compute
the same plan per month in SQL (marts.kpi_plan); a test holds the two to the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction


def _exact(value: float | int | str) -> Fraction:
    return Fraction(str(value))


def required(count: float | Fraction, rate: float | Fraction) -> int:
    """How many are needed upstream for `count` downstream at `rate`, rounded up."""
    return math.ceil(_exact(count) / _exact(rate))


@dataclass(frozen=True)
class ReversePlan:
    wins: int
    meetings: int
    effective_contacts: int
    dials: int
    business_days: int | None = None

    @property
    def dials_per_business_day(self) -> int | None:
        return math.ceil(Fraction(self.dials, self.business_days)) if self.business_days else None


def reverse_plan(
    wins: int, win_rate: float, meeting_conversion_rate: float, connect_rate: float, business_days: int | None = None
) -> ReversePlan:
    """wins ÷ win rate = meetings; ÷ meeting conversion = effective contacts; ÷ connect rate
    (dials that become effective contacts) = dials, spread over the month's business days."""
    meetings = required(wins, win_rate)
    effective_contacts = required(meetings, meeting_conversion_rate)
    return ReversePlan(wins, meetings, effective_contacts, required(effective_contacts, connect_rate), business_days)


@dataclass(frozen=True)
class PipelinePlan:
    revenue: Fraction
    pipeline_amount: Fraction
    needed_by_quarter: str
    sqls: int
    sals: int
    qualification_calls: int


def shift_quarter(quarter: str, months: int) -> str:
    """`2025Q1` moved back `months` months: 6 → `2024Q3`."""
    year, q = int(quarter[:4]), int(quarter[-1])
    index = year * 4 + (q - 1) - math.ceil(months / 3)
    return f"{index // 4}Q{index % 4 + 1}"


def pipeline_plan(
    revenue: float, win_rate: float, avg_deal_size: float, sal_to_sql_rate: float, qc_per_sal: float,
    lead_time_months: int, quarter: str,
) -> PipelinePlan:
    """revenue ÷ win rate = pipeline, which must exist `lead_time_months` earlier; ÷ average deal
    = SQLs; ÷ SAL→SQL = SALs; × qualification calls per SAL = QCs."""
    pipeline = _exact(revenue) / _exact(win_rate)
    sqls = required(pipeline, avg_deal_size)
    sals = required(sqls, sal_to_sql_rate)
    return PipelinePlan(
        _exact(revenue), pipeline, shift_quarter(quarter, lead_time_months), sqls, sals,
        math.ceil(sals * _exact(qc_per_sal)),
    )
