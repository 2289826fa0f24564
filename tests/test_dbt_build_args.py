"""How many models dbt builds at a time, from the size of the registry in the warehouse."""

import duckdb

from orchestration.defs.assets import dbt as dbt_assets


def test_one_model_at_a_time_only_for_a_big_registry(tmp_path, monkeypatch):
    warehouse = tmp_path / "warehouse.duckdb"
    assert dbt_assets.build_threads_args(warehouse) == []  # nothing loaded: the profile's threads
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema raw")
        con.execute("create table raw.registry_rows as select range as source_row from range(5)")
    monkeypatch.setattr(dbt_assets, "ONE_MODEL_AT_A_TIME_FROM_ROWS", 5)
    assert dbt_assets.build_threads_args(warehouse) == []
    monkeypatch.setattr(dbt_assets, "ONE_MODEL_AT_A_TIME_FROM_ROWS", 4)
    assert dbt_assets.build_threads_args(warehouse) == ["--threads", "1"]
