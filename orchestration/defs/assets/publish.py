"""Publish the marts to analytics.duckdb, the read-only database for SQL users.

The working warehouse stays the pipeline's alone (DuckDB has one writer, and a reader
would block dbt). The analytics file is written beside the target and swapped in with
an atomic rename: a reader holding the old file keeps a consistent old view, the next
open sees the new one, and nobody ever sees a half-written file.

The new file starts as a copy of the published one: the marts are small and copied whole,
but a table with a ``batch_signature`` column (fct_services: every counted service of the
history) keeps the batches it already holds under the same signature and copies only the
others, so a month added to a built year copies that month's services, not the year's.

The reports as issued (``reporting.reported_figures``, ``report_revisions``,
``report_approvals``: outputs/reports/vintages.py) are kept in the warehouse in a schema of
their own and copied by every publish, so re-publishing never loses them; the report asset
publishes just those tables after filing a revision.

Where ``MONITORING_POSTGRES_DSN`` is set, every publish also copies the tables it published
into PostgreSQL's ``marts`` schema, swapped in there at once too (orchestration/warehouse/postgres.py):
the same tables, read by many SQL users through a read-only role.
"""


import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.defs.assets.dbt import warehouse_models
from orchestration.defs.resources import WAREHOUSE_POOL, MonitoringSettings
from orchestration.defs.ui import OWNERS, asset_tags, md_table, md_table_metadata, month_ru
from orchestration.outputs.reports.vintages import SCHEMA as VINTAGES_SCHEMA
from orchestration.settings import DBT_PROJECT_DIR, Settings, duckdb_config
from orchestration.warehouse.postgres import dbt_docs, publish_postgres

PUBLISHED_SCHEMA = "marts"
BATCH_SIGNATURE = "batch_signature"  # int_services_counted_batches: changes whenever a batch's rows could


def publish_analytics(warehouse_path: Path, analytics_path: Path,
                      schemas: tuple[str, ...] = (PUBLISHED_SCHEMA, VINTAGES_SCHEMA)) -> dict[str, int]:
    """Copy every table and view of the warehouse's marts and reporting schemas into a new
    analytics file (a view as a table of what it shows now) and swap it
    in. With ``schemas`` naming some of them, only their tables are copied; the others stay."""
    analytics_path.parent.mkdir(parents=True, exist_ok=True)
    staging_path = analytics_path.with_name(f".{analytics_path.name}.{os.getpid()}.tmp")
    staging_path.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    try:
        with _open_copy(analytics_path, staging_path) as con:
            con.execute(f"attach '{warehouse_path}' as warehouse (read_only)")
            tables = dict(con.execute(
                "select table_name, schema_name from duckdb_tables() where database_name = 'warehouse' "
                "and list_contains($1, schema_name) union all select view_name, schema_name from duckdb_views() "
                "where database_name = 'warehouse' and list_contains($1, schema_name) order by 1",
                [list(schemas)]).fetchall())
            published = _columns(con, "main")
            if set(schemas) >= {PUBLISHED_SCHEMA, VINTAGES_SCHEMA}:
                for stale in published.keys() - set(tables):  # a mart since removed
                    con.execute(f"drop table main.{stale}")
            sources = {table: columns for schema in schemas
                       for table, columns in _columns(con, schema, database="warehouse").items()}
            for table, schema in tables.items():
                source = f"warehouse.{schema}.{table}"
                columns = sources[table]
                if BATCH_SIGNATURE in dict(columns) and published.get(table) == columns:
                    _copy_changed_batches(con, source, f"main.{table}")
                else:
                    con.execute(f"create or replace table main.{table} as select * from {source}")
                counts[table] = con.execute(f"select count(*) from main.{table}").fetchall()[0][0]
            con.execute("detach warehouse")
            con.execute("checkpoint")
        os.chmod(staging_path, 0o644)
        os.replace(staging_path, analytics_path)
    finally:
        staging_path.unlink(missing_ok=True)
    return counts


