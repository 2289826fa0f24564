"""The marts served from PostgreSQL (orchestration/warehouse/postgres.py), on the session's own server.

Row checksums are computed here, in Python, from the rows each side returns (values brought to one
form: numbers as decimals, instants in UTC), not by the code under test; types, comments and
indexes are read back from PostgreSQL's catalog and compared with DuckDB's and dbt's own.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg2
from psycopg2 import errors

from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from orchestration.warehouse.postgres import STAGING_PREFIX, dbt_docs, publish_postgres

# DuckDB's type → what PostgreSQL's format_type() names for it (the types the marts use).
EXPECTED_TYPES = {"VARCHAR": "text", "BIGINT": "bigint", "INTEGER": "integer", "BOOLEAN": "boolean",
                  "DATE": "date", "DOUBLE": "double precision", "VARCHAR[]": "text[]",
                  "TIMESTAMP WITH TIME ZONE": "timestamp with time zone"}


def _normal(value):
    """One form for a value whichever client returned it."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | Decimal):
        return ("number", str(Decimal(value).normalize()))
    if isinstance(value, float):
        return ("float", repr(value))
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return tuple(_normal(v) for v in value)
    raise AssertionError(f"a value of an unexpected type: {type(value)}")


def checksum(rows) -> tuple[int, int]:
    """(rows, the sum of each row's SHA-256): equal for the same rows in any order."""
    count, total = 0, 0
    for row in rows:
        digest = hashlib.sha256(repr(tuple(_normal(v) for v in row)).encode()).digest()
        count, total = count + 1, (total + int.from_bytes(digest[:16], "big")) % (1 << 128)
    return count, total


def _pg_tables(dsn: str) -> dict[str, list[tuple[str, str]]]:
    with psycopg2.connect(dsn) as con, con.cursor() as cur:
        cur.execute("select c.relname, a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute a "
                    "join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace "
                    "where n.nspname = 'marts' and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped "
                    "order by c.relname, a.attnum")
        tables: dict[str, list[tuple[str, str]]] = {}
        for table, column, data_type in cur.fetchall():
            tables.setdefault(table, []).append((column, data_type))
    con.close()
    return tables


def test_the_marts_in_postgresql_equal_analytics_duckdb_table_by_table(pipeline_run, marts_dsn):
    analytics = pipeline_run.settings.analytics_path
    counts = publish_postgres(analytics, marts_dsn, work_dir=pipeline_run.settings.data_dir)
    published = _pg_tables(marts_dsn)
    with duckdb.connect(str(analytics), read_only=True) as source:
        source.execute("set TimeZone = 'UTC'")
        columns: dict[str, list[tuple[str, str]]] = {}
        for table, column, data_type in source.execute(
                "select table_name, column_name, data_type from duckdb_columns() where schema_name = 'main' "
                "and database_name = current_database() "
                "order by table_name, column_index").fetchall():
            columns.setdefault(table, []).append((column, data_type))
        # the same tables (no other), columns in the same order, each of the corresponding type
        assert set(published) == set(columns) and len(columns) > 20
        for table, table_columns in columns.items():
            assert published[table] == [(name, EXPECTED_TYPES[t]) for name, t in table_columns], table
        with psycopg2.connect(marts_dsn) as pg, pg.cursor() as cur:
            for table in columns:
                expected = checksum(source.execute(f'select * from "{table}"').fetchall())
                cur.execute(f'select * from marts."{table}"')
                assert checksum(cur.fetchall()) == expected, table
                assert counts[table] == expected[0]
        pg.close()
    assert counts["fct_services"] > 1000


