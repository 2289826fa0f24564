"""Landing files read, checked against their contracts and loaded into the raw layer, one batch each.

Reading and checking run in worker processes, a few files ahead of the one being loaded; the
warehouse writes stay in the caller's process, one file after the other. Every file ends
loaded or rejected with its reason (``raw.rejected_files``); nothing here imports Dagster: the
ingestion asset (``orchestration/defs/assets/ingest.py``) only wires this to its run.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from datetime import datetime
from itertools import islice
from pathlib import Path

import pyarrow as pa

from orchestration.ingestion.landing import LandingFile, LandingScan, Unaccepted, scan, sha256_of
from orchestration.ingestion.readers import ReadResult, read_input
from orchestration.ingestion.spool import SpooledRows, SpoolWriter
from orchestration.ingestion.spool import clear as clear_spool
from orchestration.input_errors import InputFileError
from orchestration.personal import mask_personal
from orchestration.reference import INPUTS
from orchestration.runtime.processes import forked_workers
from orchestration.settings import PROGRAMME_START
from orchestration.warehouse.raw import (
    RAW_SCHEMA,
    Batch,
    ensure_raw_schema,
    load_batch,
    record_rejection,
    relative_to_landing,
)
from schemas import partwise_check, validate

# Files read and checked at once, each in its own process: reading an .xlsx is CPU-bound
# Python (and Rust under the GIL), so threads would not help. The warehouse writes stay in
# the asset's process, one file after the other, in the order of ``files_for_months``.
READ_WORKERS = 2
READ_AHEAD = READ_WORKERS  # files being read while one is loaded: bounds the memory held
# DuckDB settings for loading. One thread: the readers keep both cores busy, and a second
# loading thread only competed with them. A larger write-ahead log before DuckDB checkpoints
# (its default is 16 MB): at the default every few monthly files rewrote and recompressed the
# table's last row group, the same rows again and again (docs/performance.md has the figures).
LOAD_SETTINGS = {"threads": "1", "checkpoint_threshold": "256MB"}

Checked = tuple[str, object]  # ("read", ReadResult) | ("rejected", message) | ("failed", error type name)


def read_checked(path, input_name: str, source: str, spool_dir: Path | None = None) -> Checked:
    """Read and check one landing file without touching the warehouse (runs in a worker process).

    Pure: the outcome comes back as data, so the loading (or the recording of the
    rejection) happens in the asset's process exactly as if the file had been read there.
    With ``spool_dir`` the rows come back as a file there (``SpooledRows``), not pickled,
    checked and written part by part as the reader streams them.
    """
    try:
        if spool_dir is None:
            result = read_input(path, input_name)
            validate(input_name, result.rows, source=source)
        else:
            spooled = CheckedSpool(input_name, source, spool_dir)
            try:
                result = read_input(path, input_name, rows_to=spooled)
            except BaseException:
                spooled.discard()
                raise
    except InputFileError as exc:
        return "rejected", str(exc)
    except Exception as exc:  # a reader bug must not load half a file nor show a cell value
        return "failed", type(exc).__name__
    return "read", result


class CheckedSpool:
    """A file's rows checked against its contract on their way into a spool file (a RowsSink)."""

    def __init__(self, input_name: str, source: str, folder: Path) -> None:
        self.contract = partwise_check(input_name, source)
        self.writer = SpoolWriter(folder)

    def write(self, rows: pa.Table) -> None:
        self.contract.add(rows)
        self.writer.write(rows)

    def close(self) -> SpooledRows:
        self.contract.finish()  # raises with every failure; read_checked then discards
        return self.writer.close()

    def discard(self) -> None:
        self.contract.reset()
        self.writer.discard()


