"""When the operator submitted each registry version (R5, R7): the sidecar's submitted_at.

The mix is a function of (seed, year) only, so generating a subset of months gives those
months the same timeliness as a full run. Every year has month 2 corrected (v1 on time,
then a v2 after the agency's letter) and month 3 late, so the first quarter alone shows
the whole mix; the seed adds one more corrected and one or two more late months.

Times are Asia/Almaty wall-clock via zoneinfo (UTC+6, UTC+5 from 2024-03-01), so the
offset in the ISO string is the one in force on that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import numpy as np

ALMATY = ZoneInfo("Asia/Almaty")
ALWAYS_CORRECTED = 2
ALWAYS_LATE = 3


@dataclass(frozen=True)
class Submission:
    version: int
    submitted_at: datetime
    timeliness: str  # 'on_time' | 'late' | 'correction'

    @property
    def iso(self) -> str:
        return self.submitted_at.isoformat()


def due_at(year: int, month: int) -> datetime:
    """End of the 1st of the next month, Almaty time (R5; the deadline is a setting downstream)."""
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return datetime.combine(nxt, time(23, 59, 59), ALMATY)


def _working_days_after(day: date, count: int) -> date:
    kz = holidays.country_holidays("KZ", years=range(day.year, day.year + 2))
    while count:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in kz:
            count -= 1
    return day


def _at(day: date, rng: np.random.Generator) -> datetime:
    minutes = int(rng.integers(9 * 60, 18 * 60 + 30))
    return datetime.combine(day, time(minutes // 60, minutes % 60), ALMATY)


def year_plan(seed: int, year: int) -> dict[int, str]:
    """Month -> 'on_time' | 'late' | 'corrected' for the whole year."""
    rng = np.random.default_rng([seed, year, 5])
    plan = dict.fromkeys(range(1, 13), "on_time")
    plan[ALWAYS_CORRECTED] = "corrected"
    plan[ALWAYS_LATE] = "late"
    picks = rng.choice(range(4, 13), 3, replace=False).tolist()
    plan[picks[0]] = "corrected"
    plan[picks[1]] = "late"
    if rng.random() < 0.5:
        plan[picks[2]] = "late"
    return plan


def submissions(seed: int, year: int, month: int) -> list[Submission]:
    """The versions of one month's registry, in order, with when each was submitted."""
    kind = year_plan(seed, year)[month]
    rng = np.random.default_rng([seed, year, month, 6])
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    if kind == "late":
        return [Submission(1, _at(first_of_next + timedelta(days=int(rng.integers(2, 10))), rng), "late")]
    v1 = Submission(1, _at(first_of_next, rng), "on_time")
    if kind == "on_time":
        return [v1]
    # R6/R7: the agency's letter within 1 working day, the correction within 3 after it.
    letter = _working_days_after(first_of_next, 1)
    v2_day = _working_days_after(letter, int(rng.integers(1, 3)))  # 1-2 of the 3 allowed
    return [v1, Submission(2, _at(v2_day, rng), "correction")]
