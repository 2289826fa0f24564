"""The report to the authorised body (Appendix 3), one partition per reporting period, and
the check that each report was produced by its due date (R11, clause 12).

Reads its figures from the published analytics.duckdb, so the document, the workbook and the
database always agree. Reports as issued are kept (outputs/reports/vintages.py): each period's
figures are compared with its latest revision in the warehouse's ``reporting`` schema; the same
figures keep the same revision (no file is rewritten), different ones file revision N+1 under
data/reports/<period>/r<N+1>/ with the annex of changes, and the latest is copied to
data/reports/<period>/. The revisions are then published to analytics.duckdb. Because it writes
the warehouse and swaps analytics.duckdb, the asset runs in the one-slot warehouse pool.

A period not closed at the run's evaluation time (its last month's cut-off not passed), or
closed by the calendar but not yet in analytics.duckdb (built before the cut-off), is refused
before anything is read or written: the run fails with the reason in Russian
(outputs/reports/closure.py) and no revision is filed.

Approval: a revision N+1 of a period whose earlier revision an analyst approved is filed as
awaiting approval, and the check ``approved_revision_unchanged`` fails, saying so in Russian.

A run writes one period (the quarterly schedule) or several: a backfill of report partitions
is one run (``BackfillPolicy.single_run``), as `run_year` asks for a year's reports, so one
LibreOffice converts all of them while the next period is built (reports/build.py). Each
partition still gets its own materialisation with its own metadata (folder, files, tables).

The due-date check (``produced_by_due_date``) — the reports' freshness — looks at every period
whose data is in the analytics database (``reporting_periods.report_period``) and at when its
first revision was filed (``report_revisions.produced_at``, the run's evaluation time; for a
period with no revision recorded, the report asset's first materialisation on this instance): a
report filed after its due day is a warning, one not filed when its due day has ended (in Asia/
Almaty) is an error. It runs with every report materialisation
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
from dagster_duckdb import DuckDBResource

from orchestration.defs.assets.publish import publish
from orchestration.defs.clock import run_evaluation_time
from orchestration.defs.partitions import report_partitions
from orchestration.defs.resources import WAREHOUSE_POOL, MonitoringSettings
from orchestration.defs.ui import OWNERS, asset_tags, files_metadata, local_time, local_time_metadata, md_table_metadata
from orchestration.outputs.reports import ReportFiles, parse_period, write_reports
from orchestration.outputs.reports.closure import period_title, refusals
from orchestration.outputs.reports.deadline import LATE, NOT_DUE, ON_TIME, OVERDUE, ReportDeadline, report_deadlines
from orchestration.outputs.reports.figures import read_figures
from orchestration.outputs.reports.language import languages
from orchestration.outputs.reports.vintages import (
    AWAITING_APPROVAL,
    REVISIONS_TABLE,
    RevisionPlan,
    plan_revision,
    record_revision,
)
from orchestration.outputs.reports.vintages import (
    SCHEMA as VINTAGES_SCHEMA,
)
from orchestration.rules.deadlines import local_date
from orchestration.rules.timeliness import evaluation_time
from orchestration.settings import report_languages

REPORT_KEY = dg.AssetKey(["reports", "monitoring_report"])
DEADLINE_CHECK = "produced_by_due_date"
APPROVAL_CHECK = "approved_revision_unchanged"


@dg.asset(
    key=REPORT_KEY,
    deps=[dg.AssetKey(["analytics", "database"])],
    partitions_def=report_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="reports",
    kinds={"docx", "xlsx", "pdf"},
    owners=OWNERS,
    tags=asset_tags("reports", pii=False),
    pool=WAREHOUSE_POOL,
    check_specs=[dg.AssetCheckSpec(
        APPROVAL_CHECK, asset=REPORT_KEY,
        description="Утвержденный отчет не меняется незаметно: при изменении данных готовится новая редакция, "
                    "ожидающая утверждения, и проверка называет ее.\n\nAn approved report's figures are not "
                    "changed silently: a changed period is filed as a new revision awaiting approval.")],
    description="Отчет уполномоченному органу по приложению 3 Методики: ежеквартальный (Q1–Q3) и итоговый "
    "годовой (п. 12–14).\n\nFiles .docx, .xlsx and, where LibreOffice is installed, .pdf in "
    "`data/reports/ПЕРИОД/rN/` (each revision kept) and the latest in `data/reports/ПЕРИОД/`; "
    "figures kept in reported_figures.",
)
def monitoring_report(context: dg.AssetExecutionContext, monitoring: MonitoringSettings,
                      warehouse: DuckDBResource):
    settings = monitoring.get()
    produced_at = run_evaluation_time(context)
    periods = list(context.partition_keys)
    refused = refusals(periods, produced_at, periods_with_data(settings.analytics_path))
    if refused:  # before anything is read or written: no revision is filed for an unclosed period
        raise dg.Failure(
            description=" ".join(refusal.message_ru() for refusal in refused),
            metadata={"refused": dg.MetadataValue.json({r.period: local_time(r.cutoff_at) for r in refused}),
                      "evaluated_at": local_time_metadata(produced_at)},
            allow_retries=False)
    with warehouse.get_connection() as con:
        plans = {period: plan_revision(con, period, read_figures(settings.analytics_path, parse_period(period)))
                 for period in periods}
    editions = languages(report_languages())
    # one revision holds every edition: a revision folder lacking a language now asked for is
    # written again (same revision number, same figures), never filed as a new revision
    to_write = [p for p in periods if plans[p].is_new
                or not all((settings.reports_dir / plans[p].folder / f"report_{p}{e.file_suffix}.docx").exists()
                           for e in editions)]
    written = {files.period: files for files in write_reports(
        settings.analytics_path, to_write, settings.reports_dir, plans=plans,
        generated=local_date(produced_at), languages=editions)}
    with warehouse.get_connection() as con:
        for period in to_write:
            record_revision(con, plans[period], produced_at)  # a plan that is not new files nothing
    publish(settings, schemas=(VINTAGES_SCHEMA,))
    for period in periods:
        plan, files = plans[period], written.get(period)
        if files is not None:
            context.log.info(f"report {period} revision {plan.revision}: {files.revision_folder}; "
                             f"{files.pdf_message or 'PDF written'}")
            for warning in files.warnings:
                context.log.warning(warning)
        else:
            context.log.info(f"report {period}: same figures as revision {plan.revision}; nothing rewritten")
        context.add_asset_metadata(report_metadata(files, plan, settings.reports_dir), partition_key=period)
    awaiting = [plans[p] for p in periods if plans[p].is_new and plans[p].status == AWAITING_APPROVAL]
    yield dg.MaterializeResult()
    yield dg.AssetCheckResult(
        check_name=APPROVAL_CHECK,
        passed=not awaiting,
        severity=dg.AssetCheckSeverity.ERROR,
        description=" ".join(approval_message(plan) for plan in awaiting)
        or "Утвержденные отчеты не изменились.",
        metadata={"awaiting_approval": dg.MetadataValue.json(
            {plan.period: plan.revision for plan in awaiting})},
    )


def approval_message(plan: RevisionPlan) -> str:
    """The check's plain words: which approved report changed, and what is awaiting approval."""
    period_name = period_title(parse_period(plan.period))
    approved_revision, approved_by = plan.approved or (plan.previous, "")
    return (f"Отчет {period_name} утвержден в редакции {approved_revision} ({approved_by}), но данные "
            f"изменились: подготовлена редакция {plan.revision}, ожидающая утверждения "
            f"({plan.reason.lower()}). Утвержденной остается редакция {approved_revision}.")