def test_comments_are_the_dbt_docs_and_period_and_region_columns_are_indexed(pipeline_run, marts_dsn):
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    marts = {node["name"]: node for node in manifest["nodes"].values()
             if node["resource_type"] == "model" and node["schema"] == "marts"}
    publish_postgres(pipeline_run.settings.analytics_path, marts_dsn,
                     docs=dbt_docs(DBT_PROJECT_DIR / "target" / "manifest.json"))
    with psycopg2.connect(marts_dsn) as con, con.cursor() as cur:
        cur.execute("select c.relname, obj_description(c.oid, 'pg_class'), a.attname, col_description(c.oid, a.attnum) "
                    "from pg_class c join pg_namespace n on n.oid = c.relnamespace join pg_attribute a "
                    "on a.attrelid = c.oid and a.attnum > 0 where n.nspname = 'marts' and c.relkind = 'r'")
        comments = cur.fetchall()
        cur.execute("select t.relname, array_agg(a.attname order by k.n) from pg_index x "
                    "join pg_class t on t.oid = x.indrelid join pg_namespace s on s.oid = t.relnamespace "
                    "cross join unnest(x.indkey) with ordinality k(attnum, n) "
                    "join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum "
                    "where s.nspname = 'marts' group by t.relname, x.indexrelid")
        indexes: dict[str, list[list[str]]] = {}
        for table, index_columns in cur.fetchall():
            indexes.setdefault(table, []).append(index_columns)
    con.close()
    table_comments = {table: text for table, text, _, _ in comments}
    column_comments = {(table, column): text for table, _, column, text in comments}
    documented = 0
    for name, node in marts.items():
        if name not in table_comments:
            continue  # a mart not built in this warehouse
        assert table_comments[name] == node["description"]
        for column, spec in node["columns"].items():
            if spec["description"]:
                assert column_comments[(name, column)] == spec["description"], (name, column)
                documented += 1
    assert documented > 200
    assert sorted(indexes["i1_clients_by_region"]) == [["period_type", "period_start", "period_end"],
                                                       ["region_code"]]
    assert sorted(indexes["fct_services"]) == [["region_code"], ["reporting_month"]]
    for table, table_columns in _pg_tables(marts_dsn).items():
        names = {column for column, _ in table_columns}
        if "region_code" in names:
            assert ["region_code"] in indexes[table], table
        if "period_start" in names:
            assert any(index[:2] == ["period_type", "period_start"] for index in indexes[table]), table


def _analytics(path: Path, generation: int, rows: int) -> dict[str, tuple]:
    """Three marts, every row marked with ``generation``; what a reader sees of each when whole."""
    path.unlink(missing_ok=True)
    expected = {}
    with duckdb.connect(str(path)) as con:
        for number, table in enumerate(("a_clients", "b_services", "c_periods")):
            size = rows + number * 7 + generation
            con.execute(f"create table {table} as select {generation} as generation, i as row_number, "
                        "date '2019-01-01' + (i % 365)::integer as period_start, 'регион ' || (i % 17) as region "
                        f"from range({size}) r(i)")
            expected[table] = (size, generation, generation)
    return expected


def test_a_reader_during_publishes_sees_the_old_or_the_new_marts_never_a_mix(tmp_path, marts_dsn):
    generations = {g: _analytics(tmp_path / f"gen{g}.duckdb", g, rows=20_000) for g in (1, 2)}
    publish_postgres(tmp_path / "gen1.duckdb", marts_dsn, work_dir=tmp_path)
    publishing = threading.Event()
    publishing.set()
    seen: dict[str, list] = {"one statement": [], "read committed": [], "repeatable read": []}
    failures: list[BaseException] = []
    tables = ("a_clients", "b_services", "c_periods")
    per_table = "select count(generation), min(generation), max(generation) from marts.{}"

    def read(kind: str) -> None:
        con = psycopg2.connect(marts_dsn)
        try:
            if kind == "repeatable read":
                con.set_session(isolation_level="REPEATABLE READ")
            while publishing.is_set():
                with con, con.cursor() as cur:
                    if kind == "one statement":
                        cur.execute("select " + ", ".join(f"(select {f}(generation) from marts.{t})"
                                                          for t in tables for f in ("count", "min", "max")))
                        row = cur.fetchone()
                        view = {t: tuple(row[3 * n:3 * n + 3]) for n, t in enumerate(tables)}
                    else:
                        view = {}
                        for table in tables:
                            cur.execute(per_table.format(table))
                            view[table] = cur.fetchone()
                seen[kind].append(view)
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            failures.append(error)
        finally:
            con.close()

    readers = [threading.Thread(target=read, args=(kind,)) for kind in seen]
    for reader in readers:
        reader.start()
    try:
        for publish in range(6):
            publish_postgres(tmp_path / f"gen{2 - publish % 2}.duckdb", marts_dsn, work_dir=tmp_path)
    finally:
        publishing.clear()
        for reader in readers:
            reader.join(timeout=120)
    assert not failures, failures
    wholes = [generations[1], generations[2]]
    for kind, views in seen.items():
        mixed = [view for view in views if view not in wholes]
        assert not mixed, f"{kind}: {mixed[:3]}"
        assert views, kind
    # the readers were reading while the marts changed under them: both generations were seen
    assert {view["a_clients"][1] for views in seen.values() for view in views} == {1, 2}


