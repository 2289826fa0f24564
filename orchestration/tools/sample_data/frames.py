"""A minimal column table (a dict of NumPy arrays) for the registry rows.

Why not a DataFrame: pandas 3 stacks same-typed columns into one 2-D block and stores
inferred strings as Arrow arrays; with ~60 text columns and a million rows every build,
filter or row take then costs seconds. The generator only moves text around, so plain
NumPy ``object`` arrays in a dict are the fast choice. ``to_pandas()`` is there for
callers that want a frame.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import numpy as np
import pandas as pd


def _array(values: object, n: int | None) -> np.ndarray:
    if isinstance(values, str | int | bool | float | np.integer | np.bool_):
        if n is None:
            raise ValueError("a scalar column needs the table's length")
        return np.full(n, values, dtype=object if isinstance(values, str) else None)
    array = np.asarray(values)
    return array.astype(object) if array.dtype.kind in "US" else array


class Table:
    """Columns of equal length; ``table[name]`` is the NumPy array itself (mutable in place)."""

    def __init__(self, columns: Mapping[str, object], n: int | None = None) -> None:
        self.columns: dict[str, np.ndarray] = {}
        self._n = n
        seen: set[int] = set()
        for name, values in columns.items():
            # two columns given the same array (written value and its truth) must not alias:
            # a defect changes the written one in place
            self[name] = values.copy() if isinstance(values, np.ndarray) and id(values) in seen else values
            seen.add(id(self.columns[name]))
            seen.add(id(values))

    def __len__(self) -> int:
        return self._n or 0

    def __contains__(self, name: object) -> bool:
        return name in self.columns

    def __iter__(self) -> Iterator[str]:
        return iter(self.columns)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def __setitem__(self, name: str, values: object) -> None:
        array = _array(values, self._n)
        if self._n is None:
            self._n = len(array)
        elif len(array) != self._n:
            raise ValueError(f"column {name!r} has {len(array)} values, the table {self._n}")
        self.columns[name] = array

    def take(self, index: np.ndarray, columns: Sequence[str] | None = None) -> Table:
        """Rows by position or boolean mask, as a new table (only ``columns``, if given).

        Copying an object column touches every string it points to, so a caller that needs
        a few columns of a million-row table names them.
        """
        index = np.asarray(index)
        n = int(index.sum()) if index.dtype == bool else len(index)
        names = self.columns if columns is None else columns
        return Table({k: self.columns[k][index] for k in names}, n=n)

    def reorder(self, index: np.ndarray) -> None:
        """``take`` in place, column by column: the old and the new table never coexist whole."""
        index = np.asarray(index)
        for name in list(self.columns):
            self.columns[name] = self.columns[name][index]
        self._n = int(index.sum()) if index.dtype == bool else len(index)

    def to_pandas(self, columns: list[str] | None = None) -> pd.DataFrame:
        return object_frame({k: self.columns[k] for k in (columns or list(self.columns))})


def object_frame(columns: Mapping[str, object]) -> pd.DataFrame:
    """A DataFrame whose text columns stay NumPy ``object`` (not Arrow strings)."""
    arrays = {}
    n = None
    for name, values in columns.items():
        array = _array(values, n)
        n = len(array)
        arrays[name] = pd.Series(array, dtype=object, copy=False) if array.dtype == object else array
    return pd.DataFrame(arrays, index=pd.RangeIndex(n or 0))
