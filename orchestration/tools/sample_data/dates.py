"""Vectorised date arithmetic on proleptic ordinals (``date.toordinal()``).

Why ordinals: a million rows of ``datetime.date`` objects are slow to make and to format;
integers are not. Formatting goes through the few thousand distinct days, not every row.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import numpy as np

EPOCH_1970 = date(1970, 1, 1).toordinal()
EXCEL_EPOCH = date(1899, 12, 30).toordinal()  # Excel's day 0 (1900 date system, after 1900-03-01)


def ymd(ordinals: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day arrays for an array of ordinals."""
    days = np.asarray(ordinals, dtype="int64") - EPOCH_1970
    d64 = days.astype("datetime64[D]")
    years = d64.astype("datetime64[Y]").astype(int) + 1970
    months = d64.astype("datetime64[M]").astype(int) % 12 + 1
    month_start = d64.astype("datetime64[M]").astype("datetime64[D]")
    return years, months, (d64 - month_start).astype(int) + 1


def ordinals_of(years: np.ndarray, months: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Ordinals for year/month/day arrays (all valid dates)."""
    month_index = (np.asarray(years) - 1970) * 12 + np.asarray(months) - 1
    first = month_index.astype("datetime64[M]").astype("datetime64[D]").astype("int64")
    return first + np.asarray(days) - 1 + EPOCH_1970


def age_at(birth: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Completed years of age on a date (birthday counted on the day itself)."""
    by, bm, bd = ymd(birth)
    oy, om, od = ymd(on)
    before_birthday = (om < bm) | ((om == bm) & (od < bd))
    return oy - by - before_birthday.astype(int)


def format_days(ordinals: np.ndarray, pattern: str = "%d.%m.%Y") -> np.ndarray:
    """Object array of formatted dates, computed once per distinct day (and kept for the run)."""
    ords = np.asarray(ordinals, dtype="int64")
    unique, inverse = np.unique(ords, return_inverse=True)
    table = np.array([_day_text(o, pattern) for o in unique.tolist()], dtype=object)
    return table[inverse]


@cache
def _day_text(ordinal: int, pattern: str) -> str:
    """Birth dates span ~30,000 days, formatted again for every block and version otherwise."""
    return date.fromordinal(ordinal).strftime(pattern)


def month_bounds(year: int, month: int) -> tuple[int, int]:
    """First and last ordinal of a month."""
    first = date(year, month, 1).toordinal()
    nxt = date(year + month // 12, month % 12 + 1, 1).toordinal()
    return first, nxt - 1
