"""Schedules, in Asia/Almaty time.

The registry for month M is due as of the 1st of M+1 (clause 7): the monthly ingestion
runs on the 2nd at 09:00 for the month just closed, after the deadline has passed; the
build follows through the `build_after_ingestion` sensor.
"""

from __future__ import annotations

import dagster as dg

from orchestration.jobs import ingest_job

monthly_ingestion_schedule = dg.build_schedule_from_partitioned_job(
    ingest_job,
    name="monthly_ingestion",
    day_of_month=2,
    hour_of_day=9,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
