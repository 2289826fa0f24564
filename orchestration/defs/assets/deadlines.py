"""Deadlines into the warehouse (R5-R7), and the alert for months with no registry (R5, R10).

``deadlines/registry_deadlines`` applies the rules of ``orchestration.rules.deadlines`` (the one
place they are written) to every loaded registry version and to every expected month with
nothing received, for dbt's ``int_registry_timeliness``. It runs after the letters of the same
build, and takes each lettered version's date and correction deadline from its letter.
``alerts/overdue_registries`` is what the late-registry sensor launches: its check fails
naming the months whose deadline has passed with no registry in the landing folder.
Both evaluate at ``MONITORING_EVALUATION_TIME`` (or the run's ``monitoring/evaluation_time``
tag, or now); see ``orchestration.rules.timeliness``.
"""



import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.defs.assets.ingest import BATCHES_KEY
from orchestration.defs.assets.letters import LETTERS_KEY
from orchestration.defs.clock import run_evaluation_time
from orchestration.defs.resources import WAREHOUSE_POOL, MonitoringSettings
from orchestration.defs.ui import OWNERS, asset_tags, local_time, local_time_metadata, md_table_metadata, month_ru
from orchestration.rules.timeliness import (
    overdue_months,
    received_registry_months,
    write_registry_deadlines,
)

DEADLINES_KEY = dg.AssetKey(["deadlines", "registry_deadlines"])
OVERDUE_KEY = dg.AssetKey(["alerts", "overdue_registries"])


@dg.asset(
    key=DEADLINES_KEY,
    deps=[BATCHES_KEY, LETTERS_KEY],
    group_name="deadlines",
    kinds={"duckdb"},
    pool=WAREHOUSE_POOL,
    owners=OWNERS,
    tags=asset_tags("deadlines", pii=False),
    check_specs=[dg.AssetCheckSpec(
        "registries_submitted_on_time", asset=DEADLINES_KEY,
        description="Реестр за каждый месяц (первая версия) представлен до 1-го числа следующего месяца "
                    "(п. 7 Методики), пропущенных месяцев нет.\n\n"
                    "Every expected month's registry (its first version) was submitted by the deadline; "
                    "none is missing.")],
    description="Сроки по реестрам: срок представления (п. 7), срок письма-уведомления (п. 8) и срок "
                "исправления (п. 9) по каждой версии реестра; месяцы без реестра.\n\n"
                "correspondence.registry_deadlines: per registry version its due time, on-time flag, the "
                "notification letter's due time and the correction deadline (as its letter states it); one "
                "row per expected month with no registry. Rules: `orchestration/rules/deadlines.py`; scope of "
                "expected months and letter dating: `orchestration/rules/timeliness.py`.",
)
def registry_deadlines(context: dg.AssetExecutionContext, warehouse: DuckDBResource):
    now = run_evaluation_time(context)
    with warehouse.get_connection() as con:
        rows = write_registry_deadlines(con, now)
    missing = [str(row["period"]) for row in rows if row["is_missing"]]
    first_versions: dict[str, dict[str, object]] = {}
    for row in rows:
        if not row["is_missing"]:
            first_versions.setdefault(str(row["period"]), row)
    late = [period for period, row in first_versions.items() if row["on_time"] is False]
    context.log.info(f"deadlines at {now.isoformat()}: {len(rows)} rows, missing {missing}, late {late}")
    yield dg.MaterializeResult(metadata={
        "evaluated_at": local_time_metadata(now),
        "registry_versions": len(rows) - len(missing),
        "missing_months": dg.MetadataValue.text(", ".join(missing) or "—"),
        "late_months": dg.MetadataValue.text(", ".join(late) or "—"),
    })
    parts = ([f"не получен реестр за {', '.join(month_ru(m) for m in missing)}"] if missing else []) + (
        [f"реестр представлен с нарушением срока за {', '.join(month_ru(m) for m in late)}"] if late else [])
    yield dg.AssetCheckResult(
        check_name="registries_submitted_on_time",
        asset_key=DEADLINES_KEY,
        passed=not missing and not late,
        # No registry at all leaves a month uncounted (clause 10): a failure. A late one is counted
        # from its earlier on-time version or left out by rule (R8): a warning.
        severity=dg.AssetCheckSeverity.ERROR if missing else dg.AssetCheckSeverity.WARN,
        description=("Нарушен срок представления реестра (п. 7): " + "; ".join(parts) + "." if parts
                     else "Реестры за все месяцы представлены в срок."),
        metadata={
            "evaluated_at": local_time_metadata(now),
            "Нарушения срока": md_table_metadata(
                ["Месяц", "Нарушение", "Срок (Алматы)", "Представлен (Алматы)"],
                [(period, "реестр не получен", local_time(row.get("due_at")), "—")  # type: ignore[arg-type]
                 for row in rows if row["is_missing"] for period in [str(row["period"])]]
                + [(period, "представлен после срока", local_time(row.get("due_at")),  # type: ignore[arg-type]
                    local_time(row.get("submitted_at")))  # type: ignore[arg-type]
                   for period, row in first_versions.items() if period in late]),
            "missing_months": dg.MetadataValue.json(missing),
            "late_months": dg.MetadataValue.json(late),
        },
    )


@dg.asset(
    key=OVERDUE_KEY,
    group_name="alerts",
    kinds={"python"},
    owners=OWNERS,
    tags=asset_tags("alerts", pii=False),
    check_specs=[dg.AssetCheckSpec(
        "no_overdue_registries", asset=OVERDUE_KEY,
        description="Нет месяцев, за которые срок представления реестра истек, а реестр не получен (п. 7).\n\n"
                    "No month whose registry deadline has passed lacks a registry file in the landing folder.")],
    description="Оповещение: месяцы, за которые срок представления реестра истек, а реестр не получен.\n\n"
                "Launched by the overdue_registries sensor; evaluated at the time of its tag.",
)
def overdue_registries(context: dg.AssetExecutionContext, monitoring: MonitoringSettings):
    now = run_evaluation_time(context)
    overdue = overdue_months(now, received_registry_months(monitoring.get().landing_dir))
    if overdue:
        context.log.error(f"registries overdue at {now.isoformat()}: {', '.join(overdue)}")
    yield dg.MaterializeResult(metadata={
        "evaluated_at": local_time_metadata(now),
        "overdue_months": dg.MetadataValue.text(", ".join(overdue) or "—"),
    })
    yield dg.AssetCheckResult(
        check_name="no_overdue_registries",
        asset_key=OVERDUE_KEY,
        passed=not overdue,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(f"Реестр услуг не получен, срок истек: {', '.join(overdue)}" if overdue
                     else "Просроченных реестров нет."),
        metadata={"evaluated_at": local_time_metadata(now),
                  "Просроченные месяцы": md_table_metadata(["Месяц", ""], [(m, month_ru(m)) for m in overdue]),
                  "overdue_months": dg.MetadataValue.json(overdue)},
    )
