"""Numbers and dates the way Kazakh and Russian official documents print them.

Thousands are grouped with a non-breaking space (so "12 345" never wraps inside a table
cell), decimals use a comma, and a per cent sign is set off by a non-breaking space.
Absent figures print as an en dash, the statistical convention for "no such cases".
"""

from __future__ import annotations

from datetime import date, datetime

NBSP = "\u00a0"
DASH = "–"


def fmt_int(value: int | float | None) -> str:
    """12345 → '12 345' (non-breaking space); None → '–'."""
    if value is None:
        return DASH
    text = f"{round(value):,}".replace(",", NBSP)
    return text.replace("-", "−")


def fmt_decimal(value: float | None, digits: int = 1) -> str:
    """4.25 → '4,3'; thousands grouped as in fmt_int."""
    if value is None:
        return DASH
    text = f"{value:,.{digits}f}".replace(",", NBSP).replace(".", ",")
    return text.replace("-", "−")


def fmt_share(value: float | None, digits: int = 1) -> str:
    """A fraction as per cent: 0.1234 → '12,3 %'."""
    if value is None:
        return DASH
    return f"{fmt_decimal(100 * value, digits)}{NBSP}%"


def fmt_signed_share(value: float) -> str:
    """A relative change with its sign: 0.05 → '+5,0 %', -0.05 → '−5,0 %'."""
    sign = "+" if value > 0 else ""
    return f"{sign}{fmt_share(value)}"


def fmt_date(value: date | datetime | None) -> str:
    """dd.mm.yyyy, the form used in Kazakh official documents."""
    if value is None:
        return DASH
    return value.strftime("%d.%m.%Y")


def fmt_datetime(value: datetime | None) -> str:
    """dd.mm.yyyy hh:mm (local time of the data)."""
    if value is None:
        return DASH
    return value.strftime("%d.%m.%Y %H:%M")
