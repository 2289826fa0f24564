"""The Dagster instance of dagster_home/dagster.yaml: Dagster's SQLite storage, its event log
reusing one engine per database and committing without waiting for the disk
(orchestration/runtime/dagster_storage.py), in files a stock Dagster reads."""

import shutil
import sqlite3

import dagster as dg
import pytest
from sqlalchemy import text

from orchestration.runtime.dagster_storage import ENGINES_KEPT, ReusedEngineSqliteEventLogStorage
from orchestration.settings import PROJECT_ROOT

SQLITE_NORMAL, SQLITE_FULL = 1, 2  # PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL (SQLite's default)


@dg.asset
def counted() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"rows": 3})


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A DAGSTER_HOME with the project's dagster.yaml (its storage follows DAGSTER_HOME)."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


def test_events_are_written_where_and_as_a_stock_dagster_reads_them(home):
    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.event_log_storage, ReusedEngineSqliteEventLogStorage)
        result = dg.materialize([counted], instance=instance)
        assert result.success
    (home / "dagster.yaml").unlink()  # Dagster's default storage in the same folder
    with dg.DagsterInstance.get() as stock:
        assert type(stock.event_log_storage).__name__ == "SqliteEventLogStorage"
        assert [run.run_id for run in stock.get_runs()] == [result.run_id]
        event = stock.get_latest_materialization_event(dg.AssetKey("counted"))
        assert event is not None and event.run_id == result.run_id
        assert event.asset_materialization.metadata["rows"].value == 3
        assert any(e.dagster_event and e.dagster_event.event_type == dg.DagsterEventType.RUN_SUCCESS
                   for e in stock.all_logs(result.run_id))


def test_the_event_log_commits_without_sync_only_in_write_ahead_log_mode(home):
    # synchronous=NORMAL cannot corrupt a database in WAL mode (it could in rollback-journal mode)
    with dg.DagsterInstance.get() as instance:
        run_id = dg.materialize([counted], instance=instance).run_id
        storage = instance.event_log_storage
        for connection in (storage.index_connection(), storage.run_connection(run_id)):
            with connection as conn:
                assert conn.execute(text("pragma journal_mode")).scalar() == "wal"
                assert conn.execute(text("pragma synchronous")).scalar() == SQLITE_NORMAL


def test_a_database_not_in_write_ahead_log_mode_keeps_synced_commits(home):
    with dg.DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        with sqlite3.connect(home / "history" / "runs" / "rollback-journal.db") as plain:
            plain.execute("create table t (x integer)")  # SQLite's default journal mode
        with storage._engine("rollback-journal").connect() as conn:
            assert conn.execute(text("pragma journal_mode")).scalar() == "delete"
            assert conn.execute(text("pragma synchronous")).scalar() == SQLITE_FULL


def test_an_engine_per_database_is_kept_and_their_number_bounded(home):
    with dg.DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        run_ids = [dg.materialize([counted], instance=instance).run_id for _ in range(ENGINES_KEPT + 2)]
        engines = storage._engines
        assert set(engines) == {"index", *run_ids[-ENGINES_KEPT:]}  # the oldest runs' dropped
        index_engine = engines["index"]
        assert instance.get_latest_materialization_event(dg.AssetKey("counted")).run_id == run_ids[-1]
        assert storage._engines["index"] is index_engine  # reused, not re-created per connection
        assert len(instance.all_logs(run_ids[0])) > 0  # a dropped run's events are still read
