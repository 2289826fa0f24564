"""Ingestion: landing files → raw tables, one file = one batch, per reporting month.

One multi-asset loads the four inputs so that a month's ingestion is one step, and a
year's backfill is one run (single-run backfill policy). A file that fails its contract
is rejected whole and recorded in raw.rejected_files; the batch already loaded for that
month and version (if any) stays as it was.
"""


from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

import dagster as dg
import pyarrow as pa
from dagster_duckdb import DuckDBResource

from orchestration.cells import mask_personal
from orchestration.landing import (
    LandingError,
    LandingFile,
    discover,
    files_for_months,
    month_start,
    sha256_of,
)
from orchestration.partitions import monthly_partitions
from orchestration.processes import forked_workers
from orchestration.readers import InputFileError, ReadResult, read_input
from orchestration.reference import INPUTS
from orchestration.resources import WAREHOUSE_POOL, MonitoringSettings
from orchestration.settings import PROGRAMME_START, apply_duckdb_settings
from orchestration.spool import SpooledRows, SpoolWriter
from orchestration.spool import clear as clear_spool
from orchestration.warehouse import (
    RAW_SCHEMA,
    Batch,
    ensure_raw_schema,
    load_batch,
    record_rejection,
    relative_to_landing,
)
from schemas import partwise_check, validate

RAW_KEYS = {name: dg.AssetKey(["raw", f"{name}_rows"]) for name in INPUTS}
BATCHES_KEY = dg.AssetKey(["raw", "batches"])

INPUT_DESCRIPTIONS = {
    "registry": "Registry of services (Appendix 1), every monthly snapshot version (R1, clause 7).",
    "questionnaires": "Registry of online quality questionnaires (Appendix 2, clause 6).",
    "acts": "Acts of services rendered that confirm registry rows (clause 11).",
    "phone_survey": "Phone survey results (Appendix 4, clause 16); one file per quarter, "
    "loaded in the partition of the quarter's last month.",
}


# Files read and checked at once, each in its own process: reading an .xlsx is CPU-bound
# Python (and Rust under the GIL), so threads would not help. The warehouse writes stay in
# the asset's process, one file after the other, in the order of ``files_for_months``.
READ_WORKERS = 2
READ_AHEAD = READ_WORKERS  # files being read while one is loaded: bounds the memory held
# DuckDB settings for loading. One thread: the readers keep both cores busy, and a second
# loading thread only competed with them. A larger write-ahead log before DuckDB checkpoints
# (its default is 16 MB): a monthly file of 50,000 rows is a few MB of log, and at the default
# every few files rewrote and recompressed the table's last row group, the same rows again and
# again. Loading the 12 x 50k year's 42 files took 8.8-9.9 s of CPU that way, 4.7 s with one
# thread and the larger log (files of 122,880 rows or more bypass the log and are written at
# once anyway; 12 x 1M ingestion went from 138 to 108 s).
LOAD_SETTINGS = {"threads": "1", "checkpoint_threshold": "256MB"}

Checked = tuple[str, object]  # ("read", ReadResult) | ("rejected", message) | ("failed", error type name)


def _read_checked(path, input_name: str, source: str, spool_dir: Path | None = None) -> Checked:
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
            spooled = _CheckedSpool(input_name, source, spool_dir)
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


class _CheckedSpool:
    """A file's rows checked against its contract on their way into a spool file (a RowsSink)."""

    def __init__(self, input_name: str, source: str, folder: Path) -> None:
        self.contract = partwise_check(input_name, source)
        self.writer = SpoolWriter(folder)

    def write(self, rows: pa.Table) -> None:
        self.contract.add(rows)
        self.writer.write(rows)

    def close(self) -> SpooledRows:
        self.contract.finish()  # raises with every failure; _read_checked then discards
        return self.writer.close()

    def discard(self) -> None:
        self.contract.reset()
        self.writer.discard()


