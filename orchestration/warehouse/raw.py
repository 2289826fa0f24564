"""The raw layer of the warehouse: table definitions and the one way a batch is written.

A batch is one landing file. It is written in a single transaction (delete the batch,
insert the batch, record it), so re-running an ingestion replaces a batch exactly and a
failure leaves the warehouse as it was. Every cell is stored as text, as read: typing
and normalisation happen in dbt staging, where every change is visible and counted.
Personal data lives in these tables only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.reference import INPUTS, input_columns

RAW_SCHEMA = "raw"

# Lineage carried on every raw row, so that any figure traces back to a file and a row.
LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("batch_id", "varchar"),
    ("period", "varchar"),  # 'YYYY-MM' (registry, questionnaires, acts) or 'YYYY-Qn' (phone survey)
    ("version", "integer"),  # registry snapshot version; 1 for the other inputs
    ("source_file", "varchar"),  # path relative to the landing folder
    ("source_sha256", "varchar"),
    ("source_row", "integer"),  # 1-based row number in the operator's own file (as Excel shows it)
    ("submitted_at", "timestamptz"),
    ("received_at", "timestamptz"),
)


# The warehouse holds personal data (raw.*): its file and DuckDB's write-ahead log beside it are
# readable by the pipeline's own OS user only. DuckDB creates both with the process umask, so
# every writer (this process's connection, dbt's subprocess) runs under owner_only_files().
PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700


@contextmanager
def owner_only_files() -> Iterator[None]:
    """Files created meanwhile, by this process or a child it starts, are owner-only (umask 077)."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def protect_database(path: Path) -> None:
    """Make an existing database file and its write-ahead log owner-only (files from older runs)."""
    for candidate in (path, path.with_name(path.name + ".wal")):
        if candidate.exists() and candidate.stat().st_mode & 0o077:
            os.chmod(candidate, PRIVATE_FILE_MODE)


def rows_table(input_name: str) -> str:
    return f"{RAW_SCHEMA}.{input_name}_rows"


def ddl() -> list[str]:
    statements = [f"create schema if not exists {RAW_SCHEMA}"]
    for input_name in INPUTS:
        columns = [f"{name} {kind}" for name, kind in LINEAGE_COLUMNS]
        columns += [f"{spec.name} varchar" for spec in input_columns(input_name)]
        columns.append("extra_columns varchar")  # JSON object of columns the form does not define
        statements.append(f"create table if not exists {rows_table(input_name)} ({', '.join(columns)})")
    statements.append(
        f"""create table if not exists {RAW_SCHEMA}.batches (
            batch_id varchar primary key,
            input varchar not null,
            period varchar not null,
            version integer not null,
            source_file varchar not null,
            source_sha256 varchar not null,
            file_rows integer not null,
            submitted_at timestamptz not null,
            submitted_at_source varchar not null,  -- 'sidecar' or 'first_seen'
            received_at timestamptz not null,
            loaded_at timestamptz not null
        )"""
    )
    statements.append(
        f"""create table if not exists {RAW_SCHEMA}.rejected_files (
            input varchar not null,
            period varchar not null,
            version integer not null,
            source_file varchar not null,
            source_sha256 varchar not null,
            rejected_at timestamptz not null,
            reason varchar not null
        )"""
    )
    return statements


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    for statement in ddl():
        con.execute(statement)


@dataclass(frozen=True)
class Batch:
    """What identifies and dates one landing file."""

    input: str
    period: str
    version: int
    source_file: str
    source_sha256: str
    submitted_at: datetime | None  # None: not declared by a sidecar, so it is the first sighting
    seen_at: datetime

    @property
    def batch_id(self) -> str:
        return f"{self.input}/{self.period}/v{self.version}"


def load_batch(con: duckdb.DuckDBPyConnection, batch: Batch, rows: pa.Table | pa.RecordBatchReader) -> int:
    """Replace one batch with ``rows`` (canonical columns + ``source_row`` + ``extra_columns``),
    a table or a stream of record batches that DuckDB inserts as they come.

    Returns the number of rows written. ``received_at`` is the first time this exact file
    (same sha256) was seen, so re-running an ingestion does not make a file look late.
    """
    ensure_raw_schema(con)
    table = rows_table(batch.input)
    previous = con.execute(
        f"select received_at from {RAW_SCHEMA}.batches where batch_id = ? and source_sha256 = ?",
        [batch.batch_id, batch.source_sha256],
    ).fetchall()  # DuckDB 2 keeps a result open after fetchone(); fetch it whole
    received_at = previous[0][0] if previous else batch.seen_at
    submitted_at = batch.submitted_at or received_at
    names = [spec.name for spec in input_columns(batch.input)]
    con.register("incoming_rows", rows)
    try:
        con.execute("begin transaction")
        con.execute(f"delete from {table} where batch_id = ?", [batch.batch_id])
        con.execute(f"delete from {RAW_SCHEMA}.batches where batch_id = ?", [batch.batch_id])
        lineage = "?, ?, ?, ?, ?, source_row, ?::timestamptz, ?::timestamptz"
        [(inserted,)] = con.execute(
            f"insert into {table} select {lineage}, {', '.join(names)}, extra_columns from incoming_rows",
            [batch.batch_id, batch.period, batch.version, batch.source_file, batch.source_sha256,
             submitted_at, received_at],
        ).fetchall()
        con.execute(
            f"insert into {RAW_SCHEMA}.batches values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
            [batch.batch_id, batch.input, batch.period, batch.version, batch.source_file,
             batch.source_sha256, inserted, submitted_at,
             "sidecar" if batch.submitted_at else "first_seen", received_at],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("incoming_rows")
    return inserted


def record_rejection(con: duckdb.DuckDBPyConnection, batch: Batch, reason: str) -> None:
    """Keep a rejected file's reason; the batch already loaded (if any) stays untouched."""
    ensure_raw_schema(con)
    con.execute(
        f"insert into {RAW_SCHEMA}.rejected_files values (?, ?, ?, ?, ?, ?, ?)",
        [batch.input, batch.period, batch.version, batch.source_file, batch.source_sha256,
         batch.seen_at, reason],
    )


def extra_columns_json(values: dict[str, str | None]) -> str | None:
    return json.dumps(values, ensure_ascii=False) if values else None


def relative_to_landing(path: Path, landing_dir: Path) -> str:
    """The path as the operator names it in the landing folder ('registry/2019-03/v1.xlsx').

    A link is named by where it sits, not where it points; a path outside the landing folder
    by its own name only: the machine's directory layout never reaches a message or a letter.
    """
    try:
        located = Path(os.path.realpath(path.parent)) / path.name
        return located.relative_to(os.path.realpath(landing_dir)).as_posix()
    except ValueError:
        return path.name