def publish(settings: Settings, schemas: tuple[str, ...] = (PUBLISHED_SCHEMA, VINTAGES_SCHEMA)) -> dict[str, int]:
    """Every publish target: analytics.duckdb, then (when a DSN is set) PostgreSQL's marts, copied
    from the analytics file just published so that both hold the same. Rows per table."""
    counts = publish_analytics(settings.warehouse_path, settings.analytics_path, schemas)
    if settings.postgres_dsn:
        whole = set(schemas) >= {PUBLISHED_SCHEMA, VINTAGES_SCHEMA}
        publish_postgres(settings.analytics_path, settings.postgres_dsn, tables=None if whole else counts,
                         reader_role=settings.postgres_reader_role,
                         docs=dbt_docs(DBT_PROJECT_DIR / "target" / "manifest.json"), work_dir=settings.data_dir)
    return counts


def _open_copy(analytics_path: Path, staging_path: Path) -> duckdb.DuckDBPyConnection:
    """The staging file, opened, as a copy of the published one (empty if there is none, or if
    the published file cannot be opened: then every table is copied afresh)."""
    if analytics_path.exists():
        shutil.copyfile(analytics_path, staging_path)
        try:
            return duckdb.connect(str(staging_path), config=duckdb_config())
        except duckdb.Error:
            staging_path.unlink()
    return duckdb.connect(str(staging_path), config=duckdb_config())


def _columns(con: duckdb.DuckDBPyConnection, schema: str,
             database: str | None = None) -> dict[str, list[tuple[str, str]]]:
    """(name, type) of each column in order, per table or view of ``schema`` (of the attached
    ``database``, else the file's own)."""
    rows = con.execute(
        "select table_name, column_name, data_type from duckdb_columns() "
        "where database_name = coalesce($1, current_database()) and schema_name = $2 "
        "order by table_name, column_index",
        [database, schema]).fetchall()
    columns: dict[str, list[tuple[str, str]]] = {}
    for name, column, data_type in rows:
        columns.setdefault(name, []).append((column, data_type))
    return columns


def _copy_changed_batches(con: duckdb.DuckDBPyConnection, source: str, target: str) -> None:
    """Make ``target`` hold ``source``'s rows, rewriting only the batches whose signature differs."""
    con.execute(f"delete from {target} where {BATCH_SIGNATURE} is null or {BATCH_SIGNATURE} not in "
                f"(select distinct {BATCH_SIGNATURE} from {source} where {BATCH_SIGNATURE} is not null)")
    con.execute(f"insert into {target} select * from {source} where {BATCH_SIGNATURE} is null "
                f"or {BATCH_SIGNATURE} not in (select distinct {BATCH_SIGNATURE} from {target})")


ANALYTICS_KEY = dg.AssetKey(["analytics", "database"])
VERSIONS_CHECK = "registry_versions_not_used"
# The clause of the methodology behind a version-level reason (validation_rules, kind 'version').
REASON_CLAUSES = {"late_submission": "п. 10", "version_superseded": "п. 9"}


def registry_months(analytics_path: Path) -> tuple[list[tuple], list[tuple]]:
    """From the published marts: per month and version (registry_versions_used) the version's
    status and counts, and per month, version and reason (exclusions_summary) the rows left out.
    Counts, version numbers and reason names only: no row of a registry."""
    with duckdb.connect(str(analytics_path), read_only=True) as con:
        tables = {row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()}
        if not {"registry_versions_used", "exclusions_summary"} <= tables:
            return [], []
        versions = con.execute(
            "select period, version, is_used_for_report, is_month_version, exclusion_reason, "
            "exclusion_reason_name, rows_ingested, rows_counted, rows_excluded "
            "from registry_versions_used order by period, version").fetchall()
        exclusions = con.execute(
            "select period, version, is_used_for_report, reason_name, rows_excluded, rows_with_reason "
            "from exclusions_summary where rows_excluded > 0 or rows_with_reason > 0 "
            "order by period, version, reason_sort_order, reason").fetchall()
    return versions, exclusions


