"""Reports as issued (vintages): every figure a report printed, kept per revision.

A report once produced is never silently overwritten. Each production of a period flattens
its figures (indicators I1-I9 and the quality tables, quarter and year-to-date columns) into
rows of ``reporting.reported_figures`` and compares them, with the registry versions used,
with the period's latest revision:

- the same figures from the same registry versions: the same revision (nothing written);
- anything different: revision N+1, with the reason and the list of changed figures, which
  the report prints as the annex "Изменения по сравнению с редакцией N".

The record lives in the warehouse in a schema of its own (``reporting``), which dbt never
touches, and the publish copies it into analytics.duckdb, so it survives every re-publish.
It holds counts, shares and region names only: no personal data.

Approval (``reporting.report_approvals``): an analyst approves a period's revision. A revision
produced after the period's latest approval, with different figures, is 'awaiting_approval'
until approved; the approved revision stays what ``approved_figures`` returns.

Pure code: DuckDB, no Dagster.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from orchestration.outputs.reports import texts_ru
from orchestration.outputs.reports.figures import ReportFigures
from orchestration.outputs.reports.scorecard import figure_rows as scorecard_rows
from orchestration.outputs.reports.tables import DYNAMICS_INDICATORS, period_ranges

SCHEMA = "reporting"
FIGURES_TABLE = "reported_figures"
REVISIONS_TABLE = "report_revisions"
APPROVALS_TABLE = "report_approvals"
TABLES = (FIGURES_TABLE, REVISIONS_TABLE, APPROVALS_TABLE)

MONTH_SCOPE = "month:"  # a month of the final report's dynamics table: 'month:2019-03'
ISSUED = "issued"
APPROVED = "approved"
AWAITING_APPROVAL = "awaiting_approval"

DDL = (
    f"create schema if not exists {SCHEMA}",
    f"""create table if not exists {SCHEMA}.{REVISIONS_TABLE} (
        report_period varchar not null,
        revision integer not null,
        produced_at timestamptz not null,
        registry_versions varchar[] not null,
        reason varchar not null,
        status varchar not null,
        figures integer not null,
        changed_figures integer not null,
        fingerprint varchar not null,
        folder varchar not null,
        primary key (report_period, revision))""",
    f"""create table if not exists {SCHEMA}.{FIGURES_TABLE} (
        report_period varchar not null,
        revision integer not null,
        produced_at timestamptz not null,
        table_name varchar not null,
        scope varchar not null,
        region_code varchar,
        region varchar not null,
        row_key varchar not null,
        measure varchar not null,
        value double)""",
    f"""create table if not exists {SCHEMA}.{APPROVALS_TABLE} (
        report_period varchar not null,
        revision integer not null,
        approved_by varchar not null,
        approved_at timestamptz not null)""",
)


@dataclass(frozen=True)
class Figure:
    """One value a report printed. ``row_key`` names the dimension values ('' for the total),
    ``region_code`` is None on the republic's row."""

    table_name: str
    scope: str  # 'quarter' | 'year_to_date'
    region_code: str | None
    row_key: str
    measure: str
    value: float | None
    region: str = field(default="", compare=False)

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.table_name, self.scope, self.region_code or "", self.row_key, self.measure)


@dataclass(frozen=True)
class Change:
    figure: tuple[str, str, str, str, str]  # Figure.key
    region: str
    old: float | None
    new: float | None


@dataclass(frozen=True)
class RevisionPlan:
    """What producing ``period`` now means: the revision to file it under, and whether it is new."""

    period: str
    revision: int
    is_new: bool
    previous: int | None  # the revision compared with (None for the first)
    figures: tuple[Figure, ...]
    registry_versions: tuple[str, ...]
    fingerprint: str
    changes: tuple[Change, ...] = ()
    reason: str = ""  # as recorded, in Russian; the editions word it from versions_added/_removed
    status: str = ISSUED
    approved: tuple[int, str] | None = None  # (revision, approved_by) of the latest approval
    versions_added: tuple[str, ...] = ()  # registry versions used now and not by the previous revision
    versions_removed: tuple[str, ...] = ()

    @property
    def folder(self) -> str:
        return f"{self.period}/r{self.revision}"


