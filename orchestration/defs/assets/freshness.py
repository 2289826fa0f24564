"""Freshness of the registry (R5, clause 7): a month whose deadline has passed with no registry
taken in shows as a failed check on raw/registry_rows, in the catalog where the engineer looks.

Why a check of our own rather than Dagster's freshness policies or
``build_time_partition_freshness_checks``: those judge an asset by when it was last materialised
on the wall clock, and the monthly ingestion materialises ``raw/registry_rows`` for a month
whether or not the operator delivered anything; the deadline is also not "a partition by a cron
tick" but the end of the 1st of the next month in Asia/Almaty, for every month since the
programme began. This check asks the question clause 7 asks — is there an accepted registry for
each month whose deadline has passed? — at the run's evaluation time (its tag, else
``MONITORING_EVALUATION_TIME``, else now), so a simulated clock or a test can evaluate it before
and after a deadline.

It is evaluated by the hourly ``registry_freshness`` sensor (an evaluation is recorded whenever
the set of overdue months changes, without a run) and can be executed from the UI. The alert
run ``overdue_registries_alert`` stays the notification; this is the status.
"""


import json
from datetime import datetime
from pathlib import Path

import dagster as dg

from orchestration.defs.assets.ingest import RAW_KEYS
from orchestration.defs.clock import run_evaluation_time
from orchestration.defs.resources import MonitoringSettings
from orchestration.defs.ui import local_time, local_time_metadata, md_table_metadata, month_ru
from orchestration.ingestion.ledger import LOADED, read_ledger, registry_months
from orchestration.rules.deadlines import local_date, registry_due_at
from orchestration.rules.timeliness import evaluation_time, month_start, overdue_months, received_registry_months

REGISTRY_KEY = RAW_KEYS["registry"]
FRESHNESS_CHECK = "registry_received_by_deadline"
SHOWN_MONTHS = 12  # months named in the check's sentence; the table lists every one

NOT_RECEIVED = "реестр не получен"
NOT_TAKEN = "файл получен, но не принят (отклонен по форме или еще не загружен)"


def registry_freshness(now: datetime, landing_dir: Path, ledger_path: Path, warehouse_path: Path) -> dict:
    """The check's result at ``now``: every month whose registry deadline has passed without an
    accepted registry (the landing ledger's ``loaded``), and whether a file came at all."""
    taken = registry_months(read_ledger(ledger_path, warehouse_path), LOADED)
    received = received_registry_months(landing_dir)
    overdue = overdue_months(now, taken)
    due = {month: registry_due_at(month_start(month)) for month in overdue}
    rows = [(month, month_ru(month), local_time(due[month]), NOT_TAKEN if month in received else NOT_RECEIVED)
            for month in overdue]
    named = "; ".join(f"{name} — {state}, срок истек {local_date(due[month]):%d.%m.%Y}"
                      for month, name, _due, state in rows[:SHOWN_MONTHS])
    more = f"; и еще {len(rows) - SHOWN_MONTHS} мес. (см. таблицу)" if len(rows) > SHOWN_MONTHS else ""
    return {
        "passed": not overdue,
        "severity": dg.AssetCheckSeverity.ERROR,
        "description": (f"Срок представления реестра истек, принятого реестра нет (п. 7 Методики: реестр по "
                        f"состоянию на 1-е число следующего месяца, до конца этого дня по времени Алматы): "
                        f"{named}{more}." if overdue
                        else "Реестры за все месяцы, срок представления которых истек, получены и приняты."),
        "metadata": {
            "evaluated_at": local_time_metadata(now),
            "Просроченные реестры": md_table_metadata(["Месяц", "", "Срок (Алматы)", "Состояние"], rows),
            "overdue_months": dg.MetadataValue.json(overdue),
        },
    }


@dg.asset_check(asset=REGISTRY_KEY, name=FRESHNESS_CHECK, blocking=False,
                description="Реестр за каждый месяц получен и принят до истечения срока (п. 7 Методики: по "
                            "состоянию на 1-е число следующего месяца, конец дня по времени Алматы).\n\n"
                            "Freshness of the registry: fails, naming the month and its deadline, for every month "
                            "whose deadline has passed with no accepted registry in the landing ledger.")
def registry_received_by_deadline(context: dg.AssetCheckExecutionContext,
                                  monitoring: MonitoringSettings) -> dg.AssetCheckResult:
    settings = monitoring.get()
    now = run_evaluation_time(context)
    return dg.AssetCheckResult(**registry_freshness(now, settings.landing_dir, settings.ledger_path,
                                                    settings.warehouse_path))


@dg.sensor(name="registry_freshness", minimum_interval_seconds=3600, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Ежечасно: свежесть реестров — запись проверки, когда меняется список месяцев, срок "
                       "представления реестра за которые истек без принятого реестра.")
def registry_freshness_sensor(context: dg.SensorEvaluationContext, monitoring: MonitoringSettings):
    """Hourly, at ``MONITORING_EVALUATION_TIME`` or now: record the freshness check when the set of
    overdue months changes (a new deadline passed, or a registry was taken in); no run is needed."""
    settings = monitoring.get()
    now = evaluation_time()
    outcome = registry_freshness(now, settings.landing_dir, settings.ledger_path, settings.warehouse_path)
    overdue = outcome["metadata"]["overdue_months"].value
    if context.cursor is not None and json.loads(context.cursor) == overdue:
        return dg.SkipReason(f"no change at {now.isoformat()}: {len(overdue)} month(s) overdue")
    context.update_cursor(json.dumps(overdue))
    return dg.SensorResult(asset_events=[
        dg.AssetCheckEvaluation(asset_key=REGISTRY_KEY, check_name=FRESHNESS_CHECK, **outcome)])
