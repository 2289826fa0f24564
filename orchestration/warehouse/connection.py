"""A connection to the warehouse that waits while another process holds DuckDB's file lock.

DuckDB allows one process per database file, readers included. A run on another Dagster
instance, a SQL client opened on the warehouse or a dbt left behind by a killed run would
otherwise make the next writer fail at once with "Could not set lock"; this waits (saying so
once in the log) and gives up with `WarehouseBusy` after ``wait_seconds``.

Files with personal data (the warehouse and its write-ahead log) are created owner-only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from orchestration.settings import duckdb_config
from orchestration.warehouse.raw import owner_only_files, protect_database

# How long a writer waits for another process to release the warehouse before it gives up.
LOCK_WAIT_SECONDS = 1800


class WarehouseBusy(RuntimeError):
    """Another process kept the warehouse for longer than the caller would wait."""


def lock_holder(error: Exception) -> str | None:
    """The holder DuckDB names in a lock conflict ("... held in /usr/bin/python (PID 123) ..."), or None."""
    message = str(error)
    if "Could not set lock" not in message and "Conflicting lock" not in message:
        return None
    start = message.find("(PID")
    return message[start + 1:message.find(")", start)] if start >= 0 else "another process"


@contextmanager
def open_warehouse(path: Path, *, read_only: bool = False, config: dict[str, Any] | None = None,
                   wait_seconds: float = LOCK_WAIT_SECONDS, poll_seconds: float = 1.0,
                   log: logging.Logger | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse, waiting (and saying so in ``log``) while another process holds it."""
    log = log or logging.getLogger(__name__)
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
                holder = lock_holder(exc)
                if holder is None:
                    raise
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"{path.name} is still in use by {holder} after {wait_seconds:.0f} s; "
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