def test_the_read_only_role_reads_the_marts_and_nothing_else(tmp_path, postgres_roles, marts_dsn):
    server = postgres_roles
    _analytics(tmp_path / "gen1.duckdb", 1, rows=100)
    publish_postgres(tmp_path / "gen1.duckdb", marts_dsn, work_dir=tmp_path)
    database = psycopg2.extensions.parse_dsn(marts_dsn)["dbname"]
    analyst = f"analyst_{database}"
    server.execute(f"create role {analyst} login in role monitoring_reader")  # as deploy/postgres-marts.sql says
    with psycopg2.connect(marts_dsn) as owner, owner.cursor() as cur:  # what else the database holds
        cur.execute("create schema private; create table private.registry_rows as select '061211600012' as iin")
        cur.execute("create table public.notes as select 'внутреннее' as note")
    owner.close()
    reader = psycopg2.connect(server.dsn(database, user=analyst))
    reader.autocommit = True
    with reader.cursor() as cur:
        cur.execute("select count(*), min(generation) from marts.a_clients")
        assert cur.fetchone() == (101, 1)
    refused = ["select * from private.registry_rows", "select * from public.notes",
               "insert into marts.a_clients (generation) values (9)", "update marts.a_clients set generation = 9",
               "delete from marts.a_clients", "truncate marts.a_clients", "drop table marts.a_clients",
               "alter table marts.a_clients add column x int", "create table marts.mine (x int)",
               "create table public.mine (x int)", "create schema mine",
               # PUBLIC's default TEMP right on a database, revoked by the publish
               "create temporary table mine (x int)", "create temporary table copied as select * from marts.a_clients"]
    allowed = []
    for statement in refused:
        with reader.cursor() as cur:
            try:
                cur.execute(statement)
                allowed.append(statement)
            except errors.InsufficientPrivilege:
                pass
    assert allowed == []
    with reader.cursor() as cur:
        cur.execute("select count(*), min(generation) from marts.a_clients")
        assert cur.fetchone() == (101, 1)  # nothing it tried changed anything
    reader.close()
    # the publisher, the database's owner, keeps its own right to temporary tables
    with psycopg2.connect(marts_dsn) as owner, owner.cursor() as cur:
        cur.execute("create temporary table scratch (x int)")
    owner.close()


def test_the_deploy_script_leaves_the_reader_no_temporary_tables(postgres_roles):
    # the database deploy/postgres-marts.sql creates: PUBLIC's default TEMP right revoked there,
    # before any publish; the reader (and a login in it) can still connect
    server = postgres_roles
    with psycopg2.connect(server.dsn("monitoring")) as con, con.cursor() as cur:
        cur.execute("select has_database_privilege('monitoring_reader', 'monitoring', 'TEMP'), "
                    "has_database_privilege('monitoring_reader', 'monitoring', 'CONNECT'), "
                    "has_database_privilege('public', 'monitoring', 'TEMP'), "
                    "has_database_privilege('monitoring_publisher', 'monitoring', 'TEMP')")
        assert cur.fetchone() == (False, True, False, True)
    con.close()