@contextmanager
def checked_files(files: list[LandingFile], landing_dir: Path, spool_dir: Path) -> Iterator[Iterator[Checked]]:
    """``read_checked`` for each file, in the order given; several files at once when there are several.

    At most READ_AHEAD files are read ahead of the one being loaded, so memory holds a few
    files' rows, never the year's. Workers are forked on entry, before the caller opens the
    warehouse: they start at once, with the readers and contracts already imported (the
    caller hashes each file while the workers read the next ones; hashed up front, they kept
    the workers waiting).
    """
    if len(files) <= 1:
        yield (read_checked(landing_file.path, landing_file.input, relative_to_landing(landing_file.path, landing_dir))
               for landing_file in files)
        return
    try:
        with forked_workers(min(READ_WORKERS, len(files))) as pool:
            pending: deque[Future[Checked]] = deque()
            queued = iter(files)

            def submit(count: int) -> None:
                for landing_file in islice(queued, count):
                    pending.append(pool.submit(read_checked, landing_file.path, landing_file.input,
                                               relative_to_landing(landing_file.path, landing_dir), spool_dir))

            def results() -> Iterator[Checked]:
                while pending:
                    checked = pending.popleft().result()
                    submit(1)
                    yield checked

            submit(READ_AHEAD)
            try:
                yield results()
            finally:
                for future in pending:  # the caller stopped early: read no further
                    future.cancel()
    finally:
        clear_spool(spool_dir)  # files read ahead but never loaded (the caller stopped early)


def ingest_file(con, batch: Batch, checked: Checked, log: logging.Logger) -> dict[str, object]:
    """Load one read and checked landing file, or record why it was rejected.

    The outcome is what the UI shows for the file (asset metadata): how it was read and
    what was normalised, counted; never a cell value. A rejected file leaves its batch (if
    an earlier delivery was loaded) exactly as it was.
    """
    source = batch.source_file
    status, value = checked
    if status == "rejected":
        return reject(con, batch, str(value))
    if status == "failed":
        log.error(f"{source}: unexpected {value} while reading; file rejected")
        return reject(con, batch, f"{source}: the file could not be read (unexpected {value}); "
                                   "it was not loaded — report this to the engineers")
    result = value
    assert isinstance(result, ReadResult)
    if isinstance(result.rows, SpooledRows):
        try:
            with result.rows.open() as reader:
                rows = load_batch(con, batch, reader)
        finally:
            result.rows.remove()
    else:
        rows = load_batch(con, batch, result.rows)
    return {
        "file": source,
        "status": "loaded",
        "rows": rows,
        "sheet": result.sheet_name,
        "encoding": result.encoding,
        "delimiter": result.delimiter,
        "header_row": result.header_row,
        "extra_columns": [mask_personal(name) for name in result.extra_columns],
        "counts": dict(result.counts),
        "notes": [mask_personal(note) for note in result.notes],
    }


def batch_for(landing_dir, landing_file: LandingFile, seen_at: datetime) -> Batch:
    return Batch(
        input=landing_file.input,
        period=landing_file.period,
        version=landing_file.version,
        source_file=relative_to_landing(landing_file.path, landing_dir),
        source_sha256=sha256_of(landing_file.path),
        submitted_at=landing_file.submitted_at,
        seen_at=seen_at,
    )


def reject(con, batch: Batch, reason: str) -> dict[str, object]:
    reason = mask_personal(reason)  # readers and contracts never quote values; this makes sure
    record_rejection(con, batch, reason)
    return {"file": batch.source_file, "status": "rejected", "reason": reason}


def outside_programme(landing_file: LandingFile) -> str | None:
    """Why a landing file belongs to no reporting month, or None when it belongs to one.

    The partitions start at the programme's first month; a file for an earlier month would
    otherwise sit in landing unnoticed. Months after the last partition are not refused: they
    become partitions when they end.
    """
    month = landing_file.month
    if month < PROGRAMME_START:
        return (f"месяц {month} раньше первого отчётного месяца программы {PROGRAMME_START}; файл не "
                "загружен — положите его в папку месяца, о котором он отчитывается")
    return None


