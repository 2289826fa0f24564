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


def test_a_dbt_stream_closed_before_its_end_logs_nothing():
    """An interrupted run's event stream, closed later by the garbage collector (possibly inside
    another event-log write: Dagster's SQLite lock is not re-entrant), must not log; a stream
    that ends, or fails, logs its column-test summary."""
    from types import SimpleNamespace

    class Log:
        def __init__(self):
            self.lines = []

        def info(self, text):
            self.lines.append(text)

        warning = error = info

    event = SimpleNamespace(is_result_event=False, raw_event={"data": {}},
                            to_default_asset_events=lambda **_: iter(["materialization"]))

    def summary_lines(close_early: bool = False, fails: bool = False) -> list[str]:
        def stream():
            yield from (event, event)
            if fails:
                raise RuntimeError("dbt exited with 1")

        context = SimpleNamespace(log=Log())
        invocation = SimpleNamespace(manifest={}, stream_raw_events=stream, dagster_dbt_translator=None,
                                     target_path=None, project=None)
        events = dbt_assets.build_events(context, invocation)
        if close_early:
            next(events)
            events.close()
        else:
            try:
                list(events)
            except RuntimeError:
                pass
        return context.log.lines

    assert summary_lines() == ["dbt column tests: none run"]
    assert summary_lines(fails=True) == ["dbt column tests: none run"]
    assert summary_lines(close_early=True) == []
