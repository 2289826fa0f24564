"""The working-day calendar against Kazakhstan's official calendars (egov.kz production
calendars and the government's yearly decrees on transferring days off).

Expected dates are worked out by hand from those calendars, not from the code.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import cache

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestration.rules.calendar import (
    DayKind,
    HolidayNameTranslator,
    Override,
    WorkingCalendar,
    calendar_for,
    calendar_rows,
    load_holiday_names,
    load_overrides,
)

YEARS = range(2019, 2028)


@cache
def cal() -> WorkingCalendar:
    return WorkingCalendar(YEARS)


def test_working_day_after_20_march_2025_is_26_march() -> None:
    # Nauryz 21-23 March 2025 fell Friday-Sunday: the 22nd and 23rd carried to Mon 24, Tue 25.
    assert cal().next_working_day(date(2025, 3, 20)) == date(2025, 3, 26)
    assert cal().day_kind(date(2025, 3, 21)) == DayKind.HOLIDAY
    assert cal().day_kind(date(2025, 3, 24)) == DayKind.TRANSFERRED_DAY_OFF
    assert cal().day_kind(date(2025, 3, 25)) == DayKind.TRANSFERRED_DAY_OFF
    assert cal().holiday_name_ru(date(2025, 3, 21)) == "Наурыз мейрамы"


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2019, 1, 1), False),
        (date(2019, 1, 2), False),
        (date(2019, 1, 3), True),
        (date(2019, 1, 7), False),  # Orthodox Christmas, a Monday
        # 2022: 1-2 January fell Sat-Sun, carried to Mon 3 and Tue 4.
        (date(2022, 1, 3), False),
        (date(2022, 1, 4), False),
        (date(2022, 1, 5), True),
        # 7 January has no carry-over: Sat 7 Jan 2023 -> Mon 9 Jan worked; Sun 7 Jan 2024 too.
        (date(2023, 1, 9), True),
        (date(2024, 1, 8), True),
        # 2025: day off moved from Sunday 5 January to Friday 3 January.
        (date(2025, 1, 3), False),
        (date(2025, 1, 5), True),
        # 2020: the same swap (Sun 5 Jan -> Fri 3 Jan).
        (date(2020, 1, 3), False),
        (date(2020, 1, 5), True),
    ],
)
def test_new_year_and_orthodox_christmas(day: date, working: bool) -> None:
    assert cal().is_working_day(day) is working


def test_new_year_kinds_and_names() -> None:
    assert cal().day_kind(date(2024, 1, 1)) == DayKind.HOLIDAY
    assert cal().holiday_name_ru(date(2024, 1, 1)) == "Новый год"
    assert cal().holiday_name_ru(date(2024, 1, 7)) == "Православное Рождество"
    assert cal().day_kind(date(2025, 1, 5)) == DayKind.TRANSFERRED_WORKING_DAY
    assert cal().holiday_name_ru(date(2025, 1, 3)) == "Выходной день (перенесён с 05.01.2025)"
    assert cal().holiday_name_ru(date(2022, 1, 3)) == "Новый год (перенесённый выходной день)"


def test_independence_day() -> None:
    # Until 2021, 16 and 17 December were both holidays (2019: Monday and Tuesday).
    assert cal().day_kind(date(2019, 12, 16)) == DayKind.HOLIDAY
    assert cal().day_kind(date(2019, 12, 17)) == DayKind.HOLIDAY
    assert cal().holiday_name_ru(date(2019, 12, 17)) == "День Независимости"
    assert cal().next_working_day(date(2019, 12, 13)) == date(2019, 12, 18)
    assert cal().day_kind(date(2021, 12, 17)) == DayKind.HOLIDAY  # a Friday
    # From 2022 only 16 December.
    assert cal().day_kind(date(2022, 12, 16)) == DayKind.HOLIDAY
    assert cal().day_kind(date(2022, 12, 17)) == DayKind.WEEKEND
    assert cal().is_working_day(date(2024, 12, 17))  # a Tuesday
    # 16 December 2023 was a Saturday: day off on Monday 18.
    assert cal().day_kind(date(2023, 12, 18)) == DayKind.TRANSFERRED_DAY_OFF
    # 2020: day off moved from Sunday 20 December to Friday 18 December.
    assert not cal().is_working_day(date(2020, 12, 18))
    assert cal().is_working_day(date(2020, 12, 20))


def test_may_transfers() -> None:
    # 2019: 10 May off, Saturday 4 May worked.
    assert cal().day_kind(date(2019, 5, 10)) == DayKind.TRANSFERRED_DAY_OFF
    assert cal().day_kind(date(2019, 5, 4)) == DayKind.TRANSFERRED_WORKING_DAY
    assert cal().is_working_day(date(2019, 5, 4))
    assert cal().holiday_name_ru(date(2019, 5, 10)) == "Выходной день (перенесён с 04.05.2019)"
    # 2024: 8 May off, Saturday 4 May worked.
    assert not cal().is_working_day(date(2024, 5, 8))
    assert cal().is_working_day(date(2024, 5, 4))
    assert cal().next_working_day(date(2024, 5, 3)) == date(2024, 5, 4)
    # 2020: Victory Day (Sat 9 May) carried to Mon 11 May, which the decree moved to Fri 8 May.
    assert not cal().is_working_day(date(2020, 5, 8))
    assert cal().day_kind(date(2020, 5, 11)) == DayKind.WORKING
    # 2022: Defender's Day (Sat 7 May) carried to Tue 10 May (Mon 9 May is Victory Day).
    assert cal().day_kind(date(2022, 5, 10)) == DayKind.TRANSFERRED_DAY_OFF
    assert cal().is_working_day(date(2022, 5, 11))


def test_republic_day_and_first_president_day() -> None:
    assert cal().is_working_day(date(2021, 10, 25))  # a Monday: Republic Day not yet restored
    assert cal().day_kind(date(2022, 10, 25)) == DayKind.HOLIDAY
    assert cal().holiday_name_ru(date(2022, 10, 25)) == "День Республики"
    assert not cal().is_working_day(date(2022, 10, 24))  # moved from Saturday 22 October
    assert cal().is_working_day(date(2022, 10, 22))
    assert cal().day_kind(date(2024, 10, 25)) == DayKind.HOLIDAY
    # 1 December (First President Day) until 2021: Sun 1 Dec 2019 carried to Mon 2 Dec.
    assert cal().day_kind(date(2019, 12, 2)) == DayKind.TRANSFERRED_DAY_OFF
    assert cal().is_working_day(date(2022, 12, 1))


def test_kurban_ait_has_no_carry_over() -> None:
    assert cal().day_kind(date(2019, 8, 11)) == DayKind.HOLIDAY  # a Sunday
    assert cal().holiday_name_ru(date(2019, 8, 11)) == "Курбан айт"
    assert cal().is_working_day(date(2019, 8, 12))
    assert cal().is_working_day(date(2022, 7, 11))  # after Saturday 9 July 2022


def test_add_working_days_across_weekend_and_holiday() -> None:
    # Thu 20 Mar 2025 + 3: 26, 27, 28 March.
    assert cal().add_working_days(date(2025, 3, 20), 3) == date(2025, 3, 28)
    # Wed 8 May 2019 + 2: 9 (Victory Day), 10 (moved day off), 11-12 weekend -> 13, 14.
    assert cal().add_working_days(date(2019, 5, 8), 2) == date(2019, 5, 14)
    # Fri 12 Jul 2024 + 1 is the Monday.
    assert cal().add_working_days(date(2024, 7, 12), 1) == date(2024, 7, 15)
    assert cal().add_working_days(date(2025, 3, 26), -1) == date(2025, 3, 20)
    assert cal().add_working_days(date(2025, 3, 22), 0) == date(2025, 3, 22)


def test_working_days_between() -> None:
    assert cal().working_days_between(date(2025, 3, 20), date(2025, 3, 26)) == 1
    # March 2025: 31 days - 10 weekend days - 4 weekday days off (10, 21, 24, 25) = 17.
    assert cal().working_days_between(date(2025, 2, 28), date(2025, 3, 31)) == 17
    # May 2019: days off Wed 1, Tue 7, Thu 9, Fri 10 and weekend days 5, 11, 12, 18, 19, 25,
    # 26 (Saturday 4 May worked) -> 31 - 11 = 20.
    assert cal().working_days_between(date(2019, 4, 30), date(2019, 5, 31)) == 20
    assert cal().working_days_between(date(2025, 3, 26), date(2025, 3, 20)) == -1


def test_every_package_name_2019_2027_has_a_russian_name() -> None:
    translator = HolidayNameTranslator(load_holiday_names())
    package = holidays.country_holidays("KZ", years=YEARS, language="en_US")
    names = {name for joined in package.values() for name in joined.split("; ")}
    assert names
    for name in sorted(names):
        russian = translator.translate(name)
        assert not re.search(r"[A-Za-z]", russian), (name, russian)


def test_unknown_name_is_an_error() -> None:
    with pytest.raises(KeyError, match="holiday_names.csv"):
        HolidayNameTranslator({"Victory Day": "День Победы"}).translate("Capital Day")


def test_override_seed_is_well_formed() -> None:
    for override in load_overrides():
        assert override.kind in ("holiday", "day_off", "working_day")


def test_overrides_win_over_the_package() -> None:
    overrides = [
        Override(date(2026, 1, 5), "day_off", "Выходной день (тест)", "test"),
        Override(date(2026, 1, 10), "working_day", "", "test"),
        Override(date(2026, 5, 27), "working_day", "", "Kurban Ait estimated wrongly (test)"),
        Override(date(2026, 5, 26), "holiday", "Курбан айт", "test"),
    ]
    custom = WorkingCalendar([2026], overrides=overrides)
    assert custom.day_kind(date(2026, 1, 5)) == DayKind.TRANSFERRED_DAY_OFF
    assert custom.holiday_name_ru(date(2026, 1, 5)) == "Выходной день (тест)"
    assert custom.day_kind(date(2026, 1, 10)) == DayKind.TRANSFERRED_WORKING_DAY
    assert custom.day_kind(date(2026, 5, 27)) == DayKind.WORKING
    assert custom.holiday_name_ru(date(2026, 5, 27)) is None
    assert custom.day_kind(date(2026, 5, 26)) == DayKind.HOLIDAY


@pytest.mark.parametrize(("kind", "name"), [("holyday", "x"), ("day_off", ""), ("holiday", "")])
def test_malformed_override_is_refused(kind: str, name: str) -> None:
    with pytest.raises(ValueError):
        Override(date(2026, 1, 5), kind, name, "")


def test_out_of_range_and_datetime_are_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        cal().is_working_day(date(2018, 12, 31))
    with pytest.raises(TypeError):
        cal().is_working_day(datetime(2024, 1, 1, 12, 0))


def test_calendar_for_covers_the_programme_and_the_next_year() -> None:
    calendar = calendar_for(date(2024, 6, 1))
    assert (calendar.first_year, calendar.last_year) == (2019, 2025)


def test_calendar_rows() -> None:
    rows = calendar_rows([2024])
    assert len(rows) == 366
    assert rows[0] == {
        "date": date(2024, 1, 1),
        "is_working_day": False,
        "day_kind": "holiday",
        "holiday_name_ru": "Новый год",
    }
    assert [row["date"] for row in rows] == [date(2024, 1, 1) + timedelta(days=i) for i in range(366)]
    may_4 = next(row for row in rows if row["date"] == date(2024, 5, 4))
    assert may_4["is_working_day"] is True
    assert may_4["day_kind"] == "transferred_working_day"
    for row in rows:
        assert row["is_working_day"] == (row["day_kind"] in ("working", "transferred_working_day"))


# Away from the calendar's edges, so that +-20 working days stay inside 2019-2027.
days = st.dates(min_value=date(2019, 2, 1), max_value=date(2027, 11, 30))


@given(days)
def test_next_working_day_is_the_first_working_day_after(d: date) -> None:
    nxt = cal().next_working_day(d)
    assert nxt > d
    assert cal().is_working_day(nxt)
    assert all(not cal().is_working_day(d + timedelta(days=i)) for i in range(1, (nxt - d).days))


@given(days, st.integers(min_value=-20, max_value=20))
def test_add_working_days_and_between_agree(d: date, n: int) -> None:
    moved = cal().add_working_days(d, n)
    if n >= 0 or cal().is_working_day(d):
        assert cal().working_days_between(d, moved) == n
    if n:
        assert cal().is_working_day(moved)


@given(days, days, days)
def test_working_days_between_is_additive(a: date, b: date, c: date) -> None:
    between = cal().working_days_between
    assert between(a, b) + between(b, c) == between(a, c)
