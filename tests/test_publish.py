"""Publishing analytics.duckdb: every mart copied, swapped atomically under a live reader."""

import duckdb
import pytest

from orchestration.defs.assets.publish import publish_analytics


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


def _services(path, batches: dict[str, tuple[str, int]]) -> None:
    """marts.fct_services with ``rows`` services per batch, each batch under its signature."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists marts")
        con.execute("create or replace table marts.fct_services (service_id varchar, batch_id varchar, "
                    "batch_signature varchar, region varchar)")
        for batch_id, (signature, rows) in batches.items():
            con.execute("insert into marts.fct_services select $1 || ':' || i, $1, $2, 'город Алматы' "
                        "from range($3) as r(i)", [batch_id, signature, rows])


def _published(path) -> dict[str, tuple[str, int, str]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {batch: (signature, rows, regions) for batch, signature, rows, regions in con.execute(
            "select batch_id, any_value(batch_signature), count(*), string_agg(distinct region) "
            "from fct_services group by batch_id").fetchall()}


def test_publish_copies_only_the_batches_whose_signature_changed(tmp_path):
    warehouse, analytics = tmp_path / "warehouse.duckdb", tmp_path / "analytics.duckdb"
    _services(warehouse, {"registry/2019-01/v1": ("a", 3), "registry/2019-02/v1": ("b", 2),
                          "registry/2019-03/v1": ("c", 2)})
    publish_analytics(warehouse, analytics)
    with duckdb.connect(str(analytics)) as con:  # a mark no copy of the warehouse's rows carries
        con.execute("update fct_services set region = 'не скопировано заново'")

    # January unchanged; February counted again (4 rows now); March superseded; April new
    _services(warehouse, {"registry/2019-01/v1": ("a", 3), "registry/2019-02/v1": ("b2", 4),
                          "registry/2019-04/v1": ("d", 1)})
    assert publish_analytics(warehouse, analytics) == {"fct_services": 8}
    assert _published(analytics) == {
        "registry/2019-01/v1": ("a", 3, "не скопировано заново"),  # kept, not copied again
        "registry/2019-02/v1": ("b2", 4, "город Алматы"),
        "registry/2019-04/v1": ("d", 1, "город Алматы"),
    }


@pytest.mark.parametrize("change", [
    "alter table marts.fct_services add column channel varchar default 'онлайн'",
    "alter table marts.fct_services alter column region type varchar[] using [region]",
])
def test_publish_copies_a_table_whose_columns_changed_whole(tmp_path, change):
    warehouse, analytics = tmp_path / "warehouse.duckdb", tmp_path / "analytics.duckdb"
    _services(warehouse, {"registry/2019-01/v1": ("a", 2)})
    publish_analytics(warehouse, analytics)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(change)
        expected = con.execute("select * from marts.fct_services order by service_id").fetchall()
    publish_analytics(warehouse, analytics)
    with duckdb.connect(str(analytics), read_only=True) as con:
        assert con.execute("select * from fct_services order by service_id").fetchall() == expected


def test_a_mart_no_longer_in_the_warehouse_is_no_longer_published(tmp_path):
    warehouse, analytics = tmp_path / "warehouse.duckdb", tmp_path / "analytics.duckdb"
    _warehouse(warehouse, clients=10)
    _services(warehouse, {"registry/2019-01/v1": ("a", 2)})
    publish_analytics(warehouse, analytics)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("drop table marts.i1_clients_by_region")
    assert publish_analytics(warehouse, analytics) == {"fct_services": 2}
    with duckdb.connect(str(analytics), read_only=True) as con:
        assert {row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()} == {"fct_services"}
