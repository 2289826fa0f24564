"""Reporting periods: '2019-Q1' … '2019-Q3' and '2019-final' as date ranges.

Clause 12 (R11) fixes the reports: one per calendar quarter for Q1–Q3 and a final annual
report whose fourth "quarter" runs from 1 October to 30 November, because the final report
is built on data as of 1 December (the November registry). Every report shows the quarter
and the year to date, and compares the quarter with the previous one; the marts hold rows
for exactly these ranges, so the report selects them by their dates and computes none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_PERIOD = re.compile(r"(?P<year>\d{4})-(?:Q(?P<quarter>[1-3])|(?P<final>final))")
FINAL_LAST_MONTH = 11  # clause 12: the final report uses data as of 1 December, i.e. through November


@dataclass(frozen=True)
class DateRange:
    """An inclusive range of dates, as the marts' period_start/period_end hold it."""

    start: date
    end: date

    @property
    def months(self) -> list[date]:
        """First days of the calendar months the range covers, in order."""
        months: list[date] = []
        current = self.start.replace(day=1)
        while current <= self.end:
            months.append(current)
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
        return months


@dataclass(frozen=True)
class ReportingPeriod:
    """One report: its name, its quarter, its year to date and the quarter before it."""

    name: str
    year: int
    quarter_number: int  # 1..4; 4 only in the final report
    quarter: DateRange
    year_to_date: DateRange
    previous_quarter: DateRange | None  # None for Q1: the previous year is not in this year's marts

    @property
    def is_final(self) -> bool:
        return self.quarter_number == 4

    @property
    def quarter_is_year_to_date(self) -> bool:
        """Q1: the quarter and the year to date are the same range, so one column suffices."""
        return self.quarter == self.year_to_date


def quarter_range(year: int, quarter_number: int) -> DateRange:
    """The reported range of a quarter; the fourth ends on 30 November (clause 12)."""
    if not 1 <= quarter_number <= 4:
        raise ValueError(f"quarter {quarter_number}: expected 1..4")
    first_month = 3 * (quarter_number - 1) + 1
    last_month = FINAL_LAST_MONTH if quarter_number == 4 else first_month + 2
    return DateRange(date(year, first_month, 1), _month_end(year, last_month))


def parse_period(name: str) -> ReportingPeriod:
    """'2019-Q2' → April–June and January–June 2019; '2019-final' → October–November and January–November."""
    match = _PERIOD.fullmatch(name)
    if match is None:
        raise ValueError(f"period {name!r}: expected 'YYYY-Q1', 'YYYY-Q2', 'YYYY-Q3' or 'YYYY-final'")
    year = int(match["year"])
    number = 4 if match["final"] else int(match["quarter"])
    quarter = quarter_range(year, number)
    return ReportingPeriod(
        name=name,
        year=year,
        quarter_number=number,
        quarter=quarter,
        year_to_date=DateRange(date(year, 1, 1), quarter.end),
        previous_quarter=quarter_range(year, number - 1) if number > 1 else None,
    )


def _month_end(year: int, month: int) -> date:
    next_month = date(year + month // 12, month % 12 + 1, 1)
    return next_month - timedelta(days=1)