def flatten(figures: ReportFigures) -> list[Figure]:
    """Every indicator, quality and scorecard figure of the report's period columns, in a stable order."""
    region_name = {r.code: r.name for r in figures.regions}
    rows: list[Figure] = []
    scopes = [scope for scope, _ in period_ranges(figures.period)]
    for indicator in figures.indicators.values():
        if not indicator.present:
            continue
        dims = indicator.spec.dims
        for scope in scopes:
            for (region, values), count in getattr(indicator, scope).items():
                row_key = " / ".join(f"{d}={v}" for d, v in zip(dims, values, strict=True) if v is not None)
                rows.append(Figure(indicator.spec.table, scope, region, row_key, indicator.spec.measure,
                                   float(count), region_name.get(region, texts_ru.TOTAL_ROW)))
    if figures.period.is_final:  # the year's dynamics table: the republic's month rows of I1, I7, I9
        for key in DYNAMICS_INDICATORS:
            indicator = figures.indicators[key]
            dims = indicator.spec.dims
            for month, values in sorted(indicator.months.items()):
                for (region, dim_values), count in values.items():
                    if region is not None or any(v is not None for v in dim_values[1:]):
                        continue
                    row_key = " / ".join(f"{d}={v}" for d, v in zip(dims, dim_values, strict=True) if v is not None)
                    rows.append(Figure(indicator.spec.table, f"{MONTH_SCOPE}{month:%Y-%m}", None, row_key,
                                       indicator.spec.measure, float(count), texts_ru.TOTAL_ROW))
    for quality in figures.quality.values():
        if not quality.present:
            continue
        for scope in scopes:
            for (region, service, place, measure), estimate in getattr(quality, scope).items():
                row_key = " / ".join(f"{d}={v}" for d, v in (("service", service), ("place_of_service", place))
                                     if v is not None)
                for part in ("n", "value", "ci_low", "ci_high"):
                    value = getattr(estimate, part)
                    rows.append(Figure(quality.spec.table, scope, region, row_key, f"{measure}:{part}",
                                       None if value is None else float(value),
                                       region_name.get(region, texts_ru.TOTAL_ROW)))
    if figures.scorecard is not None:  # the operator's scorecard (annex Г)
        for table, scope, region, row_key, measure, value in scorecard_rows(figures.scorecard):
            rows.append(Figure(table, scope, region, row_key, measure, value,
                               region_name.get(region, region or texts_ru.TOTAL_ROW)))
    return sorted(rows, key=lambda figure: figure.key)


def registry_versions_used(figures: ReportFigures) -> tuple[str, ...]:
    """'2019-03 v2' for each registry version counted in the report's year to date."""
    window = figures.period.year_to_date
    return tuple(sorted(
        f"{r.month:%Y-%m} v{r.version}" for r in figures.registries or []
        if r.used and window.start <= r.month <= window.end
    ))


