"""Rows handed from a reader process to the loading process through a file, not a pipe.

A worker that read a million-row file used to send the table back pickled: a serialised copy
in the worker, another in the asset's process, and the table itself held there while DuckDB
copied it in — gigabytes for one registry. Written as an Arrow IPC stream into an owner-only
folder beside the warehouse (the rows are raw personal data), the file is read back batch by
batch while DuckDB inserts them, and removed once loaded. A run killed in between leaves
files that the next ingestion removes before it starts (``clear``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc

FOLDER_MODE = 0o700
BATCH_ROWS = 64_000  # rows per record batch written: bounds what the loader holds at a time


@dataclass(frozen=True)
class SpooledRows:
    path: Path
    num_rows: int

    def open(self) -> pa.RecordBatchReader:
        return ipc.open_stream(pa.OSFile(str(self.path)))

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


class SpoolWriter:
    """Rows written batch by batch to a new file in ``folder`` (created owner-only).

    A reader streams a large file's rows here as it parses them, so it never holds the
    whole file; ``discard`` drops what was written (the file turned out unusable).
    """

    def __init__(self, folder: Path) -> None:
        folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        os.chmod(folder, FOLDER_MODE)
        fd, name = tempfile.mkstemp(prefix="rows-", suffix=".arrows", dir=folder)
        os.close(fd)
        self.path = Path(name)
        self.num_rows = 0
        self._sink: pa.OSFile | None = None
        self._writer: ipc.RecordBatchStreamWriter | None = None

    def write(self, rows: pa.RecordBatch | pa.Table) -> None:
        if self._writer is None:
            self._sink = pa.OSFile(str(self.path), "wb")
            self._writer = ipc.new_stream(self._sink, rows.schema)
        batches = rows.to_batches(max_chunksize=BATCH_ROWS) if isinstance(rows, pa.Table) else [rows]
        for batch in batches:
            self._writer.write_batch(batch)
        self.num_rows += rows.num_rows

    def close(self) -> SpooledRows:
        """The rows written; at least one table (perhaps empty) must have been, for its schema."""
        if self._writer is None:
            raise ValueError("nothing was written: the stream would have no schema")
        self._close()
        return SpooledRows(self.path, self.num_rows)

    def discard(self) -> None:
        self._close()
        self.path.unlink(missing_ok=True)
        self.num_rows = 0

    def _close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._sink is not None:
            self._sink.close()
            self._sink = None


def spool(table: pa.Table, folder: Path) -> SpooledRows:
    """Write ``table`` to a new file in ``folder`` (created owner-only)."""
    writer = SpoolWriter(folder)
    writer.write(table)
    return writer.close()


def clear(folder: Path) -> None:
    """Remove what a killed run left behind."""
    shutil.rmtree(folder, ignore_errors=True)