def unaccepted_in_run(found: LandingScan, landing_dir: Path, months: set[str],
                      inputs: set[str]) -> tuple[list[Unaccepted], list[Unaccepted]]:
    """The files this run records as not taken: those of its months and inputs (every run of the
    month records them again, as it does a file that fails its contract), and those that belong to
    no reporting month (recorded once per file content by whichever run comes first)."""
    of_months, of_none = [], []
    for item in found.unaccepted:
        if item.month is not None and item.month >= PROGRAMME_START:
            if item.month in months and item.input in inputs:
                of_months.append(item)
        elif item.input in inputs or item.input not in INPUTS:
            of_none.append(item)
    for landing_file in found.files:
        why = outside_programme(landing_file) if landing_file.input in inputs else None
        if why is not None:
            shown = relative_to_landing(landing_file.path, landing_dir)
            of_none.append(Unaccepted(landing_file.input, landing_file.period, landing_file.version,
                                      landing_file.path, f"{shown}: {why}", None))
    return of_months, of_none


def _unaccepted_batch(landing_dir: Path, item: Unaccepted, seen_at: datetime) -> Batch:
    try:
        digest = sha256_of(item.path)
    except OSError:  # a link to nowhere, a file without read permission: recorded all the same
        digest = ""
    return Batch(input=item.input, period=item.period, version=item.version,
                 source_file=relative_to_landing(item.path, landing_dir), source_sha256=digest,
                 submitted_at=None, seen_at=seen_at)


def record_unaccepted(con, landing_dir: Path, found: LandingScan, months: set[str], inputs: set[str],
                      seen_at: datetime) -> list[tuple[str, dict[str, object]]]:
    """Record in raw.rejected_files the landing files this run does not take (see ``unaccepted_in_run``);
    each outcome with the input it belongs to ('landing' for a file outside every input folder)."""
    of_months, of_none = unaccepted_in_run(found, landing_dir, months, inputs)
    outcomes = []
    for item in of_months:
        outcomes.append((item.input, reject(con, _unaccepted_batch(landing_dir, item, seen_at), item.reason)))
    for item in of_none:
        batch = _unaccepted_batch(landing_dir, item, seen_at)
        ensure_raw_schema(con)
        known = con.execute(
            f"select count(*) from {RAW_SCHEMA}.rejected_files where source_file = ? and source_sha256 = ?",
            [batch.source_file, batch.source_sha256]).fetchall()[0][0]
        if not known:
            outcomes.append((item.input, reject(con, batch, item.reason)))
    return outcomes


def load_files(con, files: list[LandingFile], checked_files: Iterator[Checked], landing_dir: Path,
               inputs: set[str], seen_at: datetime, log: logging.Logger,
               found: LandingScan | None = None, months: set[str] | None = None,
               ) -> dict[str, list[dict[str, object]]]:
    """Load each read and checked file (or record its rejection), then record the landing files
    not taken (``found``: their names, sidecars, duplicates, months outside the programme); the
    outcome of every file, by input ('landing' for files outside every input folder)."""
    outcomes: dict[str, list[dict[str, object]]] = {name: [] for name in inputs}
    for landing_file, checked in zip(files, checked_files, strict=True):
        outcome = ingest_file(con, batch_for(landing_dir, landing_file, seen_at), checked, log)
        if outcome["status"] == "loaded" and landing_file.notes:
            outcome["notes"] = [*landing_file.notes, *outcome["notes"]]  # type: ignore[misc]
        outcomes[landing_file.input].append(outcome)
        if outcome["status"] == "rejected":
            log.warning(f"rejected {outcome['reason']}")
        else:
            log.info(f"loaded {outcome['file']}: {outcome['rows']} rows")
    if found is None:
        found = scan(landing_dir)
    if months is None:
        months = {f.month for f in files}
    for input_name, outcome in record_unaccepted(con, landing_dir, found, months, inputs, seen_at):
        outcomes.setdefault(input_name, []).append(outcome)
        log.warning(f"rejected {outcome['reason']}")
    for path in found.waiting:
        log.info(f"{relative_to_landing(path, landing_dir)}: still being written; taken once it stops changing")
    return outcomes
