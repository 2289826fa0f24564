"""Deadlines of R5-R7 and R11 on real dates, in Asia/Almaty across the 2024 offset change."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from orchestration.rules.deadlines import (
    DeadlineSettings,
    correction_due_at,
    is_on_time,
    letter_due_at,
    registry_due_at,
    registry_due_date,
    report_due_date,
)

ALMATY = ZoneInfo("Asia/Almaty")


def tz(hours: int) -> timezone:
    return timezone(timedelta(hours=hours))


def end_of(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 23, 59, 59, 999999, tzinfo=ALMATY)


def test_registry_due_at_end_of_the_first_of_next_month() -> None:
    assert registry_due_at(date(2019, 1, 1)) == end_of(date(2019, 2, 1))
    assert registry_due_at(date(2019, 1, 31)) == end_of(date(2019, 2, 1))
    assert registry_due_at(date(2019, 12, 15)) == end_of(date(2020, 1, 1))


def test_due_instant_follows_the_2024_offset_change() -> None:
    # Before 1 March 2024 Almaty was UTC+6, from then UTC+5.
    jan = registry_due_at(date(2024, 1, 1))
    feb = registry_due_at(date(2024, 2, 1))
    assert jan.utcoffset() == timedelta(hours=6)
    assert feb.utcoffset() == timedelta(hours=5)
    assert jan.astimezone(UTC) == datetime(2024, 2, 1, 17, 59, 59, 999999, tzinfo=UTC)
    assert feb.astimezone(UTC) == datetime(2024, 3, 1, 18, 59, 59, 999999, tzinfo=UTC)


def test_on_time_across_the_offset_change() -> None:
    february_2024 = date(2024, 2, 1)
    # 23:30 on 1 March local (UTC+5): on time.
    assert is_on_time(datetime(2024, 3, 1, 23, 30, tzinfo=tz(5)), february_2024)
    # Stamped with the old +06:00 offset, 00:30 on the 2nd is 23:30 on the 1st in Almaty:
    # on time, though a fixed UTC+6 reading would call it late.
    assert is_on_time(datetime(2024, 3, 2, 0, 30, tzinfo=tz(6)), february_2024)
    assert not is_on_time(datetime(2024, 3, 2, 0, 30, tzinfo=tz(5)), february_2024)
    # In 2019 Almaty was UTC+6: 23:30+05:00 on the 1st is 00:30 on the 2nd, late.
    assert not is_on_time(datetime(2019, 2, 1, 23, 30, tzinfo=tz(5)), date(2019, 1, 1))
    assert is_on_time(datetime(2019, 2, 1, 23, 30, tzinfo=tz(6)), date(2019, 1, 1))


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        is_on_time(datetime(2024, 3, 1, 12, 0), date(2024, 2, 1))
    with pytest.raises(ValueError, match="naive"):
        letter_due_at(datetime(2024, 3, 1, 12, 0))


def test_cutoff_and_moving_the_due_date_are_settings() -> None:
    # Default: 1 January is the due date although it is a holiday.
    assert registry_due_date(date(2024, 12, 1)) == date(2025, 1, 1)
    moved = DeadlineSettings(move_to_next_working_day=True)
    # 1-2 Jan holidays, 3 Jan moved day off, Sat 4 off, Sun 5 Jan 2025 worked.
    assert registry_due_date(date(2024, 12, 1), moved) == date(2025, 1, 5)
    # 1 March 2025 was a Saturday -> Monday 3 March.
    assert registry_due_date(date(2025, 2, 1), moved) == date(2025, 3, 3)
    # A working 1st does not move: Friday 1 March 2024.
    assert registry_due_date(date(2024, 2, 1), moved) == date(2024, 3, 1)

    six_pm = DeadlineSettings(registry_cutoff=time(18, 0))
    assert registry_due_at(date(2024, 2, 1), six_pm) == datetime(2024, 3, 1, 18, 0, tzinfo=ALMATY)
    assert not is_on_time(datetime(2024, 3, 1, 18, 30, tzinfo=ALMATY), date(2024, 2, 1), six_pm)


@pytest.mark.parametrize(
    ("received_at", "due"),
    [
        # Thursday 20 March 2025, before Nauryz: next working day is Wednesday 26 March.
        (datetime(2025, 3, 20, 15, 0, tzinfo=ALMATY), date(2025, 3, 26)),
        # Friday 3 May 2024: Saturday 4 May was a working day.
        (datetime(2024, 5, 3, 17, 0, tzinfo=ALMATY), date(2024, 5, 4)),
        # Received on Saturday 11 May 2024 (a day off): Monday 13 May.
        (datetime(2024, 5, 11, 10, 0, tzinfo=ALMATY), date(2024, 5, 13)),
        # 19:30 UTC on Thu 2 May 2024 is 00:30 on Fri 3 May in Almaty: the Almaty date counts.
        (datetime(2024, 5, 2, 19, 30, tzinfo=UTC), date(2024, 5, 4)),
        # Friday 13 December 2019: 16 and 17 December holidays -> Wednesday 18.
        (datetime(2019, 12, 13, 9, 0, tzinfo=ALMATY), date(2019, 12, 18)),
    ],
)
def test_letter_due_at(received_at: datetime, due: date) -> None:
    assert letter_due_at(received_at) == end_of(due)


@pytest.mark.parametrize(
    ("sent_at", "due"),
    [
        # Wed 8 May 2019: 9 and 10 May off, weekend, then 13, 14, 15.
        (datetime(2019, 5, 8, 10, 0, tzinfo=ALMATY), date(2019, 5, 15)),
        # Wed 19 March 2025: 20, then Nauryz and its carried days, then 26, 27.
        (datetime(2025, 3, 19, 10, 0, tzinfo=ALMATY), date(2025, 3, 27)),
        # Fri 13 Dec 2019: 16-17 Dec holidays, then 18, 19, 20.
        (datetime(2019, 12, 13, 16, 0, tzinfo=ALMATY), date(2019, 12, 20)),
        # Wed 14 Dec 2022: 15, 16 holiday, weekend, 19, 20 (17 Dec no longer a holiday).
        (datetime(2022, 12, 14, 16, 0, tzinfo=ALMATY), date(2022, 12, 20)),
    ],
)
def test_correction_due_at(sent_at: datetime, due: date) -> None:
    assert correction_due_at(sent_at) == end_of(due)


@pytest.mark.parametrize(
    ("period", "due"),
    [
        ("2019-Q1", date(2019, 4, 12)),
        ("2019-Q2", date(2019, 7, 12)),
        ("2019-Q3", date(2019, 10, 12)),
        ("2019-final", date(2019, 12, 10)),
    ],
)
def test_report_due_date(period: str, due: date) -> None:
    assert report_due_date(period) == due


@pytest.mark.parametrize("period", ["2019-Q4", "2019-Q5", "2019", "19-Q1", "2019-annual"])
def test_report_due_date_refuses_other_periods(period: str) -> None:
    with pytest.raises(ValueError):
        report_due_date(period)


def test_calendar_and_deadlines_are_pure() -> None:
    code = (
        "import sys, orchestration.rules.calendar, orchestration.rules.deadlines;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('dagster', 'dbt'));"
        "sys.exit(str(bad) if bad else 0)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
