"""Publish the marts to analytics.duckdb, the read-only database for SQL users.

The working warehouse stays the pipeline's alone (DuckDB has one writer, and a reader
would block dbt). The analytics file is written beside the target and swapped in with
an atomic rename: a reader holding the old file keeps a consistent old view, the next
open sees the new one, and nobody ever sees a half-written file.
"""


import os
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.assets.dbt import warehouse_models
from orchestration.assets.letters import LETTERS_KEY
from orchestration.resources import WAREHOUSE_POOL, MonitoringSettings
from orchestration.settings import duckdb_config

PUBLISHED_SCHEMA = "marts"


def publish_analytics(warehouse_path: Path, analytics_path: Path) -> dict[str, int]:
    """Copy every table and view of the warehouse's marts schema into a fresh analytics file
    (a view, such as letters_sent, as a table of what it shows now)."""
    analytics_path.parent.mkdir(parents=True, exist_ok=True)
    staging_path = analytics_path.with_name(f".{analytics_path.name}.{os.getpid()}.tmp")
    staging_path.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    try:
        with duckdb.connect(str(staging_path), config=duckdb_config()) as con:
            con.execute(f"attach '{warehouse_path}' as warehouse (read_only)")
            tables = [row[0] for row in con.execute(
                "select table_name from duckdb_tables() where database_name = 'warehouse' and schema_name = $1 "
                "union all select view_name from duckdb_views() where database_name = 'warehouse' "
                "and schema_name = $1 order by 1", [PUBLISHED_SCHEMA]).fetchall()]
            for table in tables:
                con.execute(f"create table main.{table} as select * from warehouse.{PUBLISHED_SCHEMA}.{table}")
                counts[table] = con.execute(f"select count(*) from main.{table}").fetchall()[0][0]
            con.execute("detach warehouse")
            con.execute("checkpoint")
        os.chmod(staging_path, 0o644)
        os.replace(staging_path, analytics_path)
    finally:
        staging_path.unlink(missing_ok=True)
    return counts


@dg.asset(
    key=dg.AssetKey(["analytics", "database"]),
    deps=[*(key for key in warehouse_models.keys if key.path[0] == PUBLISHED_SCHEMA),
          LETTERS_KEY],  # marts.letters_sent is a view over what the letters asset writes
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
