"""The one partition definition: reporting months from the programme's first month."""

from __future__ import annotations

import dagster as dg

from orchestration.settings import TIMEZONE

monthly_partitions = dg.MonthlyPartitionsDefinition(
    start_date="2019-01", timezone=TIMEZONE, fmt="%Y-%m"
)
