"""The marts served from PostgreSQL: what analytics.duckdb holds, copied into one schema.

DuckDB stays the warehouse and analytics.duckdb the embedded default. Where the fund's analysts
are many, or connect with clients that speak PostgreSQL only, the same tables are published to
a PostgreSQL database too (``MONITORING_POSTGRES_DSN``; unset, nothing is published there).
The source is the published analytics.duckdb itself, so the PostgreSQL side holds exactly what
it holds and nothing else: no raw data, no personal data ever leaves DuckDB.

How a publish looks to a reader: never half done.

1. One transaction creates a staging schema and, per table, creates it with the same name and
   column types, loads it with COPY (DuckDB writes CSV, psycopg2 streams it; FREEZE, as the
   table is new in this transaction: no reader's first visit rewrites its pages), adds the dbt
   docs as comments, indexes the period and region columns and grants SELECT to the reader
   role, then commits. A publish killed here leaves nothing (PostgreSQL rolls it back).
2. A second, short transaction takes ACCESS EXCLUSIVE locks on the tables being replaced (so
   it waits for the readers of the old tables to finish, and new readers queue behind it),
   drops them and moves the new ones into ``marts``. A statement that waited for the lock
   resolves the table names again once it is granted, and so reads the new tables, whose rows
   were committed in step 1; a statement that held the lock read the old ones throughout.
   A lock conflict with a reader (a deadlock, or ``LOCK_TIMEOUT``) rolls the swap back and it
   is tried again; the marts stay the old ones meanwhile.
A staging schema left by a publish killed between the two steps is dropped by the next.

Why COPY through psycopg2 and not DuckDB's ``postgres`` extension: the extension is downloaded
by DuckDB from its own extension repository at first use, which this project's machines cannot
reach, and the wheels on the package registry are built for DuckDB 1.x (DuckDB 2.0.1 refuses
them); docs/performance.md has the measurement of this path.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg2
from psycopg2 import errors, sql

from orchestration.settings import DEFAULT_POSTGRES_READER_ROLE

SCHEMA = "marts"
STAGING_PREFIX = "marts_next_"
# How long the swap waits for the readers of the old tables before it rolls back and tries again.
LOCK_TIMEOUT = "10s"
SWAP_ATTEMPTS = 30
# The columns analysts select by: one index on a table's period columns (in this order, those it
# has) and one on its region column (the KATO code where there is one).
PERIOD_COLUMNS = ("period_type", "period_start", "period_end", "period", "report_period", "reporting_month")
REGION_COLUMNS = ("region_code", "region")

_SCALAR_TYPES = {
    "VARCHAR": "text", "BOOLEAN": "boolean", "TINYINT": "smallint", "SMALLINT": "smallint",
    "INTEGER": "integer", "BIGINT": "bigint", "HUGEINT": "numeric(39, 0)", "UTINYINT": "smallint",
    "USMALLINT": "integer", "UINTEGER": "bigint", "UBIGINT": "numeric(20, 0)", "UHUGEINT": "numeric(39, 0)",
    "FLOAT": "real", "DOUBLE": "double precision", "DATE": "date", "TIME": "time",
    "TIMESTAMP": "timestamp", "TIMESTAMP WITH TIME ZONE": "timestamptz", "INTERVAL": "interval",
    "UUID": "uuid", "BLOB": "bytea",
}


class PostgresPublishError(RuntimeError):
    """The PostgreSQL side cannot take the marts (a type it has no equivalent of, a missing role)."""


@dataclass(frozen=True)
class TableDocs:
    description: str
    columns: Mapping[str, str]


def postgres_type(duckdb_type: str) -> str:
    """The PostgreSQL type that holds every value of a DuckDB column type, as exactly."""
    if duckdb_type.endswith("[]"):
        return f"{postgres_type(duckdb_type[:-2])}[]"
    decimal = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", duckdb_type)
    if decimal:
        return f"numeric({decimal[1]}, {decimal[2]})"
    if duckdb_type not in _SCALAR_TYPES:
        raise PostgresPublishError(f"no PostgreSQL type for DuckDB's {duckdb_type}")
    return _SCALAR_TYPES[duckdb_type]


def dbt_docs(manifest_path: Path) -> dict[str, TableDocs]:
    """Per mart: its description and its columns' from the dbt docs (the project's manifest)."""
    if not manifest_path.exists():
        return {}
    manifest = json.loads(manifest_path.read_text())
    return {node["name"]: TableDocs(node.get("description", ""),
                                    {name: column.get("description", "") for name, column in node["columns"].items()})
            for node in manifest["nodes"].values()
            if node["resource_type"] in ("model", "seed", "snapshot") and node["schema"] == SCHEMA}


def _csv_expression(column: str, duckdb_type: str) -> str:
    """The column as DuckDB writes it into CSV for PostgreSQL's COPY to read back as its type."""
    quoted = f'"{column}"'
    if duckdb_type.endswith("[]"):  # PostgreSQL's array literal: {"a","b",NULL}
        element = ("case when x is null then 'NULL' else '\"' || replace(replace(x::varchar, '\\', '\\\\'), "
                   "'\"', '\\\"') || '\"' end")
        return f"'{{' || array_to_string(list_transform({quoted}, lambda x: {element}), ',') || '}}'"
    if duckdb_type == "BLOB":
        return f"'\\x' || hex({quoted})"
    return quoted


