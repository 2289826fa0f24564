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

import importlib.metadata
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource
from packaging.version import Version
from pydantic import Field

from orchestration import parse_state
from orchestration.cells import mask_personal
from orchestration.forked_dbt import OWN_DBT, forking_dbt, is_own_dbt
from orchestration.settings import (
    DBT_PROJECT_DIR,
    RUN_WORKER_PID_ENV,
    Settings,
    duckdb_config,
    export_dbt_environment,
    load_settings,
    require_secret_key,
)
from orchestration.warehouse import owner_only_files, protect_database

# Every asset that opens warehouse.duckdb runs in this pool; dagster_home/dagster.yaml gives
# pools one slot, so one process writes the file at a time (DuckDB allows no more).
WAREHOUSE_POOL = "warehouse"
# How long a writer waits for another process to release the warehouse before it gives up.
LOCK_WAIT_SECONDS = 1800


class MonitoringSettings(dg.ConfigurableResource):
    """Where the data folder is; everything else is derived from it (see Settings)."""

    data_dir: str

    def get(self) -> Settings:
        settings = Settings(data_dir=Path(self.data_dir), hmac_key=load_settings().hmac_key)
        require_secret_key(settings)  # a run refuses to start with the public key outside demo mode
        return settings


def _lock_holder(error: Exception) -> str | None:
    """The holder DuckDB names in a lock conflict ("... held in /usr/bin/python (PID 123) ..."), or None."""
    message = str(error)
    if "Could not set lock" not in message and "Conflicting lock" not in message:
        return None
    start = message.find("(PID")
    return message[start + 1:message.find(")", start)] if start >= 0 else "another process"


@contextmanager
def open_warehouse(path: Path, *, read_only: bool = False, config: dict[str, Any] | None = None,
                   wait_seconds: float = LOCK_WAIT_SECONDS, poll_seconds: float = 1.0) -> Iterator[Any]:
    """A connection to the warehouse, waiting (and saying so) while another process holds it."""
    log = dg.get_dagster_logger()
    deadline = time.monotonic() + wait_seconds
    announced = False
    with owner_only_files():
        path.parent.mkdir(parents=True, exist_ok=True)
        protect_database(path)
        while True:
            try:
                con = duckdb.connect(str(path), read_only=read_only, config={**duckdb_config(), **(config or {})})
                break
            except (duckdb.IOException, duckdb.ConnectionException) as exc:
                holder = _lock_holder(exc)
                if holder is None:
                    raise
                if time.monotonic() >= deadline:
                    raise dg.Failure(
                        description=f"{path.name} is still in use by {holder} after {wait_seconds:.0f} s; "
                        "DuckDB allows one writer at a time. Wait for that process to finish (or close the "
                        "SQL client holding the warehouse; SQL users read analytics.duckdb) and re-run."
                    ) from None
                if not announced:
                    log.warning(f"{path.name} is in use by {holder}; waiting for it to finish "
                                f"(one writer at a time, up to {wait_seconds:.0f} s)")
                    announced = True
                time.sleep(poll_seconds)
        try:
            if announced:
                log.info(f"{path.name} is free again; continuing")
            yield con
        finally:
            con.close()
        protect_database(path)


class WarehouseResource(DuckDBResource):
    """DuckDBResource for warehouse.duckdb: waits for the file lock, creates the file owner-only."""

    lock_wait_seconds: float = Field(default=LOCK_WAIT_SECONDS,
                                     description="How long to wait for another writer to finish.")

    @contextmanager
    def get_connection(self) -> Iterator[Any]:
        config = {"custom_user_agent": "dagster", **self.connection_config}
        with open_warehouse(Path(self.database), config=config, wait_seconds=self.lock_wait_seconds) as con:
            yield con


class _MaskedMessages(list):
    """dbt's error lines as dagster-dbt collects them for the failure shown in the UI, masked.

    A DuckDB error quotes the value it choked on ("Could not convert string '900101300123'");
    the step failure that reaches the UI must not carry an identifier, a phone or an e-mail.
    """

    def append(self, message: object) -> None:
        super().append(mask_personal(str(message)))


class MonitoringDbtCliResource(DbtCliResource):
    """dbt on the warehouse: waits for the file lock, runs owner-only, dies with its run,
    and its failure message carries no personal data."""

    warehouse_path: str = Field(description="The warehouse dbt's profile points at (MONITORING_WAREHOUSE_PATH).")
    lock_wait_seconds: float = Field(default=LOCK_WAIT_SECONDS)

    @cached_property
    def _cli_version(self) -> Version:
        """dbt's version from the installed package when the executable is this venv's own:
        dagster-dbt asks `dbt --version`, a 2-second process in every run, to learn it."""
        if is_own_dbt(self.dbt_executable):
            return Version(importlib.metadata.version("dbt-core"))
        return super()._cli_version

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        """No adapter in the run's process: dagster-dbt uses it only to fetch row counts and
        column metadata, which these assets do not ask for, and building it costs 0.6 s a run."""
        return None

    def cli(self, args: Sequence[str], **kwargs: Any) -> Any:
        # Wait until no other process holds the warehouse, then start dbt at once. The dbt process
        # inherits the owner-only umask (the warehouse's write-ahead log, dbt's artifacts) and
        # this process's PID, so it stops if this run is killed (see dbt_plugin.py).
        with open_warehouse(Path(self.warehouse_path), wait_seconds=self.lock_wait_seconds):
            pass
        os.environ[RUN_WORKER_PID_ENV] = str(os.getpid())
        # this warehouse's partial-parse state, for dbt to start from (parse_state.py says why)
        target_path = kwargs.pop("target_path", None) or self._get_unique_target_path(context=kwargs.get("context"))
        parse_state.restore(target_path if target_path.is_absolute() else Path(self.project_dir) / target_path,
                            self.warehouse_path)
        with owner_only_files(), forking_dbt():  # forked from this process: forked_dbt.py says why
            invocation = super().cli(args, target_path=target_path, **kwargs)
        if isinstance(getattr(invocation, "_error_messages", None), list):  # dagster-dbt 0.29 internals
            invocation._error_messages = _MaskedMessages(invocation._error_messages)
        return invocation


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
    export_dbt_environment(settings)
    return {
        "monitoring": MonitoringSettings(data_dir=str(settings.data_dir)),
        "warehouse": WarehouseResource(database=str(settings.warehouse_path)),
        "dbt": MonitoringDbtCliResource(project_dir=os.fspath(DBT_PROJECT_DIR),
                                        profiles_dir=os.fspath(DBT_PROJECT_DIR),
                                        dbt_executable=dbt_executable(),
                                        warehouse_path=str(settings.warehouse_path)),
    }
