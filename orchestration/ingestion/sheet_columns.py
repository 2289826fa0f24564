"""Worksheets as Arrow text columns, read in Rust without a Python object per cell.

python-calamine hands a sheet over as Python lists (a str, float or date per cell) that
``cells.column_to_text`` then turns into text: at 50,000 registry rows that is most of an
.xlsx read. fastexcel (the same calamine parser) builds Arrow string columns directly.
Its renderings of non-text cells differ from the raw layer's in a few known ways, so a
workbook takes this path only when the result is provably the same as the cell-by-cell
reader's (``readers``), and ``read_worksheets`` returns ``None`` otherwise:

- Date cells at midnight come as 'YYYY-MM-DD 00:00:00'; the raw layer keeps 'YYYY-MM-DD'.
  Rewritten here. A *text* cell reading exactly 'YYYY-MM-DD 00:00:00' becomes 'YYYY-MM-DD'
  too: the same date, the one place where the two readers' raw text differs.
- Booleans ('true'), times of day and durations (dates on Excel's day zero), date-times
  with fractions of a second, numbers below 1e-4 and fractions of more than 15 digits
  are rendered differently: a sheet holding any text of those shapes is left to the
  cell-by-cell reader, which knows the cell types.
- Merged cells come as the top-left value and nulls; ``sheet_marks`` lists them (from
  the sheet's XML, as calamine would) so that ``fill_merged_down`` can fill data cells the
  same way for both readers.
- Anything fastexcel cannot open falls back too, so every error message about a damaged
  workbook comes from one place.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import fastexcel
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.ingestion.cells import trimmed_text

# Text shapes that fastexcel renders differently from cells.cell_to_text (see above).
_RENDERED_DIFFERENTLY = "|".join([
    r"^(?:true|false)$",  # booleans: the raw layer writes TRUE/FALSE as Excel shows them
    r"^1899-12-3[01] ", r"^1900-0[12]-\d\d ",  # times of day and durations
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.",  # fractions of a second
    r"^-?0\.0000",  # below 1e-4: Python's 15 significant digits use an exponent
])
_FRACTION = r"^-?\d*\.\d+$"
_FRACTION_DIGITS = 16  # 15 significant digits and the point
_MIDNIGHT = r"^(\d{4}-\d\d-\d\d) 00:00:00$"
_MIDNIGHT_TIME = " 00:00:00"
_SUSPECT = f"{_RENDERED_DIFFERENTLY}|{_FRACTION}"
_CHUNK = 1 << 22
_MERGE_TAG = b"mergeCell"
_CARRY = 512  # longer than any <mergeCell …/> element cut by a chunk's end
_MERGE_REF = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*\bref=\"([A-Z$0-9:]+)\"")
_HIDDEN_TAG = b"hidden="
_HIDDEN_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*\bhidden=\"(?:1|true)\"[^>]*>")
_ROW_NUMBER = re.compile(rb"\br=\"(\d+)\"")
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

MergedRange = tuple[tuple[int, int], tuple[int, int]]


@dataclass
class Worksheet:
    """One worksheet as the readers take it: text columns from column A, its merged ranges, the
    rows hidden in Excel and the cells whose control characters were removed (0-based (row, column))."""

    columns: list[pa.Array]
    merges: list[MergedRange] = field(default_factory=list)
    hidden_rows: list[int] = field(default_factory=list)  # 1-based, as Excel numbers them
    controls: list[tuple[int, int]] = field(default_factory=list)


def read_worksheets(path: Path, names: list[str]) -> list[Worksheet] | None:
    """Each named worksheet (see ``Worksheet``), or None when the cell-by-cell reader must read
    this workbook (see above).

    Columns are the raw layer's text: trimmed, '' as null, dates as ISO dates.
    """
    try:
        reader = fastexcel.read_excel(str(path))
        sheets = [_sheet_columns(reader, name) for name in names]
        marks = sheet_marks(path)
    except Exception:  # damaged or unusual: the cell-by-cell reader says what is wrong
        return None
    if any(_rendered_differently(column) for columns in sheets for column in columns):
        return None
    worksheets = []
    for name, columns in zip(names, sheets, strict=True):
        merges, hidden = marks.get(name, ([], []))
        controls: list[tuple[int, int]] = []
        texts = []
        for index, column in enumerate(columns):
            found: list[int] = []
            texts.append(_raw_text(column, found))
            controls += [(row, index) for row in found]
        worksheets.append(Worksheet(texts, merges, hidden, sorted(controls)))
    return worksheets


def head_rows(columns: list[pa.Array], count: int) -> list[list[str | None]]:
    """The first ``count`` rows of text columns, as the header search reads them."""
    head = [column.slice(0, count).to_pylist() for column in columns]
    rows = min(count, len(columns[0])) if columns else 0
    return [[values[index] for values in head] for index in range(rows)]


def _sheet_columns(reader: fastexcel.ExcelReader, name: str) -> list[pa.Array]:
    # skip_rows=0: keep leading empty rows, so positions are the row numbers Excel shows
    sheet = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
    positions = [info.absolute_index for info in sheet.available_columns()]
    if not positions:
        return []
    batch = sheet.to_arrow()
    columns: list[pa.Array] = [pa.nulls(batch.num_rows, pa.string())] * (max(positions) + 1)
    for index, position in enumerate(positions):
        columns[position] = batch.column(index)
    return columns


def _rendered_differently(column: pa.Array) -> bool:
    """Whether any cell has one of the shapes above (the whole column in one regular-expression
    pass; the few cells it picks out are then told apart)."""
    if column.null_count == len(column):
        return False
    suspects = pc.filter(column, pc.match_substring_regex(column, _SUSPECT))
    if len(suspects) == 0:
        return False
    if pc.any(pc.match_substring_regex(suspects, _RENDERED_DIFFERENTLY)).as_py():
        return True
    # the other suspects are fractions: too long for Python's 15 significant digits?
    return bool(pc.any(pc.greater_equal(pc.utf8_length(suspects), _FRACTION_DIGITS + 1)).as_py())


def _raw_text(column: pa.Array, controls: list[int] | None = None) -> pa.Array:
    if column.null_count == len(column):
        return column
    # a midnight rendering ends with the time: a suffix test (the last bytes of each cell) finds
    # the columns that need the rewrite, far cheaper than searching every cell (docs/performance.md)
    if pc.any(pc.ends_with(column, _MIDNIGHT_TIME)).as_py():
        column = pc.replace_substring_regex(column, _MIDNIGHT, r"\1")
    return trimmed_text(column, controls)


def sheet_marks(path: Path) -> dict[str, tuple[list[MergedRange], list[int]]]:
    """Per worksheet name: its merged cell ranges, 0-based ((top, left), (bottom, right)), and
    the rows hidden in Excel (1-based), from the sheet's XML.

    The XML is read as a stream in one pass (the merge list follows the data); only a chunk
    that names a merge or a hidden row is searched with a regular expression.
    """
    with zipfile.ZipFile(path) as archive:
        marks = {}
        for name, entry in _sheet_files(archive).items():
            refs, hidden = _marks(archive, entry)
            marks[name] = ([_cell_range(ref.decode()) for ref in refs], hidden)
        return marks


def hidden_rows(path: Path) -> dict[str, list[int]]:
    """The rows hidden in Excel per worksheet name ({} for what is no .xlsx package)."""
    try:
        return {name: hidden for name, (_, hidden) in sheet_marks(path).items()}
    except Exception:  # an .xls, or damaged: hidden rows are only noted, never a reason to reject
        return {}


def fill_merged_down(columns: list[pa.Array], ranges: list[MergedRange], first_data: int,
                     ) -> tuple[list[pa.Array], int]:
    """Give every empty cell of a vertically merged data range the merged value, as Excel shows it.

    Operators merge e.g. the region over the rows of one client; only the top cell holds
    the value in the file. Merges across columns are left alone (the value belongs to
    one column), as are merges that start above the data. Returns the columns and the
    number of cells filled (reported in the notes).
    """
    by_column: dict[int, list[tuple[int, int]]] = {}
    for (top, left), (bottom, right) in ranges:
        if left == right and bottom > top >= first_data and left < len(columns):
            by_column.setdefault(left, []).append((top, bottom))
    filled = 0
    columns = list(columns)
    for index, spans in by_column.items():
        values = columns[index].to_pylist()
        for top, bottom in spans:
            for row in range(top + 1, min(bottom, len(values) - 1) + 1):
                if values[row] is None:
                    values[row] = values[top]
                    filled += 1
        columns[index] = pa.array(values, pa.string())
    return columns, filled


def _sheet_files(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet name → its part in the package (xl/workbook.xml and its relationships)."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in relations}
    files = {}
    for sheet in workbook.iter(f"{{{_MAIN_NS}}}sheet"):
        target = targets.get(sheet.get(f"{{{_REL_NS}}}id"), "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
        if part in archive.NameToInfo:
            files[sheet.get("name", "")] = part
    return files


def _marks(archive: zipfile.ZipFile, entry: str) -> tuple[list[bytes], list[int]]:
    refs: list[bytes] = []
    hidden: set[int] = set()
    carry = b""
    with archive.open(entry) as stream:
        while chunk := stream.read(_CHUNK):
            buffer = carry + chunk
            end = 0
            if _MERGE_TAG in buffer:
                for match in _MERGE_REF.finditer(buffer):
                    refs.append(match.group(1))
                    end = match.end()
            if _HIDDEN_TAG in buffer:
                for match in _HIDDEN_ROW.finditer(buffer):
                    number = _ROW_NUMBER.search(match.group(0))
                    if number:
                        hidden.add(int(number.group(1)))
                    end = max(end, match.end())
            carry = buffer[max(end, len(buffer) - _CARRY):]
    return refs, sorted(hidden)


def _cell_range(ref: str) -> MergedRange:
    first, _, last = ref.partition(":")
    top_left = _cell_position(first)
    return top_left, (_cell_position(last) if last else top_left)


def _cell_position(ref: str) -> tuple[int, int]:
    letters = ref.rstrip("0123456789").lstrip("$").replace("$", "")
    column = 0
    for letter in letters.upper():
        column = column * 26 + ord(letter) - ord("A") + 1
    return int(ref[len(ref.rstrip("0123456789")):]) - 1, column - 1
