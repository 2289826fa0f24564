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
"""


import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.defs.assets.dbt import warehouse_models
from orchestration.defs.resources import WAREHOUSE_POOL, MonitoringSettings
from orchestration.outputs.reports.vintages import SCHEMA as VINTAGES_SCHEMA
from orchestration.settings import duckdb_config

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


@dg.asset(
    key=dg.AssetKey(["analytics", "database"]),
    deps=[key for key in warehouse_models.keys if key.path[0] == PUBLISHED_SCHEMA],
    group_name="analytics",
    kinds={"duckdb"},
    pool=WAREHOUSE_POOL,
    description="data/analytics.duckdb: the marts, pseudonymised, for SQL users (replaced atomically).",
)
def analytics_database(context: dg.AssetExecutionContext, monitoring: MonitoringSettings) -> dg.MaterializeResult:
    settings = monitoring.get()
    counts = publish_analytics(settings.warehouse_path, settings.analytics_path)
    context.log.info(f"published {len(counts)} tables to {settings.analytics_path}")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(settings.analytics_path)),
        "tables": dg.MetadataValue.json(counts),
    })
