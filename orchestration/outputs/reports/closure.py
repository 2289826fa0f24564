"""Whether a period's report may be produced at a given instant (issue 20).

A report is only as right as the period it counts is closed: until the cut-off of the period's
last month has passed (its registry deadline, clause 7, plus the letter's working day, clause 8,
and the correction window, clause 9: ``deadlines.report_cutoff_at``), a registry or a correction
may still lawfully arrive, and the published marts do not hold the period at all. A report
produced then would be filed as a revision with no figures — and a revision, once filed, is kept
(vintages.py). So the report is refused, with the reason in plain Russian for the operator who
sees the failed run, and nothing is written.

Two cases:
- the cut-off has not passed at the report's evaluation time: the period is open;
- it has, but analytics.duckdb was built before it (``reporting_periods`` does not list the
  period yet): a build is needed first — the schedule ``build_before_reports`` does it on each
  report day at 06:00.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from orchestration.outputs.reports.periods import ReportingPeriod, parse_period
from orchestration.outputs.reports.texts_ru import MONTHS
from orchestration.rules.deadlines import DEFAULT_SETTINGS, local_date, report_cutoff_at

NBSP = "\u00a0"


@dataclass(frozen=True)
class Refusal:
    """A period whose report cannot be produced now, and why."""

    period: str
    cutoff_at: datetime
    evaluated_at: datetime

    @property
    def is_open(self) -> bool:
        """True: the cut-off is still ahead; False: passed, but the database predates it."""
        return self.evaluated_at <= self.cutoff_at

    def message_ru(self) -> str:
        reporting = parse_period(self.period)
        title = period_title(reporting)
        cutoff = local_date(self.cutoff_at).strftime("%d.%m.%Y")
        last_month = _last_month_name(reporting)
        if self.is_open:
            at = self.evaluated_at.astimezone(DEFAULT_SETTINGS.zone).strftime("%d.%m.%Y %H:%M")
            return (f"Отчет {title} не сформирован: период еще не закрыт. Срок представления исправлений "
                    f"к реестру за {last_month} истекает {cutoff} (п. 7–9 Методики), а отчет запрошен "
                    f"по состоянию на {at} (время Алматы). До истечения этого срока оператор вправе представить "
                    f"реестр и исправления к нему, поэтому отчет формируется после {cutoff}. "
                    f"Редакция отчета не создана.")
        return (f"Отчет {title} не сформирован: срок представления исправлений к реестру за {last_month} "
                f"истек {cutoff}, но аналитическая база собрана до этого срока (или еще не собрана), и период "
                f"в ней еще не закрыт. Запустите сборку хранилища (задание build_warehouse) и затем сформируйте "
                f"отчет повторно. Редакция отчета не создана.")


def period_title(period: ReportingPeriod) -> str:
    """'за 1-й квартал 2019 года' / 'итоговый за 2019 год' (after the word 'Отчет')."""
    if period.is_final:
        return f"итоговый за {period.year} год"
    return f"за {period.quarter_number}-й квартал {period.year} года"


def period_cutoff_at(period: ReportingPeriod) -> datetime:
    """The instant after which ``period`` is closed: its last month's cut-off."""
    last = period.quarter.end
    return report_cutoff_at(date(last.year, last.month, 1))


def refusals(periods: Iterable[str], evaluated_at: datetime, closed_in_database: Collection[str]) -> list[Refusal]:
    """The periods among ``periods`` whose report cannot be produced at ``evaluated_at``: the
    cut-off not passed, or passed but not yet closed in the analytics database
    (``closed_in_database``: ``reporting_periods.report_period``)."""
    out = []
    for name in periods:
        cutoff = period_cutoff_at(parse_period(name))
        if evaluated_at <= cutoff or name not in closed_in_database:
            out.append(Refusal(name, cutoff, evaluated_at))
    return out


def _last_month_name(period: ReportingPeriod) -> str:
    """'март 2019 г.', as in 'к реестру за март 2019 г.'."""
    last = period.quarter.end
    return f"{MONTHS[last.month - 1]} {last.year}{NBSP}г."
