"""Kazakhstan's working-day calendar: the one place that decides whether a date is worked.

Every deadline in the methodology that counts working days (R6: the notification letter
within 1 working day, cl. 8; R7: the correction within 3 working days, cl. 9) and the
warehouse's reference table of days come from here, so Python and SQL never disagree.

Sources, in order of precedence (the later wins for a date):
1. Saturday and Sunday are days off (five-day week, Labour Code art. 84).
2. The ``holidays`` package, country "KZ": public holidays (Law "On holidays" art. 5), the
   carry-over of a holiday falling on a weekend to the next working day (marked
   "(observed)"; 7 January and the first day of Kurban Ait have no carry-over), and the
   government's yearly decrees swapping days ("Day off (substituted from ...)" on the day
   made free, and ``weekend_workdays`` for the Saturday or Sunday made a working day).
3. The seed ``dbt_project/seeds/holiday_overrides.csv``, for transfers the package lacks or
   gets wrong, so an operator can fix a year without a code change. Columns:

   - ``date``: ``YYYY-MM-DD``;
   - ``kind``: ``holiday`` (a public holiday, e.g. a Kurban Ait date the package only
     estimates), ``day_off`` (a transferred day off, e.g. a decree the package lacks) or
     ``working_day`` (a worked Saturday/Sunday, or a date the package wrongly lists as off);
   - ``name_ru``: the Russian name shown in reports (required for ``holiday``/``day_off``);
   - ``reason``: the legal source, e.g. "Постановление Правительства РК № ... от ...".

   An override replaces whatever the package says for that date. The seed ships header-only:
   for 2019-2025 holidays 0.108 agrees with the published calendars and the yearly decrees
   on transferring days off (e.g. 2020: 5 Jan -> 3 Jan, 11 May -> 8 May, 20 Dec -> 18 Dec),
   so nothing needed correcting. Years the government has not yet decreed (and Kurban Ait
   dates the package marks "estimated") are where an override is most likely to be needed.

Holiday names come from the package in English (``en_US``) and are translated through the
seed ``holiday_names.csv`` (``name_en,name_ru``). Rows whose ``name_en`` contains ``{name}``
or ``{date}`` are templates for the package's labels ("{name} (observed)",
"Day off (substituted from {date})"); dates are rewritten from MM/DD/YYYY to DD.MM.YYYY.
An unknown name is an error at construction time (add a row to the seed), never a silently
English report.

This module is pure: it does not import Dagster or dbt.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache

import holidays

from orchestration.reference import seed_rows
from orchestration.settings import PROGRAMME_START

PROGRAMME_FIRST_YEAR = int(PROGRAMME_START[:4])
OVERRIDE_KINDS = ("holiday", "day_off", "working_day")

_SATURDAY = 5


class DayKind(StrEnum):
    """What a date is, for people reading the calendar table (not only worked / not worked)."""

    WORKING = "working"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    # A holiday's weekend carry-over, or a day off moved by a government decree.
    TRANSFERRED_DAY_OFF = "transferred_day_off"
    # A Saturday or Sunday worked in exchange for a transferred day off.
    TRANSFERRED_WORKING_DAY = "transferred_working_day"


WORKING_KINDS = frozenset({DayKind.WORKING, DayKind.TRANSFERRED_WORKING_DAY})


@dataclass(frozen=True)
class Override:
    """One row of ``holiday_overrides.csv``."""

    date: date
    kind: str
    name_ru: str
    reason: str

    def __post_init__(self) -> None:
        if self.kind not in OVERRIDE_KINDS:
            raise ValueError(f"override {self.date}: kind {self.kind!r} not in {OVERRIDE_KINDS}")
        if self.kind != "working_day" and not self.name_ru:
            raise ValueError(f"override {self.date}: a {self.kind} needs a name_ru")


def load_overrides() -> tuple[Override, ...]:
    """The override seed as typed rows; a malformed row fails loudly with its date."""
    return tuple(
        Override(
            date=date.fromisoformat(row["date"].strip()),
            kind=row["kind"].strip(),
            name_ru=(row.get("name_ru") or "").strip(),
            reason=(row.get("reason") or "").strip(),
        )
        for row in seed_rows("holiday_overrides")
    )


def load_holiday_names() -> dict[str, str]:
    """English package name (or template) -> Russian, from ``holiday_names.csv``."""
    return {row["name_en"]: row["name_ru"] for row in seed_rows("holiday_names")}


class HolidayNameTranslator:
    """Translates the package's English holiday labels into Russian using the names seed."""

    def __init__(self, names: Mapping[str, str]) -> None:
        self._exact = {en: ru for en, ru in names.items() if "{" not in en}
        self._templates: list[tuple[re.Pattern[str], str]] = []
        for en, ru in names.items():
            if "{" not in en:
                continue
            pattern = re.escape(en)
            pattern = pattern.replace(r"\{name\}", "(?P<name>.+)")
            pattern = pattern.replace(r"\{date\}", r"(?P<date>\d{2}/\d{2}/\d{4})")
            self._templates.append((re.compile(pattern), ru))

    def translate(self, name_en: str) -> str:
        """Russian for one label; ``KeyError`` if the seed has no row that covers it."""
        if name_en in self._exact:
            return self._exact[name_en]
        for pattern, ru in self._templates:
            match = pattern.fullmatch(name_en)
            if match is None:
                continue
            parts = match.groupdict()
            values: dict[str, str] = {}
            if "name" in parts:
                values["name"] = self.translate(parts["name"])
            if "date" in parts:
                values["date"] = datetime.strptime(parts["date"], "%m/%d/%Y").strftime("%d.%m.%Y")
            return ru.format(**values)
        raise KeyError(f"no Russian name for holiday {name_en!r}: add a row to holiday_names.csv")

    def translate_joined(self, names_en: str) -> str:
        """The package joins several names on one date with '; '; translate each."""
        return "; ".join(self.translate(name) for name in names_en.split("; "))