def fingerprint(figures: Iterable[Figure], versions: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for figure in figures:
        value = "" if figure.value is None else repr(round(figure.value, 9))
        digest.update("\x1f".join((*figure.key, value)).encode())
        digest.update(b"\x1e")
    digest.update("\x1f".join(versions).encode())
    return digest.hexdigest()


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for statement in DDL:
        con.execute(statement)


def plan_revision(con: duckdb.DuckDBPyConnection, period: str, figures: ReportFigures) -> RevisionPlan:
    """Compare the period's figures now with its latest revision (``con``: the warehouse)."""
    ensure_schema(con)
    rows = tuple(flatten(figures))
    versions = registry_versions_used(figures)
    digest = fingerprint(rows, versions)
    latest = con.execute(
        f"select revision, fingerprint, registry_versions from {SCHEMA}.{REVISIONS_TABLE} "
        "where report_period = ? order by revision desc limit 1", [period]).fetchall()
    approval = latest_approval(con, period)
    if not latest:
        return RevisionPlan(period, 1, True, None, rows, versions, digest, reason=texts_ru.FIRST_REVISION)
    revision, previous_digest, previous_versions = latest[0]
    if previous_digest == digest:
        return RevisionPlan(period, revision, False, revision, rows, versions, digest, approved=approval)
    old = {figure.key: figure for figure in read_figures(con, period, revision)}
    new = {figure.key: figure for figure in rows}
    changes = tuple(
        Change(key, (new.get(key) or old[key]).region, old[key].value if key in old else None,
               new[key].value if key in new else None)
        for key in sorted(old.keys() | new.keys())
        if (old[key].value if key in old else None) != (new[key].value if key in new else None)
    )
    status = AWAITING_APPROVAL if approval is not None else ISSUED
    added = tuple(sorted(set(versions) - set(previous_versions)))
    removed = tuple(sorted(set(previous_versions) - set(versions)))
    return RevisionPlan(period, revision + 1, True, revision, rows, versions, digest, changes,
                        texts_ru.revision_reason(list(added), list(removed), len(changes)), status, approval,
                        versions_added=added, versions_removed=removed)


def record_revision(con: duckdb.DuckDBPyConnection, plan: RevisionPlan, produced_at: datetime) -> None:
    """File a new revision and its figures in one transaction (a plan that is not new: nothing)."""
    if not plan.is_new:
        return
    ensure_schema(con)
    con.execute("begin")
    try:
        con.execute(f"delete from {SCHEMA}.{FIGURES_TABLE} where report_period = ? and revision = ?",
                    [plan.period, plan.revision])
        con.execute(f"delete from {SCHEMA}.{REVISIONS_TABLE} where report_period = ? and revision = ?",
                    [plan.period, plan.revision])
        con.execute(
            f"insert into {SCHEMA}.{REVISIONS_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [plan.period, plan.revision, produced_at, list(plan.registry_versions), plan.reason, plan.status,
             len(plan.figures), len(plan.changes), plan.fingerprint, plan.folder])
        rows = [[plan.period, plan.revision, produced_at, f.table_name, f.scope, f.region_code, f.region,
              f.row_key, f.measure, f.value] for f in plan.figures]
        if rows:
            con.executemany(f"insert into {SCHEMA}.{FIGURES_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def read_figures(con: duckdb.DuckDBPyConnection, period: str, revision: int) -> list[Figure]:
    rows = con.execute(
        f"select table_name, scope, region_code, row_key, measure, value, region "
        f"from {SCHEMA}.{FIGURES_TABLE} where report_period = ? and revision = ?", [period, revision]).fetchall()
    return sorted((Figure(*row) for row in rows), key=lambda figure: figure.key)


def latest_approval(con: duckdb.DuckDBPyConnection, period: str) -> tuple[int, str] | None:
    ensure_schema(con)
    rows = con.execute(
        f"select revision, approved_by from {SCHEMA}.{APPROVALS_TABLE} where report_period = ? "
        "order by approved_at desc, revision desc limit 1", [period]).fetchall()
    return (rows[0][0], rows[0][1]) if rows else None


def approve(con: duckdb.DuckDBPyConnection, period: str, approved_by: str, approved_at: datetime,
            revision: int | None = None) -> int:
    """Record that ``approved_by`` approved ``revision`` (default: the latest) of ``period``."""
    ensure_schema(con)
    if not approved_by.strip():
        raise ValueError("approved_by is empty: the approval must name the analyst")
    revisions = [row[0] for row in con.execute(
        f"select revision from {SCHEMA}.{REVISIONS_TABLE} where report_period = ? order by revision",
        [period]).fetchall()]
    if not revisions:
        raise ValueError(f"report {period} has not been produced: nothing to approve")
    revision = revisions[-1] if revision is None else revision
    if revision not in revisions:
        raise ValueError(f"report {period} has no revision {revision} (revisions: {revisions})")
    con.execute(f"insert into {SCHEMA}.{APPROVALS_TABLE} values (?, ?, ?, ?)",
                [period, revision, approved_by.strip(), approved_at])
    con.execute(f"update {SCHEMA}.{REVISIONS_TABLE} set status = ? where report_period = ? and revision = ?",
                [APPROVED, period, revision])
    return revision
