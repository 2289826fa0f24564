"""Publishing analytics.duckdb: every mart copied, swapped atomically under a live reader."""

import duckdb

from orchestration.assets.publish import publish_analytics


def _warehouse(path, clients: int) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists marts")
        con.execute("create schema if not exists raw")
        con.execute("create or replace table marts.i1_clients_by_region as select 'город Алматы' as region, "
                    f"{clients} as clients")
        con.execute("create or replace table raw.registry_rows as select '061211600012' as iin_bin")


def test_publish_copies_marts_only_and_a_reader_keeps_its_view(tmp_path):
    warehouse, analytics = tmp_path / "warehouse.duckdb", tmp_path / "analytics.duckdb"
    _warehouse(warehouse, clients=10)
    assert publish_analytics(warehouse, analytics) == {"i1_clients_by_region": 1}

    reader = duckdb.connect(str(analytics), read_only=True)
    _warehouse(warehouse, clients=20)
    publish_analytics(warehouse, analytics)
    # The open reader still sees the old, consistent file; a new connection sees the new one.
    assert reader.execute("select clients from i1_clients_by_region").fetchall() == [(10,)]
    reader.close()
    with duckdb.connect(str(analytics), read_only=True) as fresh:
        assert fresh.execute("select clients from i1_clients_by_region").fetchall() == [(20,)]
        tables = {row[0] for row in fresh.execute("select table_name from duckdb_tables()").fetchall()}
    assert tables == {"i1_clients_by_region"}  # raw tables (personal data) never published
    assert not list(tmp_path.glob(".analytics*"))  # no temporary file left behind
