"""Per-row text built with Arrow kernels, handed back as NumPy ``object`` arrays.

Why: names, e-mails, phones and identifiers are made for up to a million clients a month.
``object + object`` in NumPy and f-strings in a loop run Python per row and per operation;
Arrow's take / if_else / join run in C++, and the Python strings are made once at the end
(``objects``). Vocabulary columns use ``pick``, which shares one string object per option:
a million references to a few strings cost 8 bytes a row and convert to Arrow quickly,
while a NumPy unicode array turned into objects makes a new string per row.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

Text = pa.Array | pa.ChunkedArray | str


def arrow(options: Sequence[str] | np.ndarray) -> pa.Array:
    return pa.array(list(options) if not isinstance(options, np.ndarray) else options, pa.string())


def take(options: Sequence[str] | np.ndarray | pa.Array, index: np.ndarray) -> pa.Array:
    """``options[index]`` as Arrow text."""
    table = options if isinstance(options, pa.Array) else arrow(options)
    return table.take(pa.array(np.asarray(index, dtype=np.int64)))


def join(*parts: Text, sep: str | pa.Array = "") -> pa.Array:
    """Element-wise concatenation of arrays and scalars, ``sep`` between the parts."""
    return pc.binary_join_element_wise(*parts, sep)


def choose(mask: np.ndarray, if_true: Text, if_false: Text) -> pa.Array:
    return pc.if_else(pa.array(np.asarray(mask, dtype=bool)), if_true, if_false)


def objects(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Arrow text as a NumPy object array (one new Python string per row)."""
    return values.to_numpy(zero_copy_only=False).astype(object, copy=False)


def digits(numbers: np.ndarray, width: int) -> pa.Array:
    """Non-negative integers as zero-padded text of ``width`` digits."""
    return pc.utf8_lpad(pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()), width, "0")


def pick(options: Sequence[str] | np.ndarray, index: np.ndarray) -> np.ndarray:
    """``options[index]`` as an object array sharing one string object per option."""
    table = np.empty(len(options), dtype=object)
    table[:] = list(options)
    return table[np.asarray(index, dtype=np.intp)]


def where(mask: np.ndarray, if_true: str, if_false: str) -> np.ndarray:
    """``np.where`` for two strings, without a new string object per row (see ``pick``)."""
    return pick((if_false, if_true), np.asarray(mask, dtype=np.intp))