@contextmanager
def _checked_files(files: list[LandingFile], landing_dir: Path, spool_dir: Path) -> Iterator[Iterator[Checked]]:
    """``_read_checked`` for each file, in the order given; several files at once when there are several.

    At most READ_AHEAD files are read ahead of the one being loaded, so memory holds a few
    files' rows, never the year's. Workers are forked on entry, before the caller opens the
    warehouse: they start at once, with the readers and contracts already imported (the
    caller hashes each file while the workers read the next ones: 0.5 s for the 42 files of a
    12 x 50k year, which hashed up front kept the workers waiting).
    """
    if len(files) <= 1:
        yield (_read_checked(landing_file.path, landing_file.input, relative_to_landing(landing_file.path, landing_dir))
               for landing_file in files)
        return
    try:
        with forked_workers(min(READ_WORKERS, len(files))) as pool:
            pending: deque[Future[Checked]] = deque()
            queued = iter(files)

            def submit(count: int) -> None:
                for landing_file in islice(queued, count):
                    pending.append(pool.submit(_read_checked, landing_file.path, landing_file.input,
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


def _ingest_file(con, batch: Batch, checked: Checked, context: dg.AssetExecutionContext) -> dict[str, object]:
    """Load one read and checked landing file, or record why it was rejected.

    The outcome is what the UI shows for the file (asset metadata): how it was read and
    what was normalised, counted; never a cell value. A rejected file leaves its batch (if
    an earlier delivery was loaded) exactly as it was.
    """
    source = batch.source_file
    status, value = checked
    if status == "rejected":
        return _reject(con, batch, str(value))
    if status == "failed":
        context.log.error(f"{source}: unexpected {value} while reading; file rejected")
        return _reject(con, batch, f"{source}: the file could not be read (unexpected {value}); "
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


def _batch(landing_dir, landing_file: LandingFile, seen_at: datetime) -> Batch:
    return Batch(
        input=landing_file.input,
        period=landing_file.period,
        version=landing_file.version,
        source_file=relative_to_landing(landing_file.path, landing_dir),
        source_sha256=sha256_of(landing_file.path),
        submitted_at=landing_file.submitted_at,
        seen_at=seen_at,
    )


def _reject(con, batch: Batch, reason: str) -> dict[str, object]:
    reason = mask_personal(reason)  # readers and contracts never quote values; this makes sure
    record_rejection(con, batch, reason)
    return {"file": batch.source_file, "status": "rejected", "reason": reason}


def outside_programme(landing_file: LandingFile) -> str | None:
    """Why a landing file belongs to no reporting month, or None when it belongs to one.

    The partitions start at the programme's first month; a file for an earlier month (or a
    folder name that is no calendar month) would otherwise sit in landing unnoticed. Months
    after the last partition are not refused: they become partitions when they end.
    """
    month = landing_file.month
    try:
        month_start(month)
    except ValueError:
        return f"'{landing_file.period}' is not a calendar month"
    if month < PROGRAMME_START:
        return (f"month {month} is before the programme's first reporting month {PROGRAMME_START} "
                "(Business Roadmap 2020 monitoring starts in 2019)")
    return None


def _reject_outside_programme(con, landing_dir, inputs: set[str],
                              seen_at: datetime) -> list[dict[str, object]]:
    """Record (once per file content) the landing files that belong to no reporting month.

    No sensor launches them and no partition can select them, so the first ingestion run
    after they appear records them as rejected and fails its check: shown, never silent.
    """
    outcomes = []
    for landing_file in discover(landing_dir):
        why = outside_programme(landing_file) if landing_file.input in inputs else None
        if why is None:
            continue
        batch = _batch(landing_dir, landing_file, seen_at)
        ensure_raw_schema(con)
        known = con.execute(
            f"select count(*) from {RAW_SCHEMA}.rejected_files where source_file = ? and source_sha256 = ?",
            [batch.source_file, batch.source_sha256]).fetchall()[0][0]
        if known:
            continue
        outcomes.append(_reject(con, batch, f"{batch.source_file}: {why}; the file is not loaded — "
                                            "put it under the folder of the month it reports on"))
    return outcomes


@dg.multi_asset(
    specs=[
        dg.AssetSpec(key, description=INPUT_DESCRIPTIONS[name], group_name="raw", kinds={"duckdb"},
                     skippable=True)
        for name, key in RAW_KEYS.items()
    ]
    + [dg.AssetSpec(BATCHES_KEY, description="One row per loaded landing file; rejected files with reasons.",
                    group_name="raw", kinds={"duckdb"}, skippable=True)],
    check_specs=[dg.AssetCheckSpec("landing_files_accepted", asset=BATCHES_KEY,
                                   description="Every landing file of the month passed its contract, and no "
                                   "file sits in landing for a month outside the programme.")],
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    can_subset=True,
    pool=WAREHOUSE_POOL,
)
def landing_files(context: dg.AssetExecutionContext, monitoring: MonitoringSettings,
                  warehouse: DuckDBResource):
    """Load every landing file of the selected months into the raw layer."""
    settings = monitoring.get()
    months = set(context.partition_keys)
    inputs = {name for name, key in RAW_KEYS.items() if key in context.selected_asset_keys}
    seen_at = datetime.now(UTC)
    outcomes: dict[str, list[dict[str, object]]] = {name: [] for name in inputs}
    problems: list[str] = []
    try:  # before opening the warehouse: a failure must not leave a connection behind
        files = files_for_months(settings.landing_dir, months, inputs)
    except LandingError as exc:
        raise dg.Failure(description=mask_personal(str(exc))) from None
    clear_spool(settings.spool_dir)  # rows a killed run left in transit
    with (_checked_files(files, settings.landing_dir, settings.spool_dir) as checked_files,
          warehouse.get_connection() as con):
        apply_duckdb_settings(con, LOAD_SETTINGS)
        for landing_file, checked in zip(files, checked_files, strict=True):
            batch = _batch(settings.landing_dir, landing_file, seen_at)
            outcome = _ingest_file(con, batch, checked, context)
            outcomes[landing_file.input].append(outcome)
            if outcome["status"] == "rejected":
                problems.append(str(outcome["reason"]))
                context.log.warning(f"rejected {outcome['reason']}")
            else:
                context.log.info(f"loaded {outcome['file']}: {outcome['rows']} rows")
        for outcome in _reject_outside_programme(con, settings.landing_dir, inputs, seen_at):
            outcomes[str(outcome["file"]).split("/", 1)[0]].append(outcome)
            problems.append(str(outcome["reason"]))
            context.log.warning(f"rejected {outcome['reason']}")
    for name in sorted(inputs):
        loaded = [o for o in outcomes[name] if o["status"] == "loaded"]
        counts: dict[str, int] = {}
        for outcome in loaded:
            for key, value in dict(outcome["counts"]).items():  # type: ignore[call-overload]
                counts[key] = counts.get(key, 0) + value
        yield dg.MaterializeResult(
            asset_key=RAW_KEYS[name],
            metadata={
                "months": dg.MetadataValue.text(", ".join(sorted(months))),
                "files_loaded": len(loaded),
                "files_rejected": len(outcomes[name]) - len(loaded),
                "rows_loaded": sum(int(o["rows"]) for o in loaded),  # type: ignore[call-overload]
                "normalisations": dg.MetadataValue.json(counts),
                "files": dg.MetadataValue.json(outcomes[name]),
            },
        )
    if BATCHES_KEY in context.selected_asset_keys:
        yield dg.MaterializeResult(asset_key=BATCHES_KEY, metadata={"files_rejected": len(problems)})
        yield dg.AssetCheckResult(
            check_name="landing_files_accepted",
            asset_key=BATCHES_KEY,
            passed=not problems,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"rejections": dg.MetadataValue.json(problems)},
        )