def _is_base_holiday(name_en: str) -> bool:
    """True for the holiday itself, False for a carry-over or a decree's substituted day."""
    return "(observed" not in name_en and not name_en.startswith("Day off (substituted")


@dataclass(frozen=True)
class _SpecialDay:
    kind: DayKind
    name_ru: str | None


class WorkingCalendar:
    """Working days of Kazakhstan (five-day week) for a closed range of years.

    Queries outside the range raise ``ValueError`` rather than guess: a deadline computed
    from a calendar that does not know the year would be silently wrong.
    """

    def __init__(
        self,
        years: Iterable[int],
        *,
        overrides: Iterable[Override] | None = None,
        holiday_names: Mapping[str, str] | None = None,
    ) -> None:
        year_list = sorted(set(years))
        if not year_list:
            raise ValueError("a calendar needs at least one year")
        self.first_year, self.last_year = year_list[0], year_list[-1]
        translator = HolidayNameTranslator(load_holiday_names() if holiday_names is None else holiday_names)
        span = range(self.first_year, self.last_year + 1)
        package = holidays.country_holidays("KZ", years=span, language="en_US")

        special: dict[date, _SpecialDay] = {}
        for day, names_en in package.items():
            if day.year not in span:
                continue
            base = any(_is_base_holiday(name) for name in names_en.split("; "))
            special[day] = _SpecialDay(
                DayKind.HOLIDAY if base else DayKind.TRANSFERRED_DAY_OFF,
                translator.translate_joined(names_en),
            )
        for day in package.weekend_workdays:
            if day.year in span and day.weekday() >= _SATURDAY:
                special[day] = _SpecialDay(DayKind.TRANSFERRED_WORKING_DAY, None)

        for override in load_overrides() if overrides is None else overrides:
            if override.date.year not in span:
                continue
            if override.kind == "working_day":
                weekend = override.date.weekday() >= _SATURDAY
                kind = DayKind.TRANSFERRED_WORKING_DAY if weekend else DayKind.WORKING
                special[override.date] = _SpecialDay(kind, None)
            else:
                kind = DayKind.HOLIDAY if override.kind == "holiday" else DayKind.TRANSFERRED_DAY_OFF
                special[override.date] = _SpecialDay(kind, override.name_ru)
        self._special = special

    @property
    def first_day(self) -> date:
        return date(self.first_year, 1, 1)

    @property
    def last_day(self) -> date:
        return date(self.last_year, 12, 31)

    def _check(self, d: date) -> None:
        if isinstance(d, datetime):
            # A datetime's date depends on its time zone: callers convert to Almaty first.
            raise TypeError("pass a date (the local Asia/Almaty date), not a datetime")
        if not self.first_year <= d.year <= self.last_year:
            raise ValueError(f"{d} is outside this calendar's years {self.first_year}-{self.last_year}")

    def day_kind(self, d: date) -> DayKind:
        self._check(d)
        if (special := self._special.get(d)) is not None:
            return special.kind
        return DayKind.WEEKEND if d.weekday() >= _SATURDAY else DayKind.WORKING

    def is_working_day(self, d: date) -> bool:
        return self.day_kind(d) in WORKING_KINDS

    def holiday_name_ru(self, d: date) -> str | None:
        """The Russian name of the holiday or transferred day off on ``d``; None otherwise."""
        self._check(d)
        special = self._special.get(d)
        return special.name_ru if special is not None else None

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        return self.add_working_days(d, 1)

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after ``d`` (before it if n < 0); ``d`` itself when n == 0.

        ``d`` need not be a working day: 1 working day after a Saturday is the Monday
        (if worked), which is how "within N working days of receipt" reads for a letter
        received at the weekend.
        """
        self._check(d)
        step = timedelta(days=1 if n >= 0 else -1)
        remaining = abs(n)
        current = d
        while remaining:
            current += step
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in the half-open interval (a, b]; negative when b < a.

        Chosen so that ``working_days_between(d, add_working_days(d, n)) == n`` for n >= 0
        (the deadlines' direction), and for n < 0 when ``d`` itself is a working day; and so
        that counts add up: ``between(a, b) + between(b, c) == between(a, c)``.
        """
        self._check(a)
        self._check(b)
        if b < a:
            return -self.working_days_between(b, a)
        return sum(self.is_working_day(a + timedelta(days=offset)) for offset in range(1, (b - a).days + 1))

    def rows(self) -> list[dict[str, object]]:
        """One row per day of the calendar's years, for the warehouse reference table."""
        rows: list[dict[str, object]] = []
        day = self.first_day
        while day <= self.last_day:
            kind = self.day_kind(day)
            rows.append(
                {
                    "date": day,
                    "is_working_day": kind in WORKING_KINDS,
                    "day_kind": kind.value,
                    "holiday_name_ru": self.holiday_name_ru(day),
                }
            )
            day += timedelta(days=1)
        return rows


@cache
def kazakhstan_calendar(first_year: int, last_year: int) -> WorkingCalendar:
    """A calendar from the seeds for the given years, built once per process and range.

    The seeds are read when first needed (not at import); a process that must see an edited
    override seed without restarting calls ``kazakhstan_calendar.cache_clear()`` and
    ``orchestration.reference.seed_rows.cache_clear()``.
    """
    return WorkingCalendar(range(first_year, last_year + 1))


def calendar_for(d: date) -> WorkingCalendar:
    """The default calendar covering ``d`` (programme start to the year after ``d``)."""
    return kazakhstan_calendar(min(PROGRAMME_FIRST_YEAR, d.year), max(PROGRAMME_FIRST_YEAR, d.year) + 1)


def calendar_rows(years: Iterable[int]) -> list[dict[str, object]]:
    """The reference table of days (date, is_working_day, day_kind, holiday_name_ru).

    The pipeline loads it into the warehouse so SQL counts working days from the same
    calendar as Python.
    """
    return WorkingCalendar(years).rows()
