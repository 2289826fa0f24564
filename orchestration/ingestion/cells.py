"""Cell values to the text the raw layer keeps, the same way for every file format.

The raw layer stores what the operator delivered, as text. Only what belongs to the
file format (not to the value) is undone here, so that an .xlsx and a .csv of the same
registry land identically:
- Excel date cells become ISO 'YYYY-MM-DD' (with ' HH:MM:SS' only when a time is set);
- Excel numbers become their integer text when integral ('61211600012', never
  '61211600012.0'), otherwise at most 15 significant digits, as Excel itself shows them
  (so 0.1 + 0.2 stays '0.3' and no binary float noise reaches the warehouse);
- text is stripped of surrounding whitespace, non-breaking and zero-width spaces, BOMs;
- an empty result is ``None`` (null), never ''.
Typing and normalising values (dates written as text, genders, region spellings) is
dbt staging's job, where each change is visible and counted.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

import pyarrow as pa
import pyarrow.compute as pc

# Python's str.strip() and Arrow's utf8_trim take the same explicit set, so the xlsx
# path (Python) and the csv path (Arrow, vectorised) trim identically.
STRIP_CHARS = (
    " \t\n\r\v\f"
    "\u00a0"  # no-break space (Excel's favourite padding)
    "\u2007\u202f"  # figure space, narrow no-break space
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a"
    "\u200b\u200c\u200d\u2060"  # zero-width spaces and joiners
    "\u3000\u1680\u0085\u2028\u2029"
    "\ufeff"  # byte-order mark left inside a field
)


# Control characters (C0 but tab and line breaks, DEL, C1) are no text anyone typed: Excel writes
# them as '_x0000_' escapes that calamine decodes, and XML 1.0 (every .docx and .xlsx written
# later) cannot hold them. Removed here, on the way in, so nothing a file holds reaches a letter.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_PATTERN = CONTROL_CHARS.pattern


def clean_text(value: str) -> str | None:
    """Strip the characters above and remove control characters; '' becomes None."""
    stripped = value.strip(STRIP_CHARS)
    if stripped and CONTROL_CHARS.search(stripped):
        stripped = CONTROL_CHARS.sub("", stripped).strip(STRIP_CHARS)
    return stripped or None


def number_text(value: float) -> str:
    """Integral numbers as integers, others with Excel's 15 significant digits."""
    if math.isnan(value) or math.isinf(value):
        return repr(value)
    if value.is_integer():
        return str(int(value))
    return format(value, ".15g")  # may round to an integer text, e.g. 2.0000000000000004


def date_text(value: date | datetime) -> str:
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="microseconds" if value.microsecond else "seconds")
    return value.isoformat()


def cell_to_text(value: object) -> str | None:
    """One spreadsheet cell (as python-calamine returns it) to raw-layer text."""
    kind = type(value)
    if kind is str:
        return clean_text(value)  # type: ignore[arg-type]
    if value is None:
        return None
    if kind is bool:
        return "TRUE" if value else "FALSE"  # as Excel displays booleans
    if kind is float:
        return number_text(value)  # type: ignore[arg-type]
    if kind is int:
        return str(value)
    if isinstance(value, (date, datetime)):
        return date_text(value)
    if isinstance(value, time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, timedelta):  # an Excel duration cell, e.g. [h]:mm
        seconds = int(value.total_seconds())
        return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return clean_text(str(value))


def trimmed_text(column: pa.Array | pa.ChunkedArray,
                 controls: list[int] | None = None) -> pa.Array | pa.ChunkedArray:
    """Vectorised ``clean_text`` over a string column: strip STRIP_CHARS; what becomes '' is null.

    With ``controls``, the positions of the cells whose control characters were removed are
    added to it (so that the reader can name their rows and columns).
    """
    found = pc.match_substring_regex(column, CONTROL_PATTERN)
    if pc.any(found).as_py():
        if controls is not None:
            controls.extend(pc.indices_nonzero(pc.fill_null(found, False)).to_pylist())
        column = pc.replace_substring_regex(column, CONTROL_PATTERN, "")
    trimmed = pc.utf8_trim(column, characters=STRIP_CHARS)
    blank = pc.equal(pc.binary_length(trimmed), 0)
    if pc.any(blank).as_py():
        trimmed = pc.if_else(blank, pa.scalar(None, pa.string()), trimmed)
    return trimmed


def column_to_text(values: Sequence[object], controls: list[int] | None = None) -> pa.Array:
    """``cell_to_text`` over one column of cells (as python-calamine returns them), as Arrow text.

    A column of text cells only (the common case: names, codes, regions, and '' for empty
    cells) is trimmed by Arrow in one pass; any other column goes cell by cell, with the
    very same rules. ``controls``: as for ``trimmed_text``.
    """
    values = list(values)  # Arrow converts a list several times faster than a tuple
    if set(map(type, values)) <= {str}:
        try:
            found: list[int] = []
            text = trimmed_text(pa.array(values, pa.string()), found)
            if controls is not None:
                controls.extend(found)
            return text
        except (pa.ArrowException, UnicodeError):  # e.g. a lone surrogate: let Python decide
            pass
    if controls is not None:
        controls.extend(i for i, value in enumerate(values)
                        if isinstance(value, str) and CONTROL_CHARS.search(value))
    return pa.array(list(map(cell_to_text, values)), pa.string())


def column_letter(index: int) -> str:
    """0-based column index to Excel's letters: 0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters
