"""The report to the authorised body (Appendix 3), one partition per reporting period, and
the check that each report was produced by its due date (R11, clause 12).

Reads the published analytics.duckdb only (never the warehouse), so it needs no slot in
the warehouse pool, and the document, the workbook and the database always agree.

A run writes one period (the quarterly schedule) or several: a backfill of report partitions
is one run (``BackfillPolicy.single_run``), as `run_year` asks for a year's reports, so one
LibreOffice converts all of them while the next period is built (reports/build.py). Each
partition still gets its own materialisation with its own metadata (folder, files, tables).

The due-date check (``produced_by_due_date``) looks at every period whose data is in the
analytics database (``reporting_periods.report_period``) and at when the report asset's
partition was first materialised: a report produced after its due day is a warning, one not
produced when its due day has ended is an error. It runs with every report materialisation
and — because the interesting moment is the due day passing with *no* run at all — the
``report_deadlines`` sensor evaluates it hourly and records a new evaluation whenever the
set of late or overdue reports changes.
"""


import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.defs.partitions import report_partitions
from orchestration.defs.resources import MonitoringSettings
from orchestration.defs.ui import OWNERS, asset_tags, files_metadata, local_time, local_time_metadata, md_table_metadata
from orchestration.outputs.reports import ReportFiles, write_reports
from orchestration.outputs.reports.deadline import LATE, NOT_DUE, ON_TIME, OVERDUE, ReportDeadline, report_deadlines
from orchestration.rules.timeliness import evaluation_time

REPORT_KEY = dg.AssetKey(["reports", "monitoring_report"])
DEADLINE_CHECK = "produced_by_due_date"


@dg.asset(
    key=REPORT_KEY,
    deps=[dg.AssetKey(["analytics", "database"])],
    partitions_def=report_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="reports",
    kinds={"docx", "xlsx", "pdf"},
    owners=OWNERS,
    tags=asset_tags("reports", pii=False),
    description="Отчет уполномоченному органу по приложению 3 Методики: ежеквартальный (Q1–Q3) и итоговый "
    "годовой (п. 12–14).\n\nFiles .docx, .xlsx and, where LibreOffice is installed, .pdf in "
    "`data/reports/ГГГГ-Qn/` or `data/reports/ГГГГ-final/`, read from analytics.duckdb only.",
)
def monitoring_report(context: dg.AssetExecutionContext, monitoring: MonitoringSettings) -> dg.MaterializeResult:
    settings = monitoring.get()
    for files in write_reports(settings.analytics_path, list(context.partition_keys), settings.reports_dir):
        context.log.info(f"report {files.period}: {files.folder}; {files.pdf_message or 'PDF written'}")
        for warning in files.warnings:
            context.log.warning(warning)
        context.add_asset_metadata(report_metadata(files), partition_key=files.period)
    return dg.MaterializeResult()


def report_metadata(files: ReportFiles) -> dict[str, dg.MetadataValue]:
    """A period's materialisation metadata: where its files are, and what the report holds."""
    written = [f for f in (files.docx, files.xlsx, files.pdf) if f is not None]
    return {
        **files_metadata(written, files.folder.parent),
        "folder": dg.MetadataValue.path(str(files.folder)),
        "docx": dg.MetadataValue.path(str(files.docx)),
        "xlsx": dg.MetadataValue.path(str(files.xlsx)),
        "pdf": dg.MetadataValue.text(str(files.pdf) if files.pdf else (files.pdf_message or "")),
        "tables": dg.MetadataValue.int(files.tables),
        "charts": dg.MetadataValue.int(files.charts),
        "missing_tables": dg.MetadataValue.json(list(files.missing_tables)),
    }


# --- due dates ---------------------------------------------------------------------------


def periods_with_data(analytics_path: Path) -> list[str]:
    """The reports the data calls for: periods whose last registry is in (reporting_periods)."""
    if not analytics_path.exists():
        return []
    with duckdb.connect(str(analytics_path), read_only=True) as con:
        tables = {row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()}
        if "reporting_periods" not in tables:
            return []
        rows = con.execute(
            "select distinct report_period from reporting_periods where report_period is not null"
        ).fetchall()
    return sorted(str(row[0]) for row in rows)


def first_productions(instance: dg.DagsterInstance, periods: Iterable[str]) -> dict[str, datetime]:
    """When each period's report partition was first materialised (UTC)."""
    periods = list(periods)
    if not periods:
        return {}
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=REPORT_KEY, asset_partitions=periods), limit=10_000, ascending=True
    ).records
    first: dict[str, datetime] = {}
    for record in records:
        if record.partition_key is not None:
            first.setdefault(record.partition_key, datetime.fromtimestamp(record.timestamp, UTC))
    return first


def evaluate_deadlines(instance: dg.DagsterInstance, analytics_path: Path, now: datetime) -> list[ReportDeadline]:
    periods = periods_with_data(analytics_path)
    return report_deadlines(periods, first_productions(instance, periods), now)


def check_outcome(deadlines: list[ReportDeadline], now: datetime) -> dict:
    """The fields of the check's result: passes when no report is late or overdue."""
    flagged = [d for d in deadlines if d.is_violation]
    overdue = [d for d in flagged if d.state == OVERDUE]
    return {
        "passed": not flagged,
        "severity": dg.AssetCheckSeverity.ERROR if overdue else dg.AssetCheckSeverity.WARN,
        "description": ("Нарушен срок представления отчета (п. 12): " + "; ".join(describe_ru(d) for d in flagged) + "."
                        if flagged else "Все отчеты, срок которых наступил, подготовлены в срок."),
        "metadata": {
            "evaluated_at": local_time_metadata(now),
            "Отчеты": md_table_metadata(
                ["Период", "Срок", "Подготовлен (Алматы)", "Состояние"],
                [(d.period, d.due.strftime("%d.%m.%Y"), local_time(d.produced_at), STATES_RU.get(d.state, d.state))
                 for d in deadlines]),
            "overdue": dg.MetadataValue.json([d.period for d in overdue]),
            "late": dg.MetadataValue.json([d.period for d in flagged if d.state != OVERDUE]),
            "states": dg.MetadataValue.json({d.period: d.state for d in deadlines}),
        },
    }


STATES_RU = {OVERDUE: "не подготовлен, срок истек", LATE: "подготовлен с опозданием", ON_TIME: "подготовлен в срок",
             NOT_DUE: "срок не наступил"}


def describe_ru(deadline: ReportDeadline) -> str:
    """'отчет 2019-Q1 не подготовлен, срок 12.04.2019' (one flagged report, for the check's sentence)."""
    due = deadline.due.strftime("%d.%m.%Y")
    if deadline.state == OVERDUE:
        return f"отчет {deadline.period} не подготовлен, срок {due}"
    return f"отчет {deadline.period} подготовлен {local_time(deadline.produced_at)}, срок {due}"


@dg.asset_check(asset=REPORT_KEY, name=DEADLINE_CHECK, blocking=False,
                description="Каждый отчет, срок которого наступил, подготовлен в срок (п. 12 Методики).\n\n"
                "Quarterly reports by the 12th of the month after the quarter; the final report by "
                "10 December.")
def report_produced_by_due_date(
    context: dg.AssetCheckExecutionContext, monitoring: MonitoringSettings
) -> dg.AssetCheckResult:
    now = evaluation_time()
    deadlines = evaluate_deadlines(context.instance, monitoring.get().analytics_path, now)
    return dg.AssetCheckResult(**check_outcome(deadlines, now))


@dg.sensor(name="report_deadlines", minimum_interval_seconds=3600, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Ежечасно: проверка сроков подготовки отчетов; запись, когда меняется список "
                       "просроченных отчетов.")
def report_deadline_sensor(context: dg.SensorEvaluationContext, monitoring: MonitoringSettings):
    """Hourly: record the due-date check when the set of late or overdue reports changes.

    Evaluates at ``MONITORING_EVALUATION_TIME`` (tests, backfills) or now; the cursor keeps the
    last flagged set, so a report that stays overdue is raised once, not every hour.
    """
    now = evaluation_time()
    deadlines = evaluate_deadlines(context.instance, monitoring.get().analytics_path, now)
    flagged = {d.period: d.state for d in deadlines if d.is_violation}
    previous = json.loads(context.cursor) if context.cursor else None
    if flagged == previous:
        return dg.SkipReason(f"no change at {now.isoformat()}: {flagged or 'no late or overdue report'}")
    context.update_cursor(json.dumps(flagged, sort_keys=True))
    outcome = check_outcome(deadlines, now)
    return dg.SensorResult(asset_events=[
        dg.AssetCheckEvaluation(asset_key=REPORT_KEY, check_name=DEADLINE_CHECK, **outcome)
    ])
