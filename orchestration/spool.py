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


def spool(table: pa.Table, folder: Path) -> SpooledRows:
    """Write ``table`` to a new file in ``folder`` (created owner-only)."""
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    os.chmod(folder, FOLDER_MODE)
    fd, name = tempfile.mkstemp(prefix="rows-", suffix=".arrows", dir=folder)
    os.close(fd)
    with pa.OSFile(name, "wb") as sink, ipc.new_stream(sink, table.schema) as writer:
        for batch in table.to_batches(max_chunksize=BATCH_ROWS):
            writer.write_batch(batch)
    return SpooledRows(Path(name), table.num_rows)


def clear(folder: Path) -> None:
    """Remove what a killed run left behind."""
    shutil.rmtree(folder, ignore_errors=True)
