"""How the reports word a run of months, written out independently of the report code, for the
tests that read the reports' text (test_report_pipeline, test_report_findings)."""

from __future__ import annotations

from datetime import date

NBSP = "\u00a0"
MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
          "октябрь", "ноябрь", "декабрь")


def months_phrase(months: list[date]) -> str:
    """'январь–март 2019 г.' for consecutive months, 'январь, февраль и май 2019 г.' otherwise."""
    if all(b.month - a.month == 1 for a, b in zip(months, months[1:], strict=False)):
        first, last = MONTHS[months[0].month - 1], MONTHS[months[-1].month - 1]
        names = first if first == last else f"{first}–{last}"
    else:
        words = [MONTHS[m.month - 1] for m in months]
        names = f"{', '.join(words[:-1])} и {words[-1]}"
    return f"{names} {months[-1].year}{NBSP}г."
