"""CSV text built with Arrow kernels: the bytes Python's csv module writes, without a loop per row.

Why: ``csv.writer`` over a million rows of two dozen object columns is slow and costs a
Python list per column; here each block of rows becomes Arrow string arrays, quoted where
needed and joined into lines by C++ kernels, then encoded and written, many times faster
(docs/performance.md).

The output is what ``csv.writer(fh, delimiter=..., lineterminator="\\r\\n")`` (QUOTE_MINIMAL)
writes: a field is quoted when it holds the delimiter, a double quote, CR or LF, and a
double quote inside is doubled; empty strings and None are empty fields; integers are
printed as ``str`` prints them. ``tests/test_sample_data.py`` compares the two byte for byte.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.tools.sample_data.dates import format_days

# Rows encoded at a time. Small enough that Arrow's allocator (mimalloc) reuses the freed
# buffers of one block for the next (memory stays flat with no system calls; with much larger
# blocks it grows with every file: docs/performance.md), large enough to amortise the kernels.
BLOCK_ROWS = 25_000
LINE_END = "\r\n"


def header_line(titles: Sequence[str], delimiter: str) -> str:
    """The header through the csv module itself (one row, so quoting is exactly its own)."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=LINE_END).writerow(list(titles))
    return out.getvalue()


def day_texts(ordinals: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """'dd.mm.yyyy' per distinct day and each row's position in it (a column's dates, once)."""
    days, inverse = np.unique(np.asarray(ordinals, dtype=np.int64), return_inverse=True)
    return pa.array(format_days(days), pa.string()), inverse.astype(np.int32)


def text_array(values: np.ndarray) -> pa.Array:
    """One column as Arrow text: numbers as ``str`` prints them, None as an empty field."""
    values = np.asarray(values)
    if values.dtype.kind in "iu":
        return pc.cast(pa.array(values), pa.string())
    if values.dtype.kind == "O":
        try:
            return pa.array(values, pa.string()).fill_null("")
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            pass  # a non-text value among the strings: print every value as the csv module does
    return pa.array(["" if v is None else str(v) for v in values.tolist()], pa.string())


def quoted(column: pa.Array, delimiter: str) -> pa.Array:
    """Quote the values that need it; a byte scan skips the (usual) column that has none.

    A column that does need quotes but has few distinct values (OKED names hold ';') is
    quoted once per distinct value, not once per row.
    """
    special = delimiter + '"\r\n'
    data = column.buffers()[2]
    if data is None:
        return column
    raw = data.to_pybytes()  # one copy, then memchr-speed searches
    if not any(ch.encode("ascii") in raw for ch in special):
        return column
    encoded = pc.dictionary_encode(column)
    if len(encoded.dictionary) * 4 < len(column):
        return _quote_all(encoded.dictionary, special).take(encoded.indices)
    return _quote_all(column, special)


def _quote_all(column: pa.Array, special: str) -> pa.Array:
    need = pc.match_substring_regex(column, "[" + re.escape(special) + "]")
    wrapped = pc.binary_join_element_wise('"', pc.replace_substring(column, '"', '""'), '"', "")
    return pc.if_else(need, wrapped, column)


def lines_bytes(columns: Sequence[pa.Array], delimiter: str) -> memoryview:
    """The rows as UTF-8 bytes: fields joined by the delimiter, each line ended by CRLF."""
    joined = pc.binary_join_element_wise(*[quoted(c, delimiter) for c in columns], delimiter)
    lines = pc.binary_join_element_wise(joined, "", LINE_END)
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset : lines.offset + len(lines) + 1]
    data = lines.buffers()[2]
    if data is None:
        return memoryview(b"")
    return memoryview(data)[int(offsets[0]) : int(offsets[-1])]


def write_table(
    path: Path,
    titles: Sequence[str],
    columns: Sequence[np.ndarray],
    date_flags: Sequence[bool],
    *,
    encoding: str,
    delimiter: str = ";",
) -> None:
    """Header, then the columns block by block; cp1251 is encoded from the UTF-8 text per block."""
    n = len(columns[0]) if columns else 0
    utf8 = encoding.lower().replace("-", "").replace("_", "") == "utf8"
    dates = {i: day_texts(c) for i, (c, is_date) in enumerate(zip(columns, date_flags, strict=True)) if is_date}
    with path.open("wb") as fh:
        fh.write(header_line(titles, delimiter).encode(encoding))
        for lo in range(0, n, BLOCK_ROWS):
            block = [
                dates[i][0].take(pa.array(dates[i][1][lo : lo + BLOCK_ROWS]))
                if i in dates
                else text_array(c[lo : lo + BLOCK_ROWS])
                for i, c in enumerate(columns)
            ]
            data = lines_bytes(block, delimiter)
            fh.write(data if utf8 else bytes(data).decode("utf-8").encode(encoding))
    release_arrow_memory()


def release_arrow_memory() -> None:
    """Hand the buffers Arrow's allocator keeps for reuse back to the system (once per file:
    after every block it costs system time in proportion to the rows: docs/performance.md)."""
    pa.default_memory_pool().release_unused()