def report_metadata(files: ReportFiles | None, plan: RevisionPlan, reports_dir: Path) -> dict[str, dg.MetadataValue]:
    """A period's materialisation metadata: its revision, where its files are, what the report holds."""
    revision = {
        "revision": dg.MetadataValue.int(plan.revision),
        "new_revision": dg.MetadataValue.bool(plan.is_new),
        "revision_status": dg.MetadataValue.text(plan.status),
        "changed_figures": dg.MetadataValue.int(len(plan.changes)),
        "revision_folder": dg.MetadataValue.path(str(reports_dir / plan.folder)),
    }
    if files is None:  # the same revision: its files are already the latest
        folder = reports_dir / plan.period
        pdf = folder / f"report_{plan.period}.pdf"
        kept = [folder / f"report_{plan.period}{language}.{suffix}"
                for language in ("", "_kk") for suffix in ("docx", "xlsx", "pdf")]
        return {**revision,
                **files_metadata([path for path in kept if path.exists()], reports_dir),
                "folder": dg.MetadataValue.path(str(folder)),
                "docx": dg.MetadataValue.path(str(folder / f"report_{plan.period}.docx")),
                "xlsx": dg.MetadataValue.path(str(folder / f"report_{plan.period}.xlsx")),
                "pdf": dg.MetadataValue.text(str(pdf) if pdf.exists() else "")}
    written = [f for e in files.editions for f in (e.docx, e.xlsx, e.pdf) if f is not None]
    return {
        **revision,
        "languages": dg.MetadataValue.json([e.language for e in files.editions]),
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
    """The reports due from the data: periods closed by the calendar (reporting_periods, issue 20)."""
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


def first_revisions(analytics_path: Path) -> dict[str, datetime]:
    """When each period's first revision was filed, as the published ``report_revisions`` has it.

    The revision's ``produced_at`` is the run's evaluation time (the simulated clock's instant in
    `make simulate`), and it survives a new Dagster instance; a materialisation's timestamp is the
    wall clock of whichever instance ran the report."""
    if not analytics_path.exists():
        return {}
    with duckdb.connect(str(analytics_path), read_only=True) as con:
        tables = {row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()}
        if REVISIONS_TABLE not in tables:
            return {}
        rows = con.execute(f"select report_period, min(produced_at) from {REVISIONS_TABLE} group by 1").fetchall()
    return {str(period): produced.astimezone(UTC) for period, produced in rows}


def evaluate_deadlines(instance: dg.DagsterInstance, analytics_path: Path, now: datetime) -> list[ReportDeadline]:
    """Each period's state at ``now``: filed when its first revision was (the report asset's first
    materialisation on this instance for a period with no revision recorded)."""
    periods = periods_with_data(analytics_path)
    produced = {**first_productions(instance, periods), **first_revisions(analytics_path)}
    return report_deadlines(periods, produced, now)


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
