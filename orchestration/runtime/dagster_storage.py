"""Dagster's SQLite storage with a cheaper event log, named in dagster_home/dagster.yaml.

A run writes every event to SQLite as it happens: a year's three runs write hundreds (an asset
planned, materialised, checked; a step started, its output), and Dagster's own SQLite event
log made them a noticeable share of a year's time, most of it on the runs' critical path (the
build run's planned events are all written before the run starts; docs/performance.md).
Two things made it cost that much, and this storage changes only those two:

- Each connection was made by a new SQLAlchemy engine, disposed after one statement or
  transaction, so every statement was compiled again (SQLAlchemy caches compiled statements
  per engine). Here each shard keeps its engine (`ENGINES_KEPT` run shards and the index);
  connections are still opened and closed per use (``NullPool``), as before, so nothing is
  held open between writes, across a fork or by an idle process.
- Each commit waited for the disk (SQLite's ``synchronous=FULL``, the default). The event
  log's databases are in write-ahead-log mode (Dagster creates them so), where
  ``synchronous=NORMAL`` cannot corrupt a database, and a connection gets it only when its
  database is in that mode; a power cut or a crash of the machine
  (not of a process) may lose the events of the last moments before it, as a run cut off
  by it would be lost anyway and is run again; the warehouse's durability is DuckDB's own.

What that saves, timed around every event write, is in docs/performance.md. The runs, schedules
and their files are Dagster's own SQLite storage, unchanged: the same folders under
``base_dir`` (DAGSTER_HOME), readable by a stock Dagster.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory
from dagster._serdes import ConfigurableClassData
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from orchestration.settings import runtime_speedups

# Run shards whose engine is kept (the index shard's always is): a run writes to its own shard
# and the index; a webserver reading several runs at once re-creates an engine now and then.
ENGINES_KEPT = 8


class ReusedEngineSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's run-sharded SQLite event log; one engine per shard, commits not synced (see above)."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir, inst_data=inst_data)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:  # as Dagster's: one writer thread at a time, the engine cache with it
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        engine = create_engine(self.conn_string_for_shard(shard), poolclass=NullPool,
                               connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
        event.listen(engine, "connect", _commit_without_sync)
        self._engines[shard] = engine
        run_shards = [name for name in self._engines if name != INDEX_SHARD_NAME]
        if len(run_shards) > ENGINES_KEPT:
            self._engines.pop(run_shards[0]).dispose()
        return engine

    def dispose(self) -> None:
        super().dispose()
        with self._db_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()


def _commit_without_sync(dbapi_connection, _record) -> None:  # noqa: ANN001 - sqlite3 connection
    """``synchronous=NORMAL`` on a database in write-ahead-log mode only: a new shard's first
    connection, which creates its tables and then switches it to WAL, keeps SQLite's default."""
    [(mode,)] = dbapi_connection.execute("PRAGMA journal_mode").fetchall()
    if mode == "wal":
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")


class MonitoringSqliteStorage(DagsterSqliteStorage):
    """Dagster's SQLite storage (runs, event log, schedules under ``base_dir``) with the event
    log above; for ``storage: custom:`` in dagster.yaml."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        super().__init__(base_dir, inst_data=inst_data)
        if runtime_speedups():  # else Dagster's own event log, unchanged
            self._event_log_storage = ReusedEngineSqliteEventLogStorage(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(  # ty: ignore[invalid-method-override]
        cls, inst_data: ConfigurableClassData | None, config_value: dict
    ) -> MonitoringSqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)
