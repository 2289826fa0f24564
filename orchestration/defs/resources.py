"""Resources: the settings, the warehouse connection and dbt, built from one Settings object.

One writer at a time (DuckDB allows no more), kept three ways:

- every asset that writes warehouse.duckdb runs in the ``warehouse`` pool, and
  ``dagster_home/dagster.yaml`` gives pools one slot: a second run *waits* for the slot,
  across processes, because the slots live in the instance's storage;
- the connection (``WarehouseResource``) and the dbt invocation (``MonitoringDbtCliResource``)
  wait, with a message in the run's log, while another process still holds DuckDB's own file
  lock (a run on another Dagster instance, a SQL client opened on the warehouse, a dbt left
  behind by a killed run), instead of failing with "Could not set lock";
- ``release_dead_runs`` frees the pool slot of a run whose process was killed (SIGKILL, out of
  memory, power cut): Dagster would otherwise keep that slot claimed and every later run
  would wait for ever.

Files with personal data (the warehouse and its write-ahead log) are created owner-only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_duckdb import DuckDBResource
from pydantic import Field

from orchestration.runtime.dbt_cli import FastDbtCliResource
from orchestration.runtime.forked_dbt import OWN_DBT
from orchestration.settings import (
    DBT_PROJECT_DIR,
    RUN_WORKER_PID_ENV,
    Settings,
    dbt_environment,
    load_settings,
    require_secret_key,
)
from orchestration.warehouse import connection
from orchestration.warehouse.connection import LOCK_WAIT_SECONDS
from orchestration.warehouse.raw import owner_only_files

# Every asset that opens warehouse.duckdb runs in this pool; dagster_home/dagster.yaml gives
# pools one slot, so one process writes the file at a time (DuckDB allows no more).
WAREHOUSE_POOL = "warehouse"


class MonitoringSettings(dg.ConfigurableResource):
    """Where the data folder is; everything else is derived from it (see Settings)."""

    data_dir: str

    def get(self) -> Settings:
        environment = load_settings()  # the key and the PostgreSQL target: never in run config or the UI
        settings = Settings(data_dir=Path(self.data_dir), hmac_key=environment.hmac_key,
                            postgres_dsn=environment.postgres_dsn,
                            postgres_reader_role=environment.postgres_reader_role)
        require_secret_key(settings)  # a run refuses to start with the public key outside demo mode
        return settings


@contextmanager
def open_warehouse(path: Path, *, read_only: bool = False, config: dict[str, Any] | None = None,
                   wait_seconds: float = LOCK_WAIT_SECONDS, poll_seconds: float = 1.0) -> Iterator[Any]:
    """`connection.open_warehouse` in a run: waits with a message in the run's log, and gives up
    with a Dagster failure that the UI shows with its reason."""
    try:
        with connection.open_warehouse(path, read_only=read_only, config=config, wait_seconds=wait_seconds,
                                       poll_seconds=poll_seconds, log=dg.get_dagster_logger()) as con:
            yield con
    except connection.WarehouseBusy as busy:
        raise dg.Failure(description=str(busy)) from None


class WarehouseResource(DuckDBResource):
    """DuckDBResource for warehouse.duckdb: waits for the file lock, creates the file owner-only."""

    lock_wait_seconds: float = Field(default=LOCK_WAIT_SECONDS,
                                     description="How long to wait for another writer to finish.")

    @contextmanager
    def get_connection(self) -> Iterator[Any]:
        config = {"custom_user_agent": "dagster", **self.connection_config}
        with open_warehouse(Path(self.database), config=config, wait_seconds=self.lock_wait_seconds) as con:
            yield con


class MonitoringDbtCliResource(FastDbtCliResource):
    """dbt on the warehouse: waits for the file lock, runs owner-only, dies with its run,
    and its failure message carries no personal data."""

    lock_wait_seconds: float = Field(default=LOCK_WAIT_SECONDS)

    def cli(self, args: Sequence[str], **kwargs: Any) -> Any:
        # Wait until no other process holds the warehouse, then start dbt at once. The dbt process
        # inherits the owner-only umask (the warehouse's write-ahead log, dbt's artifacts) and
        # this process's PID, so it stops if this run is killed (see dbt_plugin.py).
        with open_warehouse(Path(self.warehouse_path), wait_seconds=self.lock_wait_seconds):
            pass
        os.environ[RUN_WORKER_PID_ENV] = str(os.getpid())
        os.environ.update(dbt_environment(self.warehouse_path))  # read by dbt's profile and plugin
        with owner_only_files():
            return super().cli(args, **kwargs)


def dbt_executable() -> str:
    """The dbt installed beside this Python (the project's venv), else whatever is on PATH."""
    return str(OWN_DBT) if OWN_DBT.exists() else "dbt"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def release_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark runs whose process is gone as failed and free their pool slots; their run ids.

    A run killed with SIGKILL never reports its end, so it stays "started" and keeps its slot
    in the warehouse pool. The run's process is known from its RUN_START event; this applies to
    runs launched on this machine (the deployment: one host, one DuckDB file).
    """
    active = dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING,
                                     dg.DagsterRunStatus.CANCELING])
    released = []
    for run in instance.get_runs(filters=active):
        starts = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.RUN_START)
        pids = {entry.dagster_event.pid for entry in starts if entry.dagster_event is not None}
        if not pids or None in pids or any(_pid_alive(pid) for pid in pids):
            continue
        instance.report_run_failed(run, message=f"the run's process ({', '.join(map(str, sorted(pids)))}) "
                                   "is gone (killed or crashed); its warehouse pool slot is released")
        if instance.event_log_storage.supports_global_concurrency_limits:
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        released.append(run.run_id)
    return released


def build_resources(settings: Settings | None = None) -> dict[str, object]:
    """The resources of the code location; refuses the public key outside demo mode, so that
    loading the definitions (``dagster dev``, a run worker) fails with the reason."""
    settings = settings or load_settings()
    require_secret_key(settings)
    return {
        "monitoring": MonitoringSettings(data_dir=str(settings.data_dir)),
        "warehouse": WarehouseResource(database=str(settings.warehouse_path)),
        "dbt": MonitoringDbtCliResource(project_dir=os.fspath(DBT_PROJECT_DIR),
                                        profiles_dir=os.fspath(DBT_PROJECT_DIR),
                                        dbt_executable=dbt_executable(),
                                        warehouse_path=str(settings.warehouse_path)),
    }
