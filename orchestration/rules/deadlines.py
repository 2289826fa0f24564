"""The methodology's deadlines (R5-R7, R11), evaluated in Asia/Almaty on the working calendar.

All instants are timezone-aware and converted with the tz database (``zoneinfo``), never a
fixed offset: Kazakhstan moved from UTC+6 to UTC+5 on 1 March 2024, so "the end of the 1st"
is 17:59:59 UTC before that date and 18:59:59 UTC after it. Naive datetimes are refused:
whether a registry was late must not depend on the clock of the machine that read it.

A deadline "by the end of day D" is the last representable instant of D, local time
(23:59:59.999999), and a submission is on time when ``submitted_at <= due_at``.

This module is pure: it does not import Dagster or dbt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from orchestration.rules.calendar import WorkingCalendar, calendar_for
from orchestration.settings import TIMEZONE

END_OF_DAY = time(23, 59, 59, 999999)
LETTER_WORKING_DAYS = 1  # R6, clause 8: the letter within 1 working day of finding the errors
CORRECTION_WORKING_DAYS = 3  # R7, clause 9: the correction within 3 working days of the letter
QUARTERLY_REPORT_DAY = 12  # R11, clause 12: by the 12th of the month after the quarter
FINAL_REPORT_MONTH_DAY = (12, 10)  # R11, clause 12: the final annual report by 10 December

_PERIOD = re.compile(r"(?P<year>\d{4})-(?:Q(?P<quarter>[1-4])|(?P<final>final))")


@dataclass(frozen=True)
class DeadlineSettings:
    """How R5 ("the registry for month M as of the 1st of M+1", clause 7) is applied.

    Defaults:
    - ``registry_cutoff = 23:59:59.999999``: a registry submitted at any time on the 1st
      is on time ("submitted by the end of the 1st"; digest, interpretation decisions).
    - ``move_to_next_working_day = False``: the 1st stays the due date even when it is a
      holiday or weekend. Clause 7 fixes the date the registry is *as of* (a snapshot of
      the operator's information system), not a period counted in days, and unlike
      clauses 8 and 9 it says nothing about working days. Moving it would also push every
      December registry past the New Year holidays (1 January is always a day off) and so
      change which data the report may use (R8). An agency that reads the general
      civil-law rule (a term ending on a non-working day ends on the next working day)
      into clause 7 sets this to True.
    - ``timezone = "Asia/Almaty"``: the agency's time zone (digest: deadlines in Almaty).
    """

    registry_cutoff: time = END_OF_DAY
    move_to_next_working_day: bool = False
    timezone: str = TIMEZONE

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


DEFAULT_SETTINGS = DeadlineSettings()


def local_date(instant: datetime, settings: DeadlineSettings = DEFAULT_SETTINGS) -> date:
    """The Almaty calendar date of an aware instant."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant!r}: attach a time zone before comparing deadlines")
    return instant.astimezone(settings.zone).date()


def end_of_day(d: date, settings: DeadlineSettings = DEFAULT_SETTINGS) -> datetime:
    """The last instant of ``d`` in the agency's time zone."""
    return datetime.combine(d, END_OF_DAY, tzinfo=settings.zone)


def registry_due_date(
    month: date,
    settings: DeadlineSettings = DEFAULT_SETTINGS,
    calendar: WorkingCalendar | None = None,
) -> date:
    """The day the registry for ``month`` (any date in it) is due: the 1st of the next month."""
    due = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    if settings.move_to_next_working_day:
        cal = calendar or calendar_for(due)
        if not cal.is_working_day(due):
            due = cal.next_working_day(due)
    return due


def registry_due_at(
    month: date,
    settings: DeadlineSettings = DEFAULT_SETTINGS,
    calendar: WorkingCalendar | None = None,
) -> datetime:
    """R5 (clause 7): the instant by which the registry for ``month`` must be submitted."""
    due = registry_due_date(month, settings, calendar)
    return datetime.combine(due, settings.registry_cutoff, tzinfo=settings.zone)


def is_on_time(
    submitted_at: datetime,
    month: date,
    settings: DeadlineSettings = DEFAULT_SETTINGS,
    calendar: WorkingCalendar | None = None,
) -> bool:
    """R5/R8: was the registry for ``month`` submitted by its deadline? (Late data is left out.)"""
    local_date(submitted_at, settings)  # refuses a naive datetime
    return submitted_at <= registry_due_at(month, settings, calendar)


def _working_days_after(
    instant: datetime, n: int, settings: DeadlineSettings, calendar: WorkingCalendar | None
) -> datetime:
    day = local_date(instant, settings)
    cal = calendar or calendar_for(day)
    return end_of_day(cal.add_working_days(day, n), settings)


def letter_due_at(
    received_at: datetime,
    settings: DeadlineSettings = DEFAULT_SETTINGS,
    calendar: WorkingCalendar | None = None,
) -> datetime:
    """R6 (clause 8): the end of the next working day after the registry was received.

    "Within 1 working day" counts from the day after receipt, so a registry received on
    Friday evening (or on a Saturday) may be answered until the end of the next working day.
    """
    return _working_days_after(received_at, LETTER_WORKING_DAYS, settings, calendar)


def correction_due_at(
    letter_sent_at: datetime,
    settings: DeadlineSettings = DEFAULT_SETTINGS,
    calendar: WorkingCalendar | None = None,
) -> datetime:
    """R7 (clause 9): the end of the 3rd working day after the letter was sent."""
    return _working_days_after(letter_sent_at, CORRECTION_WORKING_DAYS, settings, calendar)


def report_cutoff_at(
    last_month: date,
    settings: DeadlineSettings = DEFAULT_SETTINGS,
    calendar: WorkingCalendar | None = None,
) -> datetime:
    """The instant after which a reporting period ending with ``last_month`` is closed.

    A registry submitted at the very R5 deadline (clause 7) may draw a notification letter by
    the end of the next working day (R6, clause 8) and a correction within 3 working days of
    that letter (R7, clause 9). Once that correction deadline has passed, nothing more can
    lawfully enter the period's counts: the period is reportable with whatever was counted, and
    a month without an admissible registry stays in it with zero counted rows (clause 10).
    For the final report (November) in 2019: due 1 December (Sunday), 2 December is the day off
    moved from 1 December, the letter by 3 December, the correction by 6 December.
    """
    due = registry_due_at(last_month, settings, calendar)
    letter_due = letter_due_at(due, settings, calendar)
    return correction_due_at(letter_due, settings, calendar)


def report_due_date(period: str) -> date:
    """R11 (clause 12): when the report for ``period`` is due.

    ``'YYYY-Q1'``..``'YYYY-Q3'``: the 12th of the month after the quarter. ``'YYYY-final'``:
    10 December of that year (it covers Q4 with data as of 1 December, so there is no
    separate Q4 report and ``'YYYY-Q4'`` is refused). The dates are the regulation's as
    written, not moved off weekends: the clause fixes a calendar day.
    """
    match = _PERIOD.fullmatch(period)
    if match is None:
        raise ValueError(f"period {period!r}: expected 'YYYY-Q1'..'YYYY-Q3' or 'YYYY-final'")
    year = int(match["year"])
    if match["final"]:
        return date(year, *FINAL_REPORT_MONTH_DAY)
    quarter = int(match["quarter"])
    if quarter == 4:
        raise ValueError(f"period {period!r}: Q4 is reported in the final annual report, use '{year}-final'")
    return date(year, quarter * 3 + 1, QUARTERLY_REPORT_DAY)
