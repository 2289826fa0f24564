"""Jobs: what a scheduled, sensor-launched or demo run materialises."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.assets.freshness import registry_received_by_deadline
from orchestration.defs.partitions import monthly_partitions

RAW = dg.AssetSelection.groups("raw")
REPORTS = dg.AssetSelection.groups("reports")
ALERTS = dg.AssetSelection.groups("alerts")
APPROVALS = dg.AssetSelection.groups("approvals")

# The registry's freshness check is evaluated by its hourly sensor (and from the UI), not as one
# more step, hence one more process, of every ingestion (defs/assets/freshness.py).
REGISTRY_FRESHNESS = dg.AssetSelection.checks(registry_received_by_deadline)

# Load the landing files of one or more months (a year is one run: single-run backfill).
ingest_job = dg.define_asset_job(
    "ingest_landing_files",
    selection=RAW - REGISTRY_FRESHNESS,
    partitions_def=monthly_partitions,
    description="Загрузка файлов отчетного месяца (или нескольких) в слой raw.",
)

# Build the dbt models (staging by new batch, the rest over all history) and publish analytics.duckdb.
build_job = dg.define_asset_job(
    "build_warehouse",
    selection=dg.AssetSelection.all() - RAW - ALERTS - REPORTS - APPROVALS,
    description="Сборка хранилища: проверка реестров, письма-уведомления, сроки, витрины и проверки dbt, "
    "публикация analytics.duckdb, списки для обзвона.",
)

# Launched by the overdue_registries sensor: an alert whose failed check names the months.
overdue_registries_job = dg.define_asset_job(
    "overdue_registries_alert",
    selection=ALERTS,
    description="Оповещение о месяцах, за которые срок представления реестра (п. 7) истек, а реестр не получен.",
)


# The quarterly or final report of one period (partition '2019-Q1' … '2019-final').
report_job = dg.define_asset_job(
    "write_report",
    selection=REPORTS,
    description="Подготовка отчета за отчетный период (квартал или итоговый год) из analytics.duckdb.",
)


# An analyst approves a report period's revision (run config approved_by; partition '2019-Q1' …).
approve_report_job = dg.define_asset_job(
    "approve_report",
    selection=APPROVALS,
    description="Утверждение редакции отчета за период аналитиком (параметр approved_by). "
    "Records an analyst's approval of a report period's revision.",
)