def months_table(versions: list[tuple]) -> str:
    """Per month: the version used, the versions received, rows counted, and rows left out of the
    version that stands for the month (the one used, or the latest when none is)."""
    by_month: dict[str, list[tuple]] = {}
    for row in versions:
        by_month.setdefault(row[0], []).append(row)
    rows = []
    for period, rows_of_month in by_month.items():
        used = [r for r in rows_of_month if r[2]]
        standing = [r for r in rows_of_month if r[3]]
        rows.append((period, used[0][1] if used else "не использован", len(rows_of_month),
                     sum(r[7] for r in rows_of_month), sum(r[8] for r in standing),
                     sum(r[6] for r in rows_of_month)))
    return md_table(["Месяц", "Использована версия", "Версий получено", "Строк учтено",
                     "Строк исключено (версия месяца)", "Строк загружено (все версии)"], rows)


def exclusions_table(exclusions: list[tuple]) -> str:
    """Per month, version and reason (Russian name from the seed): the rows left out under it."""
    return md_table(["Месяц", "Версия", "Используется", "Причина", "Строк исключено", "Строк с этой причиной"],
                    [(period, version, "да" if used else "нет", reason_name, rows_excluded, rows_with_reason)
                     for period, version, used, reason_name, rows_excluded, rows_with_reason in exclusions])


def versions_not_used(versions: list[tuple]) -> list[str]:
    """One Russian sentence per delivered version the report does not use for a reason other than
    being superseded by a later version (a late one, say), naming the version used instead."""
    used = {row[0]: row[1] for row in versions if row[2]}
    sentences = []
    for period, version, is_used, _month_version, reason, reason_name, *_ in versions:
        if is_used or reason in (None, "version_superseded"):
            continue
        why = (reason_name or reason)[:1].lower() + (reason_name or reason)[1:]
        clause = f" ({REASON_CLAUSES[reason]})" if reason in REASON_CLAUSES else ""
        instead = (f"использована версия {used[period]}" if period in used
                   else "ни одна версия за этот месяц не использована, месяц не вошел в отчет")
        sentences.append(f"Версия {version} реестра за {month_ru(period)} не использована: {why}{clause}; {instead}.")
    return sentences


@dg.asset(
    key=ANALYTICS_KEY,
    deps=[key for key in warehouse_models.keys if key.path[0] == PUBLISHED_SCHEMA],
    group_name="analytics",
    kinds={"duckdb", "postgresql"},
    owners=OWNERS,
    tags=asset_tags("analytics", pii=False),
    pool=WAREHOUSE_POOL,
    check_specs=[dg.AssetCheckSpec(
        VERSIONS_CHECK, asset=ANALYTICS_KEY,
        description="Каждая полученная версия реестра использована в отчете или заменена более поздней; "
                    "иначе — по какой причине не использована (например, представлена после срока, п. 10).\n\n"
                    "Lists every delivered registry version left out for a reason other than a later "
                    "version superseding it, with the version used instead (read from the published "
                    "registry_versions_used).")],
    description="База для аналитиков analytics.duckdb: витрины без персональных данных (заменяется "
                "целиком за один шаг), а при заданном подключении — и в PostgreSQL (схема marts)."
                "\n\nThe marts of the warehouse copied to `data/analytics.duckdb` and, where "
                "MONITORING_POSTGRES_DSN is set, to PostgreSQL's schema `marts`; the materialisation shows "
                "per month the registry version used and the rows counted and left out by reason.",
)
def analytics_database(context: dg.AssetExecutionContext, monitoring: MonitoringSettings):
    settings = monitoring.get()
    counts = publish(settings)
    context.log.info(f"published {len(counts)} tables to {settings.analytics_path}"
                     + (" and to PostgreSQL (schema marts)" if settings.postgres_dsn else ""))
    versions, exclusions = registry_months(settings.analytics_path)
    yield dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(settings.analytics_path)),
        "Реестры по месяцам": dg.MetadataValue.md(months_table(versions)),
        "Исключенные строки по причинам": dg.MetadataValue.md(exclusions_table(exclusions)),
        "tables": dg.MetadataValue.json(counts),
    })
    sentences = versions_not_used(versions)
    yield dg.AssetCheckResult(
        check_name=VERSIONS_CHECK,
        asset_key=ANALYTICS_KEY,
        passed=not sentences,
        severity=dg.AssetCheckSeverity.WARN,
        description=" ".join(sentences) if sentences else "Все полученные версии реестров использованы или заменены "
                                                          "исправленными.",
        metadata={"Неиспользованные версии": md_table_metadata(["Что произошло"], [(s,) for s in sentences])},
    )
