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


# Written by the deadline and letter assets (orchestration/rules/timeliness.py, orchestration/outputs/letters.py),
# read by dbt (int_registry_timeliness, letters_sent). Created here with the rest of the raw layer
# so that a scratch warehouse builds before those assets have run.
REGISTRY_DEADLINES_COLUMNS: tuple[tuple[str, str], ...] = (
    ("period", "varchar"),  # 'YYYY-MM'
    ("month", "date"),  # first day of the reporting month
    ("version", "integer"),  # NULL on a missing month's row
    ("batch_id", "varchar"),  # NULL on a missing month's row
    ("is_missing", "boolean"),  # no registry received and the R5 deadline passed at evaluated_at
    ("submitted_at", "timestamptz"),
    ("received_at", "timestamptz"),
    ("due_at", "timestamptz"),  # R5 (clause 7): deadlines.registry_due_at(month)
    ("on_time", "boolean"),  # submitted_at <= due_at; NULL when missing
    ("letter_due_at", "timestamptz"),  # R6 (clause 8): 1 working day after min(submitted_at, received_at)
    ("letter_date", "date"),  # the letter's date if one was produced, else its due date
    ("letter_date_source", "varchar"),  # 'letter' | 'letter_due'
    ("correction_due_at", "timestamptz"),  # R7 (clause 9): 3 working days after letter_date
    ("evaluated_at", "timestamptz"),  # the "now" the missing months were decided at
)

# Written with raw.registry_deadlines (the same evaluation): one row per month of the years in
# scope, for dbt's reporting_periods — a period closes when its last month's cutoff_at has passed.
MONTH_CUTOFFS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("month", "date"),  # first day of the month
    ("registry_due_at", "timestamptz"),  # R5 (clause 7): deadlines.registry_due_at(month)
    ("cutoff_at", "timestamptz"),  # deadlines.report_cutoff_at(month): R5 + letter (R6) + correction (R7)
    ("evaluated_at", "timestamptz"),  # the "now" of the evaluation
)

LETTERS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("batch_id", "varchar"),  # the registry version the letter is about
    ("period", "varchar"),
    ("month", "date"),
    ("version", "integer"),
    ("source_sha256", "varchar"),  # the file the letter is about (a replaced file gets a new letter)
    ("letter_number", "varchar"),  # outgoing number 'Д-YYYY-MM-vN'
    ("letter_date", "date"),  # min(production date, letter due date)
    ("produced_at", "timestamptz"),  # first production of this letter for this file
    ("letter_due_at", "timestamptz"),  # R6: 1 working day after the registry arrived
    ("produced_late", "boolean"),  # produced_at > letter_due_at
    ("correction_due_at", "timestamptz"),  # R7: 3 working days after letter_date
    ("error_rows", "integer"),  # distinct rows of the operator's file with an error
    ("error_count", "integer"),  # error-severity violations (a row may break several rules)
    ("rule_count", "integer"),
    ("path", "varchar"),  # the .docx
    ("annex_path", "varchar"),  # the .xlsx
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
    for table, columns in (
        ("registry_deadlines", REGISTRY_DEADLINES_COLUMNS),
        ("month_cutoffs", MONTH_CUTOFFS_COLUMNS),
        ("letters", LETTERS_COLUMNS),
    ):
        body = ", ".join(f"{name} {kind}" for name, kind in columns)
        statements.append(f"create table if not exists {RAW_SCHEMA}.{table} ({body})")
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
    try:
        return path.resolve().relative_to(landing_dir.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