PUBLISH_IN_A_CHILD = """
import sys
from pathlib import Path
from orchestration.warehouse.postgres import publish_postgres
publish_postgres(Path(sys.argv[1]), sys.argv[2], work_dir=Path(sys.argv[3]))
"""


def _sessions(server, database: str, query: str) -> int:
    with psycopg2.connect(server.dsn()) as con, con.cursor() as cur:
        cur.execute("select count(*) from pg_stat_activity where datname = %s and pid <> pg_backend_pid() "
                    f"and {query}", [database])
        found = cur.fetchone()[0]
    con.close()
    return found


def _marts(dsn: str) -> dict[str, tuple]:
    with psycopg2.connect(dsn) as con, con.cursor() as cur:
        cur.execute("select nspname from pg_namespace where starts_with(nspname, %s)", [STAGING_PREFIX])
        assert cur.fetchall() == [], "a staging schema was left behind"
        view = {}
        for table in ("a_clients", "b_services", "c_periods"):
            cur.execute(f"select count(*), min(generation), max(generation) from marts.{table}")
            view[table] = cur.fetchone()
    con.close()
    return view


def test_a_publish_killed_half_way_leaves_the_previous_marts(tmp_path, postgres_roles, marts_dsn):
    server, database = postgres_roles, psycopg2.extensions.parse_dsn(marts_dsn)["dbname"]
    before = _analytics(tmp_path / "gen1.duckdb", 1, rows=1000)
    _analytics(tmp_path / "gen2.duckdb", 2, rows=3_000_000)  # seconds of COPY: time to be killed in
    publish_postgres(tmp_path / "gen1.duckdb", marts_dsn, work_dir=tmp_path)
    child = subprocess.Popen([sys.executable, "-c", PUBLISH_IN_A_CHILD, str(tmp_path / "gen2.duckdb"), marts_dsn,
                              str(tmp_path)], cwd=PROJECT_ROOT, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while _sessions(server, database, "state = 'active' and query ilike 'copy %%'") == 0:
            assert child.poll() is None, "the publish ended before it could be killed"
            assert time.monotonic() < deadline, "the publish never reached its COPY"
            time.sleep(0.02)
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    deadline = time.monotonic() + 60
    while _sessions(server, database, "true") > 0:  # the server notices the lost client and rolls back
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert _marts(marts_dsn) == before

    # a publish killed after loading, before the swap, leaves its staging schema: the next one drops it
    with psycopg2.connect(marts_dsn) as con, con.cursor() as cur:
        cur.execute(f"create schema {STAGING_PREFIX}999; create table {STAGING_PREFIX}999.a_clients (x int)")
    con.close()
    after = _analytics(tmp_path / "gen3.duckdb", 3, rows=500)
    publish_postgres(tmp_path / "gen3.duckdb", marts_dsn, work_dir=tmp_path)
    assert _marts(marts_dsn) == after


def test_a_publish_of_some_tables_replaces_those_and_keeps_the_others(tmp_path, marts_dsn):
    # the report and the approval publish only the reports as issued (outputs/reports/vintages.py)
    first = _analytics(tmp_path / "gen1.duckdb", 1, rows=200)
    second = _analytics(tmp_path / "gen2.duckdb", 2, rows=300)
    publish_postgres(tmp_path / "gen1.duckdb", marts_dsn, work_dir=tmp_path)
    assert publish_postgres(tmp_path / "gen2.duckdb", marts_dsn, tables=["b_services"], work_dir=tmp_path) == {
        "b_services": second["b_services"][0]}
    assert _marts(marts_dsn) == {"a_clients": first["a_clients"], "b_services": second["b_services"],
                                 "c_periods": first["c_periods"]}
    publish_postgres(tmp_path / "gen2.duckdb", marts_dsn, work_dir=tmp_path)
    assert _marts(marts_dsn) == second