def _columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    rows = con.execute("select table_name, column_name, data_type from duckdb_columns() "
                       "where database_name = current_database() and schema_name = 'main' "
                       "order by table_name, column_index").fetchall()
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        columns.setdefault(table, []).append((column, data_type))
    return columns


def _index_columns(columns: Iterable[str]) -> list[tuple[str, list[str]]]:
    names = list(columns)
    period = [c for c in PERIOD_COLUMNS if c in names]
    region = [c for c in REGION_COLUMNS if c in names][:1]
    return [(suffix, cols) for suffix, cols in (("period", period), ("region", region)) if cols]


def publish_postgres(analytics_path: Path, dsn: str, *, tables: Iterable[str] | None = None,
                     reader_role: str = DEFAULT_POSTGRES_READER_ROLE, docs: Mapping[str, TableDocs] | None = None,
                     work_dir: Path | None = None) -> dict[str, int]:
    """Copy the tables of analytics.duckdb (all, dropping those it no longer has; or only
    ``tables``) into PostgreSQL's ``marts`` schema, swapped in at once; rows per table."""
    docs = docs or {}
    with duckdb.connect(str(analytics_path), read_only=True) as source:
        source.execute("set TimeZone = 'UTC'")
        columns = _columns(source)
        chosen = sorted(columns if tables is None else set(tables) & set(columns))
        pg = psycopg2.connect(dsn)
        try:
            _check_role(pg, reader_role)
            _no_temporary_tables(pg, reader_role)
            _drop_leftovers(pg)
            staging = f"{STAGING_PREFIX}{os.getpid()}"
            counts = _load(source, pg, staging, {t: columns[t] for t in chosen}, reader_role, docs, work_dir)
            replaced = None if tables is None else chosen
            _swap(pg, staging, chosen, replaced, reader_role)
        finally:
            pg.close()
    return counts


def _check_role(pg, reader_role: str) -> None:  # noqa: ANN001 - a psycopg2 connection
    with pg, pg.cursor() as cur:
        cur.execute("select 1 from pg_roles where rolname = %s", [reader_role])
        if cur.fetchone() is None:
            raise PostgresPublishError(
                f"the read-only role {reader_role} does not exist in PostgreSQL: create it once as the "
                "database's owner (deploy/postgres-marts.sql), or set MONITORING_POSTGRES_READER_ROLE")


def _no_temporary_tables(pg, reader_role: str) -> None:  # noqa: ANN001
    """Take the right to create temporary tables in the database from the reader role and from
    PUBLIC, which holds it on every new database by default (deploy/postgres-marts.sql does so for
    the database it creates; this covers a database set up otherwise): the reader only reads. The
    owner (the publisher) keeps its own. Revoked only while the reader still has it, so a publish
    does not rewrite the database's privileges every time."""
    with pg, pg.cursor() as cur:
        cur.execute("select current_database(), has_database_privilege(%s, current_database(), 'TEMP')",
                    [reader_role])
        database, has_temp = cur.fetchone()
        if has_temp:
            cur.execute(sql.SQL("revoke temporary on database {} from public, {}").format(
                sql.Identifier(database), sql.Identifier(reader_role)))


