"""The one partition definition: reporting months from the programme's first month."""

from __future__ import annotations

import dagster as dg

from orchestration.settings import TIMEZONE

monthly_partitions = dg.MonthlyPartitionsDefinition(
    start_date="2019-01", timezone=TIMEZONE, fmt="%Y-%m"
)


def report_period_keys(first_year: int = 2019, last_year: int | None = None) -> list[str]:
    """Reporting periods of clause 12: three quarterly reports and the final annual one per year."""
    import datetime

    last_year = last_year or datetime.date.today().year + 1
    return [f"{year}-{part}" for year in range(first_year, last_year + 1) for part in ("Q1", "Q2", "Q3", "final")]


report_partitions = dg.StaticPartitionsDefinition(report_period_keys())
