"""Was each report produced by its due date (R11, clause 12)? The decision, without Dagster.

A quarterly report is due by the 12th of the month after the quarter and the final annual
report by 10 December (`orchestration.rules.deadlines.report_due_date`), until the end of that day
in Asia/Almaty. Given when each period's report was first produced (None: never), a period is

- ``not_due``   — its due day has not ended and it has not been produced yet;
- ``on_time``   — first produced by the end of its due day;
- ``late``      — first produced after its due day (a warning: the report exists now);
- ``overdue``   — its due day has ended and it has not been produced (an error).

The Dagster side (`orchestration.defs.assets.reports`) feeds it the report asset's
materialisations and the periods whose data is in the analytics database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from orchestration.rules.deadlines import end_of_day, report_due_date

NOT_DUE, ON_TIME, LATE, OVERDUE = "not_due", "on_time", "late", "overdue"


@dataclass(frozen=True)
class ReportDeadline:
    period: str
    due: date
    due_at: datetime  # end of the due day, Asia/Almaty
    produced_at: datetime | None
    state: str

    @property
    def is_violation(self) -> bool:
        return self.state in (LATE, OVERDUE)

    def describe(self) -> str:
        due = self.due.strftime("%d.%m.%Y")
        if self.state == OVERDUE:
            return f"{self.period}: not produced, due {due}"
        if self.state == LATE:
            return f"{self.period}: produced {self.produced_at:%d.%m.%Y %H:%M}, due {due}"
        return f"{self.period}: {self.state}, due {due}"


def report_deadline(period: str, produced_at: datetime | None, now: datetime) -> ReportDeadline:
    """The state of one period's report at ``now`` (aware datetimes)."""
    due = report_due_date(period)
    due_at = end_of_day(due)
    if produced_at is not None and produced_at <= now:
        state = ON_TIME if produced_at <= due_at else LATE
    elif now > due_at:
        state = OVERDUE
    else:
        state = NOT_DUE
    return ReportDeadline(period, due, due_at, produced_at, state)


def report_deadlines(
    periods: Iterable[str], produced: Mapping[str, datetime], now: datetime
) -> list[ReportDeadline]:
    """Every period's state, in period order; ``produced`` maps a period to its first production."""
    return [report_deadline(p, produced.get(p), now) for p in sorted(set(periods))]