def _drop_leftovers(pg) -> None:  # noqa: ANN001
    """Drop the staging schemas of publishes killed between loading and swapping."""
    with pg, pg.cursor() as cur:
        cur.execute("select nspname from pg_namespace where starts_with(nspname, %s)", [STAGING_PREFIX])
        for (name,) in cur.fetchall():
            cur.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(name)))


def _load(source: duckdb.DuckDBPyConnection, pg, staging: str,  # noqa: ANN001
          tables: Mapping[str, list[tuple[str, str]]], reader_role: str, docs: Mapping[str, TableDocs],
          work_dir: Path | None) -> dict[str, int]:
    """Step 1, one transaction: every table created, loaded, documented, indexed and granted."""
    counts = {}
    schema, role = sql.Identifier(staging), sql.Identifier(reader_role)
    with tempfile.TemporaryDirectory(dir=work_dir, prefix=".postgres-publish-") as folder, pg, pg.cursor() as cur:
        cur.execute(sql.SQL("create schema {}").format(schema))
        for table, table_columns in tables.items():
            target = sql.Identifier(staging, table)
            cur.execute(sql.SQL("create table {} ({})").format(target, sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(postgres_type(data_type)))
                for name, data_type in table_columns)))
            csv_path = Path(folder) / f"{table}.csv"
            select = ", ".join(_csv_expression(name, data_type) for name, data_type in table_columns)
            source.execute(f"copy (select {select} from main.\"{table}\") to '{csv_path}' (header false)")
            with csv_path.open("rb") as csv_file:
                cur.copy_expert(sql.SQL("copy {} from stdin with (format csv, freeze)").format(target), csv_file,
                                size=1 << 20)
            counts[table] = cur.rowcount
            csv_path.unlink()
            table_docs = docs.get(table)
            if table_docs is not None:
                cur.execute(sql.SQL("comment on table {} is %s").format(target), [table_docs.description or None])
                for name, _ in table_columns:
                    if table_docs.columns.get(name):
                        cur.execute(sql.SQL("comment on column {} is %s").format(
                            sql.Identifier(staging, table, name)), [table_docs.columns[name]])
            for suffix, index_columns in _index_columns(name for name, _ in table_columns):
                indexed = sql.SQL(", ").join(map(sql.Identifier, index_columns))
                cur.execute(sql.SQL("create index {} on {} ({})").format(sql.Identifier(f"{table}_{suffix}"), target,
                                                                         indexed))
            cur.execute(sql.SQL("grant select on {} to {}").format(target, role))
            cur.execute(sql.SQL("analyze {}").format(target))
    return counts


def _swap(pg, staging: str, tables: list[str], replaced: list[str] | None, reader_role: str) -> None:  # noqa: ANN001
    """Step 2, one short transaction: the old tables locked and dropped, the new ones moved in.
    ``replaced`` None: every table of ``marts`` goes (a full publish), else only those named."""
    for attempt in range(1, SWAP_ATTEMPTS + 1):
        try:
            with pg, pg.cursor() as cur:
                cur.execute(sql.SQL("set local lock_timeout = {}").format(sql.Literal(LOCK_TIMEOUT)))
                cur.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(SCHEMA)))
                cur.execute(sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(SCHEMA),
                                                                             sql.Identifier(reader_role)))
                cur.execute("select tablename from pg_tables where schemaname = %s order by tablename", [SCHEMA])
                existing = [name for (name,) in cur.fetchall()]
                old = existing if replaced is None else [name for name in existing if name in replaced]
                if old:
                    names = sql.SQL(", ").join(sql.Identifier(SCHEMA, name) for name in old)
                    cur.execute(sql.SQL("lock table {} in access exclusive mode").format(names))
                    cur.execute(sql.SQL("drop table {}").format(names))
                for table in tables:
                    cur.execute(sql.SQL("alter table {} set schema {}").format(
                        sql.Identifier(staging, table), sql.Identifier(SCHEMA)))
                cur.execute(sql.SQL("drop schema {}").format(sql.Identifier(staging)))
            return
        except (errors.LockNotAvailable, errors.DeadlockDetected):
            if attempt == SWAP_ATTEMPTS:
                raise
            time.sleep(min(attempt, 5))
