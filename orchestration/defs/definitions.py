"""The code location: every asset, check, job, schedule and sensor, assembled once."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.assets.approvals import report_approval
from orchestration.defs.assets.call_lists import phone_survey_call_lists
from orchestration.defs.assets.dbt import registry_rule_checks, warehouse_models
from orchestration.defs.assets.deadlines import overdue_registries, registry_deadlines
from orchestration.defs.assets.freshness import registry_freshness_sensor, registry_received_by_deadline
from orchestration.defs.assets.ingest import landing_files
from orchestration.defs.assets.letters import notification_letters
from orchestration.defs.assets.publish import analytics_database
from orchestration.defs.assets.reports import monitoring_report, report_deadline_sensor, report_produced_by_due_date
from orchestration.defs.jobs import approve_report_job, build_job, ingest_job, overdue_registries_job, report_job
from orchestration.defs.resources import build_resources
from orchestration.defs.schedules import build_before_reports_schedule, monthly_ingestion_schedule, report_schedule
from orchestration.defs.sensors import (
    build_after_ingestion,
    landing_files_sensor,
    overdue_registries_sensor,
    release_dead_run_slots,
)
from orchestration.settings import Settings


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    """The code location for one data folder (tests build it for a temporary one)."""
    return dg.Definitions(
        assets=[landing_files, registry_rule_checks, notification_letters, registry_deadlines, warehouse_models,
                analytics_database, overdue_registries, monitoring_report, phone_survey_call_lists, report_approval],
        asset_checks=[report_produced_by_due_date, registry_received_by_deadline],
        jobs=[ingest_job, build_job, overdue_registries_job, report_job, approve_report_job],
        schedules=[monthly_ingestion_schedule, report_schedule, build_before_reports_schedule],
        sensors=[landing_files_sensor, build_after_ingestion, overdue_registries_sensor, report_deadline_sensor,
                 registry_freshness_sensor, release_dead_run_slots],
        resources=build_resources(settings),
    )


defs = build_definitions()
