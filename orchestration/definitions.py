"""The code location: every asset, check, job, schedule and sensor, assembled once."""

from __future__ import annotations

import dagster as dg

from orchestration.assets.dbt import warehouse_models
from orchestration.assets.ingest import landing_files
from orchestration.assets.publish import analytics_database
from orchestration.jobs import build_job, ingest_job
from orchestration.resources import build_resources
from orchestration.schedules import monthly_ingestion_schedule
from orchestration.sensors import build_after_ingestion, landing_files_sensor

defs = dg.Definitions(
    assets=[landing_files, warehouse_models, analytics_database],
    jobs=[ingest_job, build_job],
    schedules=[monthly_ingestion_schedule],
    sensors=[landing_files_sensor, build_after_ingestion],
    resources=build_resources(),
)
