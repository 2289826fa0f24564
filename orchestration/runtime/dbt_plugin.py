"""dbt-duckdb plugin: defines the ``pseudonymise(text)`` macro on every dbt connection.

The macro is HMAC-SHA256 written in DuckDB SQL (RFC 2104: H((K^opad) || H((K^ipad) || m))),
so hashing stays vectorised inside DuckDB. It is a *temporary* macro: the key lives in
the process environment and this connection only, never in the warehouse file, in
dbt's compiled SQL or in logs.

When a Dagster run started this dbt (``MONITORING_RUN_WORKER_PID``), dbt exits as soon as
that run's process is gone: a run killed with SIGKILL must not leave a dbt behind that keeps
writing the warehouse (and holding its lock) while the next run starts.
"""

from __future__ import annotations

import os
import threading

from dbt.adapters.duckdb.plugins import BasePlugin

from orchestration.runtime.processes import exit_when_parent_dies
from orchestration.settings import DEV_HMAC_KEY, RUN_WORKER_PID_ENV, apply_duckdb_settings, duckdb_config

SHA256_BLOCK_SIZE = 64


def hmac_pads(key: bytes) -> tuple[str, str]:
    """The inner and outer padded keys of HMAC-SHA256, as hex."""
    import hashlib

    if len(key) > SHA256_BLOCK_SIZE:
        key = hashlib.sha256(key).digest()
    key = key.ljust(SHA256_BLOCK_SIZE, b"\0")
    return bytes(b ^ 0x36 for b in key).hex(), bytes(b ^ 0x5C for b in key).hex()


def pseudonymise_macro_sql(key: str) -> str:
    inner, outer = hmac_pads(key.encode("utf-8"))
    return (
        "create or replace temp macro pseudonymise(value) as "
        f"case when value is null then null else sha256(unhex('{outer}') || "
        f"unhex(sha256(unhex('{inner}') || encode(value::varchar)))) end"
    )


def exit_with_run_worker(poll_seconds: float = 0.5) -> threading.Thread | None:
    """Watch the Dagster run process that started this dbt; exit (like a kill) when it is gone."""
    parent = os.environ.get(RUN_WORKER_PID_ENV, "")
    if not parent.isdigit():
        return None  # started from a shell, not by a run: leave it alone
    return exit_when_parent_dies(int(parent), poll_seconds)


class Plugin(BasePlugin):
    def initialize(self, plugin_config) -> None:  # noqa: ANN001 - dbt-duckdb's plugin config
        exit_with_run_worker()

    def configure_connection(self, conn) -> None:  # noqa: ANN001 - DuckDB connection from dbt
        apply_duckdb_settings(conn, duckdb_config())  # the same ceiling as the pipeline's own connections
        conn.execute(pseudonymise_macro_sql(os.environ.get("MONITORING_HMAC_KEY", DEV_HMAC_KEY)))

    def configure_cursor(self, cursor) -> None:  # noqa: ANN001 - DuckDB cursor from dbt
        # dbt-duckdb runs every query on a cursor, and a DuckDB cursor is a separate connection:
        # temp macros of the parent connection are not visible there.
        cursor.execute(pseudonymise_macro_sql(os.environ.get("MONITORING_HMAC_KEY", DEV_HMAC_KEY)))
