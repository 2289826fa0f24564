"""Reading one landing file (an operator's .xlsx or .csv) into the raw layer's shape.

Pure code, no Dagster: ``read_input(path, input_name)`` returns every data row of the
file as text, keyed by the form's canonical column names, with the row number Excel
shows (``source_row``) and the columns the form does not define (``extra_columns``,
JSON), ready for ``warehouse.load_batch``. What the file looked like (sheet, encoding,
delimiter, header row, which title matched which column) comes back beside the rows, so
the ingestion can show it in the Dagster UI.

Anything that stops a file from being read faithfully raises ``InputFileError`` naming
the file, and the row and column where that applies — never a cell value that could be
personal data. Values are not judged here: a wrong IIN or an unknown region is a
row-level finding for dbt, not a reason to drop a file.
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import json
import re
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from zlib import error as zlib_error

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import python_calamine

from orchestration.ingestion.cells import (
    CONTROL_CHARS,
    STRIP_CHARS,
    cell_to_text,
    clean_text,
    column_letter,
    column_to_text,
    trimmed_text,
)
from orchestration.ingestion.headers import (
    KAZAKH_LETTERS,
    SCAN_ROWS,
    HeaderMatch,
    best_header_row,
    find_header,
    is_number_row,
    looks_kazakh,
    minimum_score,
)
from orchestration.ingestion.sheet_columns import (
    MergedRange,
    fill_merged_down,
    head_rows,
    hidden_rows,
    read_worksheets,
)
from orchestration.input_errors import InputFileError
from orchestration.reference import INPUTS, input_columns
from orchestration.settings import (
    MAX_SHEET_ROWS_ENV,
    MAX_WORKBOOK_BYTES_ENV,
    max_sheet_rows,
    max_workbook_bytes,
)

XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls"})  # calamine reads Excel 97-2003 .xls too
CSV_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
CSV_DELIMITERS = (";", ",", "\t", "|")
HEAD_BYTES = 1 << 20  # enough for the header and a few dozen rows of any real registry
# Arrow's streaming CSV reader parses dozens of blocks ahead of the consumer: small blocks keep
# that memory small (larger blocks held many times more: docs/performance.md). Blocks are
# processed and spooled in parts.
CSV_BLOCK_BYTES = 1 << 20
CSV_PART_BYTES = 32 << 20
MAX_ROWS_LISTED = 10  # row numbers spelt out in a note; the rest are counted

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


@dataclass
class ReadResult:
    # canonical columns (string) + source_row (int32) + extra_columns (JSON string), or what
    # the RowsSink given to read_input returned for them (spool.SpooledRows: a file)
    rows: pa.Table | object
    file_rows: int  # data rows read (empty rows are not data)
    header_row: int  # 1-based, as Excel shows it
    sheet_name: str | None
    encoding: str | None
    delimiter: str | None
    column_map: dict[str, str]  # canonical column name → header text found in the file
    extra_columns: list[str]
    notes: list[str] = field(default_factory=list)
    # What was normalised or skipped, counted (shown in the Dagster UI): rows_above_header,
    # number_row, titles_matched_fuzzily, empty_rows, merged_cells_filled, short_rows_padded,
    # extra_columns, untitled_columns, hidden_rows (loaded, named in a note), total_rows (left
    # out), control_characters_removed (cells). Only the ones that happened are present.
    counts: dict[str, int] = field(default_factory=dict)


class RowsSink(Protocol):
    """Where the rows go when the caller does not want them held in memory (spool.SpoolWriter)."""

    def write(self, rows: pa.Table) -> None: ...

    def close(self) -> object: ...

    def discard(self) -> None: ...


def read_input(path: Path, input_name: str, rows_to: RowsSink | None = None) -> ReadResult:
    """Read one landing file of ``input_name`` ('registry', 'questionnaires', …).

    With ``rows_to`` the rows are written there and ``ReadResult.rows`` is what its
    ``close()`` returns; a CSV file streams there block by block as it is parsed, so
    its rows are never all in memory at once (a million-row registry held gigabytes:
    docs/performance.md). When this raises, the caller discards ``rows_to``.
    """
    result = _read_input(Path(path), input_name, rows_to)
    if rows_to is not None and isinstance(result.rows, pa.Table):
        rows_to.write(result.rows)
        result.rows = rows_to.close()
    return result


def _read_input(path: Path, input_name: str, rows_to: RowsSink | None) -> ReadResult:
    if input_name not in INPUTS:
        raise ValueError(f"unknown input {input_name!r}; expected one of {INPUTS}")
    if not path.is_file():
        raise InputFileError(path, "file not found")
    if path.stat().st_size == 0:
        raise InputFileError(path, "the file is empty (0 bytes)")
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return _read_xlsx(path, input_name)
    if suffix in CSV_SUFFIXES:
        return _read_csv(path, input_name, rows_to)
    raise InputFileError(path, f"unsupported file type {suffix!r}: deliver .xlsx or .csv")


# --------------------------------------------------------------------------- header


def _accept_header(path: Path, input_name: str, rows: Sequence[Sequence[str | None]],
                   row_offset: int = 0) -> HeaderMatch:
    """The header row of ``rows``, or the reason the file is rejected.

    ``row_offset`` turns indexes into the 1-based row numbers shown to the operator.
    """
    specs = input_columns(input_name)
    match = find_header(rows, input_name)
    if match is None:
        kazakh = looks_kazakh(rows)
        if kazakh is not None:
            raise InputFileError(
                path, "the header appears to be in Kazakh; the form's columns are recognised by their "
                "Russian titles (Appendix 1 of the methodology): deliver the file with the Russian header",
                row=kazakh + row_offset + 1)
        best = best_header_row(rows, input_name)
        found = f"the best, row {best.row_index + row_offset + 1}, matches {best.score}" if best else "none"
        raise InputFileError(
            path, f"no header row found: none of the first {SCAN_ROWS} rows carries at least "
            f"{minimum_score(input_name)} of the form's {len(specs)} column titles ({found})")
    header_row = match.row_index + row_offset + 1
    if match.duplicates:
        by_name = {spec.name: spec.title_ru for spec in specs}
        listed = "; ".join(f"«{by_name[name]}» in columns {_and_list([column_letter(i) for i in indexes])}"
                           for name, indexes in match.duplicates.items())
        raise InputFileError(path, f"duplicated header columns: {listed}", row=header_row,
                             column=by_name[next(iter(match.duplicates))] if len(match.duplicates) == 1
                             else None)
    missing = match.missing(specs)
    if missing:
        titles = ", ".join(f"«{spec.title_ru}»" for spec in missing)
        hint = ""
        if any(KAZAKH_LETTERS & set(cell.lower()) for cell in match.extra.values()):
            hint = " (some header cells appear to be in Kazakh; the titles are recognised in Russian)"
        raise InputFileError(
            path, f"required column{'s' if len(missing) > 1 else ''} missing from the header: {titles}{hint}",
            row=header_row, column=missing[0].title_ru if len(missing) == 1 else None)
    return match


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _header_notes(match: HeaderMatch, input_name: str, header_row: int) -> list[str]:
    by_name = {spec.name: spec.title_ru for spec in input_columns(input_name)}
    notes = []
    if match.row_index:
        notes.append(f"header found on row {header_row}; {match.row_index} row(s) above it skipped as titles")
    for name, distance in match.fuzzy.items():
        notes.append(f"column «{match.titles[name]}» read as «{by_name[name]}» ({distance} edit(s) apart)")
    for index, resembles in match.near_duplicates.items():
        notes.append(f"column {column_letter(index)} «{match.extra[index]}» resembles "
                     f"«{by_name[resembles]}», which is present; kept as an extra column")
    return notes


def _extra_keys(match: HeaderMatch) -> dict[int, str]:
    """JSON keys for the extra columns: the title, made unique by the column letter if repeated."""
    seen: dict[str, int] = {}
    for title in match.extra.values():
        seen[title] = seen.get(title, 0) + 1
    return {index: (f"{title} [{column_letter(index)}]" if seen[title] > 1 else title)
            for index, title in match.extra.items()}


def _untitled_key(index: int) -> str:
    return f"(column {column_letter(index)})"


# --------------------------------------------------------------------------- row assembly


class _TableBuilder:
    """Collects data rows (already text) into the raw layer's Arrow table.

    Used for every .xlsx and for the rare .csv that needs the exact Python parser.
    Fully empty rows are not data and are only counted; values in columns without a
    title are kept under '(column X)' so that nothing in the file is lost.
    """

    def __init__(self, input_name: str, match: HeaderMatch) -> None:
        self.specs = input_columns(input_name)
        self.positions = [match.columns.get(spec.name) for spec in self.specs]
        self.values: list[list[str | None]] = [[] for _ in self.specs]
        self.extra = _extra_keys(match)
        self.known = set(match.columns.values()) | set(self.extra)
        self.source_rows: list[int] = []
        self.extras: list[str | None] = []
        self.untitled: set[str] = set()
        self.empty_rows = 0
        self.total_rows: list[int] = []

    def add(self, source_row: int, cells: Sequence[str | None]) -> None:
        if not any(cells):
            self.empty_rows += 1
            return
        if is_total_row(cells):
            self.total_rows.append(source_row)
            return
        width = len(cells)
        for values, position in zip(self.values, self.positions, strict=True):
            values.append(cells[position] if position is not None and position < width else None)
        extra = {key: cells[i] for i, key in self.extra.items() if i < width and cells[i] is not None}
        for index, value in enumerate(cells):
            if value is not None and index not in self.known:
                key = _untitled_key(index)
                extra[key] = value
                self.untitled.add(key)
        self.extras.append(json.dumps(extra, ensure_ascii=False) if extra else None)
        self.source_rows.append(source_row)

    def finish(self) -> pa.Table:
        columns = {spec.name: pa.array(values, pa.string()) for spec, values in zip(self.specs, self.values,
                                                                                   strict=True)}
        columns["source_row"] = pa.array(self.source_rows, pa.int32())
        columns["extra_columns"] = pa.array(self.extras, pa.string())
        return pa.table(columns)


# --------------------------------------------------------------------------- xlsx


def _open_workbook(path: Path) -> python_calamine.CalamineWorkbook:
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(_OLE_MAGIC):
        content = path.read_bytes()
        if _ENCRYPTED_PACKAGE in content:
            raise InputFileError(path, "the workbook is password-protected (encrypted); deliver it without a "
                                       "password")
        if path.suffix.lower() != ".xls":
            raise InputFileError(path, "this is a legacy Excel 97-2003 (.xls) workbook named .xlsx; "
                                       "save it as .xlsx")
    elif path.suffix.lower() == ".xls" and head.startswith(_ZIP_MAGIC):
        pass  # an .xlsx named .xls: calamine reads it by its content
    elif not head.startswith(_ZIP_MAGIC):
        raise InputFileError(path, f"not an Excel workbook although named {path.suffix}: the file is "
                                   f"{_describe_text(path)}")
    if head.startswith(_ZIP_MAGIC):
        check_workbook_size(path)
    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        raise InputFileError(path, "the workbook is password-protected; deliver it without a "
                                   "password") from None
    except Exception as exc:  # ZipError, XmlError, CalamineError, …: the workbook is damaged
        # ``from None``: a parser's message may quote cell text, and tracebacks reach the UI.
        raise InputFileError(path, f"the workbook is damaged and cannot be opened ({type(exc).__name__}); "
                                   "re-export it from the source system") from None


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*\bref=\"[A-Z$]*\d*:?[A-Z$]*(\d+)\"")
_DIMENSION_HEAD = 4096  # the <dimension> element comes before the sheet's data


def check_workbook_size(path: Path) -> None:
    """Refuse, before reading it, a workbook whose parts unpack to more than the setting or whose
    sheet declares more rows than the setting (``settings.max_workbook_bytes``, ``max_sheet_rows``):
    reading holds every cell, so these bound the memory a read takes, whatever the file says."""
    limit_bytes, limit_rows = max_workbook_bytes(), max_sheet_rows()
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            unpacked = sum(member.file_size for member in members)
            if unpacked > limit_bytes:
                raise InputFileError(path, f"the workbook unpacks to {unpacked:,} bytes, more than the "
                                           f"{limit_bytes:,} allowed (setting {MAX_WORKBOOK_BYTES_ENV}); it "
                                           "was not read: split it or delete unused sheets and formatting")
            for member in members:
                name = member.filename.lower()
                if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                    continue
                with archive.open(member) as fh:
                    found = _DIMENSION.search(fh.read(_DIMENSION_HEAD))
                if found and int(found.group(1)) > limit_rows:
                    raise InputFileError(path, f"a sheet of the workbook spans {int(found.group(1)):,} rows, "
                                               f"more than the {limit_rows:,} allowed (setting "
                                               f"{MAX_SHEET_ROWS_ENV}); it was not read: delete the empty or "
                                               "unused rows below the data", row=int(found.group(1)))
    except (zipfile.BadZipFile, OSError, EOFError, zlib_error):
        return  # damaged: opening it says so, with the usual message


def _describe_text(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(2048)
    lowered = head.lstrip(codecs.BOM_UTF8).lstrip().lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<table")):
        return "an HTML page (web systems often export 'Excel' this way); save it as .xlsx"
    if lowered.startswith(b"<?xml"):
        return "an XML document (perhaps Excel 2003 XML); save it as .xlsx"
    if b"\x00" not in head:
        return "plain text (perhaps a CSV); deliver it as .csv or save it as .xlsx"
    return "of an unknown binary format"


@dataclass
class _SheetCandidate:
    name: str
    visible: bool
    head: list[list[str | None]]
    match: HeaderMatch | None = None
    # Read cell by cell (python-calamine) or, when that gives the same text, whole as
    # Arrow text columns from column A (sheet_columns); exactly one of the two is set.
    sheet: python_calamine.CalamineSheet | None = None
    columns: list[pa.Array] | None = None
    merges: list[MergedRange] = field(default_factory=list)
    hidden_rows: list[int] = field(default_factory=list)  # 1-based
    controls: list[tuple[int, int]] = field(default_factory=list)  # 0-based (row, column)


def _worksheets(workbook: python_calamine.CalamineWorkbook) -> list[tuple[str, bool]]:
    """Name and visibility of each worksheet (chart sheets hold no data)."""
    return [(meta.name, meta.visible == python_calamine.SheetVisibleEnum.Visible)
            for meta in workbook.sheets_metadata if meta.typ == python_calamine.SheetTypeEnum.WorkSheet]


def _sheet_candidates(path: Path, workbook: python_calamine.CalamineWorkbook) -> list[_SheetCandidate]:
    worksheets = _worksheets(workbook)
    whole = read_worksheets(path, [name for name, _ in worksheets])
    if whole is not None:
        return [_SheetCandidate(name, visible, head_rows(sheet.columns, SCAN_ROWS), columns=sheet.columns,
                                merges=sheet.merges, hidden_rows=sheet.hidden_rows, controls=sheet.controls)
                for (name, visible), sheet in zip(worksheets, whole, strict=True)]
    candidates = []
    for name, visible in worksheets:
        try:
            sheet = workbook.get_sheet_by_name(name)
            raw_head = sheet.to_python(skip_empty_area=False, nrows=SCAN_ROWS)
        except Exception as exc:
            raise InputFileError(path, f"sheet '{name}' cannot be read ({type(exc).__name__})") from None
        head = [[cell_to_text(value) for value in row] for row in raw_head]
        candidates.append(_SheetCandidate(name, visible, head, sheet=sheet))
    return candidates


def _choose_sheet(path: Path, input_name: str,
                  candidates: list[_SheetCandidate]) -> tuple[_SheetCandidate, str]:
    """The sheet holding the form's header, and a note saying why it was chosen.

    Several sheets that each hold a complete header are refused rather than guessed
    between: the operator may have split the month over sheets, or left an old copy.
    """
    specs = input_columns(input_name)
    if not any(any(any(row) for row in c.head) for c in candidates):
        raise InputFileError(path, "the workbook is empty: no sheet has any data")
    complete, partial = [], []
    for candidate in candidates:
        candidate.match = find_header(candidate.head, input_name)
        if candidate.match is None:
            continue
        flawed = candidate.match.missing(specs) or candidate.match.duplicates
        (partial if flawed else complete).append(candidate)
    visible = [c for c in complete if c.visible]
    chosen_from = visible or complete
    if len(chosen_from) > 1:
        names = ", ".join(f"'{c.name}'" for c in chosen_from)
        raise InputFileError(path, f"several sheets carry the form's header ({names}); deliver one sheet per "
                                   "file or delete the copies")
    if chosen_from:
        chosen = chosen_from[0]
    elif partial:
        chosen = max(partial, key=lambda c: c.match.score if c.match else 0)
    else:  # no header anywhere: report on a sheet in Kazakh if there is one, else the fullest
        chosen = max(candidates, key=lambda c: (looks_kazakh(c.head) is not None,
                                                 sum(1 for row in c.head if any(row))))
    others = [c for c in candidates if c is not chosen]
    if not others:
        return chosen, f"sheet '{chosen.name}' read (the only sheet)"
    reasons = []
    for other in others:
        if not any(any(row) for row in other.head):
            reasons.append(f"'{other.name}' (empty)")
        elif other in complete:
            reasons.append(f"'{other.name}' (hidden copy of the header)")
        else:
            reasons.append(f"'{other.name}' (no header of the form)")
    return chosen, (f"sheet '{chosen.name}' chosen because it holds the form's header; "
                    f"sheets ignored: {', '.join(reasons)}")


def _calamine_merges(sheet: python_calamine.CalamineSheet) -> list[MergedRange]:
    try:
        return list(sheet.merged_cell_ranges or [])
    except Exception:  # not every format exposes merges
        return []


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a sheet is read.

    A sheet is a million small objects (a list per row, a value per cell) and none is in a
    reference cycle; the full collections their allocation triggers cost a good share of
    the read and free nothing. Collection resumes (if it was on) when the read ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_xlsx(path: Path, input_name: str) -> ReadResult:
    with _gc_paused():
        return _read_xlsx_sheet(path, input_name)


def _read_xlsx_sheet(path: Path, input_name: str) -> ReadResult:
    workbook = _open_workbook(path)
    try:
        candidates = _sheet_candidates(path, workbook)
        chosen, sheet_note = _choose_sheet(path, input_name, candidates)
        try:
            match = _accept_header(path, input_name, chosen.head)
        except InputFileError as exc:
            if len(candidates) == 1:
                raise
            raise InputFileError(path, f"sheet '{chosen.name}': {exc.message}", exc.row, exc.column) from None
        header_row = match.row_index + 1
        notes = [sheet_note, *_header_notes(match, input_name, header_row)]
        first_data = _first_data_index(chosen.head, match.row_index, notes)
        counts = _header_counts(match, first_data)
        if chosen.columns is not None:
            columns, merges, hidden, controls = chosen.columns, chosen.merges, chosen.hidden_rows, chosen.controls
        else:
            controls = []
            columns, merges = _cell_by_cell_columns(path, chosen, controls), _calamine_merges(chosen.sheet)
            hidden = hidden_rows(path).get(chosen.name, [])
    finally:
        workbook.close()
    columns, filled = fill_merged_down(columns, merges, first_data)
    if filled:
        notes.append(f"{filled} cell(s) of vertically merged data cells filled with the merged value")
        counts["merged_cells_filled"] = filled
    body = [column.slice(first_data) for column in columns]
    del columns
    table, extra_keys, body_notes = _xlsx_body(body, first_data + 1, input_name, match, counts)
    loaded = set(table.column("source_row").to_pylist()) if hidden else set()
    body_notes += _hidden_note([row for row in hidden if row in loaded], counts)
    body_notes += _control_note([(row + 1, column) for row, column in controls if row >= first_data],
                                input_name, match, counts)
    return _assemble(table, table.num_rows, match, header_row, notes + body_notes, extra_keys,
                     sheet_name=chosen.name, encoding=None, delimiter=None, counts=counts)


def _listed(rows: list[int]) -> str:
    """Row numbers spelt out, at most MAX_ROWS_LISTED of them, the rest counted."""
    listed = ", ".join(str(row) for row in rows[:MAX_ROWS_LISTED])
    return listed + (f" and {len(rows) - MAX_ROWS_LISTED} more" if len(rows) > MAX_ROWS_LISTED else "")


def _hidden_note(rows: list[int], counts: dict[str, int]) -> list[str]:
    """Data rows hidden in Excel: loaded like the others (nothing delivered is dropped), but the
    operator may not have seen them when checking the file, so they are named."""
    if not rows:
        return []
    counts["hidden_rows"] = len(rows)
    return [f"{len(rows)} data row(s) are hidden in the workbook and were loaded like the others "
            f"(check that they belong to the registry): rows {_listed(rows)}"]


def _control_note(cells: list[tuple[int, int]], input_name: str, match: HeaderMatch,
                  counts: dict[str, int]) -> list[str]:
    """Cells whose control characters (invisible, never typed) were removed, by row and column
    (the form's title, or the letter of a column the form does not define); never the value."""
    if not cells:
        return []
    titles = {index: spec.title_ru for spec in input_columns(input_name)
              if (index := match.columns.get(spec.name)) is not None}
    cells = sorted(set(cells))
    places = [f"row {row} column «{titles[column]}»" if column in titles else f"row {row} column "
              f"{column_letter(column)}" for row, column in cells[:MAX_ROWS_LISTED]]
    more = f" and {len(cells) - MAX_ROWS_LISTED} more" if len(cells) > MAX_ROWS_LISTED else ""
    counts["control_characters_removed"] = len(cells)
    return [f"control characters (invisible, not typed) removed from {len(cells)} cell(s): "
            f"{'; '.join(places)}{more}"]


def _cell_by_cell_columns(path: Path, chosen: _SheetCandidate,
                          controls: list[tuple[int, int]]) -> list[pa.Array]:
    """The whole sheet read by python-calamine, as text columns from column A; the cells whose
    control characters were removed added to ``controls`` (0-based (row, column))."""
    assert chosen.sheet is not None
    try:
        rows = chosen.sheet.to_python(skip_empty_area=False)
    except Exception as exc:
        raise InputFileError(path, f"sheet '{chosen.name}' cannot be read ({type(exc).__name__})") \
            from None
    width = max(map(len, rows), default=0)
    if any(len(row) != width for row in rows):  # calamine's rows are rectangular; be sure
        rows = [list(row) + [""] * (width - len(row)) for row in rows]
    columns = []
    for index, values in enumerate(zip(*rows, strict=True) if width else []):
        found: list[int] = []
        columns.append(column_to_text(values, found))
        controls += [(row, index) for row in found]
    return columns


def _xlsx_body(body: list[pa.Array], first_row: int, input_name: str, match: HeaderMatch,
               counts: dict[str, int]) -> tuple[pa.Table, list[str], list[str]]:
    """The data rows of a sheet (text columns from column A) as the raw table.

    The same result as ``_TableBuilder`` fed row by row (row numbers as Excel shows them,
    fully empty rows counted and dropped, untitled values kept as '(column X)', extras as
    JSON), built column by column.
    """
    body, numbers, empty = _numbered_rows(body, first_row)
    body, numbers, totals = _without_totals(body, numbers)
    with_values = {i for i, array in enumerate(body) if array.null_count < len(array)}
    extra_keys, notes = _body_notes(with_values, empty, match, counts, totals)
    return _raw_rows(body, numbers, input_name, match), extra_keys, notes


# A total line below the data, as people add one: its first filled cell says «Итого» or «Всего»
# ("Итого:", "ВСЕГО по области") and every other filled cell holds a number (or a dash).
_TOTAL_PREFILTER = "(?i)^(итого|всего)"
_TOTAL_LABEL = re.compile(r"(итого|всего)(?![а-яёa-z])", re.IGNORECASE)
_TOTAL_FIGURE = re.compile(r"[-+]?\d[\d \u00a0\u202f]*(?:[.,]\d+)?\s*%?|[-–—]")


def is_total_row(cells: Sequence[str | None]) -> bool:
    """Whether a row (cleaned text cells) is a total line rather than a service."""
    filled = [cell for cell in cells if cell]
    return bool(filled) and _TOTAL_LABEL.match(filled[0]) is not None and all(
        _TOTAL_FIGURE.fullmatch(cell) for cell in filled[1:])


def _without_totals(body: list[pa.Array], numbers: pa.Array) -> tuple[list[pa.Array], pa.Array, list[int]]:
    """The rows but the total lines (``is_total_row``), and the row numbers of those left out.

    One vectorised pass finds the rows whose first filled cell starts with either word; only
    those few are looked at cell by cell.
    """
    if not body or len(numbers) == 0:
        return body, numbers, []
    first = pc.coalesce(*body) if len(body) > 1 else body[0]
    candidates = pc.fill_null(pc.match_substring_regex(first, _TOTAL_PREFILTER), False)
    if not pc.any(candidates).as_py():
        return body, numbers, []
    totals = [index for index in pc.indices_nonzero(candidates).to_pylist()
              if is_total_row([column[index].as_py() for column in body])]
    if not totals:
        return body, numbers, []
    keep = np.ones(len(numbers), dtype=bool)
    keep[totals] = False
    mask = pa.array(keep)
    left_out = [numbers[index].as_py() for index in totals]
    return [pc.filter(column, mask) for column in body], pc.filter(numbers, mask), left_out


def _numbered_rows(body: list[pa.Array], first_row: int) -> tuple[list[pa.Array], pa.Array, int]:
    """Text columns numbered from ``first_row`` (as Excel shows the rows), fully empty rows
    dropped: the columns and numbers kept, and how many rows were empty."""
    count = len(body[0]) if body else 0
    numbers = pa.array(np.arange(first_row, first_row + count, dtype=np.int32))
    filled = pa.array(np.zeros(count, dtype=bool))
    for array in body:
        filled = pc.or_(filled, array.is_valid())
    kept = pc.sum(filled).as_py() or 0
    if kept < count:
        body = [pc.filter(array, filled) for array in body]
        numbers = pc.filter(numbers, filled)
    return body, numbers, count - kept


def _header_counts(match: HeaderMatch, first_data: int) -> dict[str, int]:
    """Counts of what header detection skipped or matched loosely (see ReadResult.counts)."""
    counts = {"rows_above_header": match.row_index, "titles_matched_fuzzily": len(match.fuzzy),
              "number_row": int(first_data > match.row_index + 1)}
    return {key: value for key, value in counts.items() if value}


def _first_data_index(head: Sequence[Sequence[str | None]], header_index: int, notes: list[str]) -> int:
    """Index of the first row after the header, past a row of column numbers if there is one."""
    for index in range(header_index + 1, min(len(head), header_index + 3)):
        if not any(head[index]):
            continue
        if is_number_row(head[index]):
            notes.append(f"row {index + 1} holds the column numbers (1, 2, 3 …) and is skipped")
            return index + 1
        break
    return header_index + 1


def _builder_output(builder: _TableBuilder, match: HeaderMatch,
                    counts: dict[str, int]) -> tuple[pa.Table, list[str], list[str]]:
    """The table, the extra column keys and the notes of a row-by-row read (counts updated)."""
    notes = []
    if builder.empty_rows:
        notes.append(f"{builder.empty_rows} empty row(s) skipped")
        counts["empty_rows"] = builder.empty_rows
    notes += _totals_note(builder.total_rows, counts)
    untitled = sorted(builder.untitled)
    if untitled:
        notes.append(f"values found under columns without a title, kept as {', '.join(untitled)}")
        counts["untitled_columns"] = len(untitled)
    return builder.finish(), list(_extra_keys(match).values()) + untitled, notes


def _assemble(rows: pa.Table | object, file_rows: int, match: HeaderMatch, header_row: int, notes: list[str],
              extra_keys: list[str], *, sheet_name: str | None, encoding: str | None,
              delimiter: str | None, counts: dict[str, int]) -> ReadResult:
    if extra_keys:
        notes.append(f"extra columns kept in extra_columns: {', '.join(f'«{k}»' for k in extra_keys)}")
        counts["extra_columns"] = len(extra_keys)
    if file_rows == 0:
        notes.append("the file has a header but no data rows")
    return ReadResult(
        rows=rows, file_rows=file_rows, header_row=header_row, sheet_name=sheet_name,
        encoding=encoding, delimiter=delimiter, column_map=dict(match.titles),
        extra_columns=extra_keys, notes=notes, counts=counts)


# --------------------------------------------------------------------------- csv


@dataclass(frozen=True)
class _Encoding:
    codec: str  # for Python and for Arrow's transcoding
    bom: int  # bytes of byte-order mark before the text
    label: str  # what ReadResult.encoding reports


def _detect_encoding(path: Path, head: bytes) -> _Encoding:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else cp1251 (Windows Cyrillic).

    The head is decoded as UTF-8 first: Cyrillic in cp1251 is practically never valid
    UTF-8, so a head that decodes is UTF-8.
    """
    if head.startswith(codecs.BOM_UTF8):
        return _Encoding("utf-8", 3, "utf-8-sig")
    if head.startswith(codecs.BOM_UTF16_LE):
        return _Encoding("utf-16-le", 2, "utf-16")
    if head.startswith(codecs.BOM_UTF16_BE):
        return _Encoding("utf-16-be", 2, "utf-16")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return _Encoding("utf-8", 0, "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("cp1251")().decode(head, final=False)
    except UnicodeDecodeError:
        raise InputFileError(path, "the text is neither UTF-8 nor cp1251 (Windows Cyrillic); save the file "
                                   "as UTF-8") from None
    return _Encoding("cp1251", 0, "cp1251")


def _head_records(text: str, delimiter: str, complete: bool) -> list[tuple[list[str], int]]:
    """The first records of the text, each with the number of characters up to its end.

    Python's csv module is fed line by line so that the end of every record (which may
    span several lines: quoted line breaks, as in the form's hyphenated titles) is known
    exactly; the body is then read from that point by Arrow.
    """
    consumed = 0

    def lines() -> Iterator[str]:
        nonlocal consumed
        for line in io.StringIO(text, newline=""):
            consumed += len(line)
            yield line

    records = []
    try:
        for fields in csv.reader(lines(), delimiter=delimiter, quotechar='"', doublequote=True, strict=False):
            records.append((fields, consumed))
            if len(records) > SCAN_ROWS + 3:
                break
    except csv.Error:  # e.g. a field over the csv module's limit: the body's reader names its row
        pass
    if not complete and records and records[-1][1] >= len(text):
        records.pop()  # may be cut in the middle
    return records


@dataclass
class _CsvLayout:
    delimiter: str
    records: list[tuple[list[str], int]]
    match: HeaderMatch
    width: int  # fields per record (header and the rows seen in the head)
    header_width: int  # fields of the header record


def _csv_layout(path: Path, input_name: str, text: str, complete: bool) -> _CsvLayout:
    """Pick the delimiter under which the header of the form appears; then check that header."""
    tried: dict[str, list[list[str | None]]] = {}
    best: tuple[tuple[int, int], str, list[tuple[list[str], int]]] | None = None
    for delimiter in CSV_DELIMITERS:
        records = _head_records(text, delimiter, complete)
        rows = [[clean_text(value) for value in fields] for fields, _ in records]
        tried[delimiter] = rows
        match = best_header_row(rows, input_name)
        score = (match.score if match else 0, sum(1 for row in rows for cell in row if cell))
        if best is None or score > best[0]:
            best = (score, delimiter, records)
    assert best is not None
    _, delimiter, records = best
    match = _accept_header(path, input_name, tried[delimiter])
    width = max(len(fields) for fields, _ in records[match.row_index:])
    return _CsvLayout(delimiter, records, match, width, len(records[match.row_index][0]))


def _read_csv(path: Path, input_name: str, rows_to: RowsSink | None) -> ReadResult:
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    encoding = _detect_encoding(path, head)
    _require_last_line_break(path, encoding, size)
    complete = len(head) == size
    try:
        text = codecs.getincrementaldecoder(encoding.codec)().decode(head[encoding.bom:], final=complete)
    except UnicodeDecodeError:
        raise InputFileError(path, f"the text is not valid {encoding.label}") from None
    if not text.strip(STRIP_CHARS):
        raise InputFileError(path, "the file is empty: it holds no text")
    layout = _csv_layout(path, input_name, text, complete)
    match = layout.match
    header_row = match.row_index + 1
    notes = [f"read as {encoding.label} text delimited by {_delimiter_name(layout.delimiter)}",
             *_header_notes(match, input_name, header_row)]
    head_rows = [[clean_text(value) for value in fields] for fields, _ in layout.records]
    first_data = _first_data_index(head_rows, match.row_index, notes)
    counts = _header_counts(match, first_data)
    chars = layout.records[first_data - 1][1]
    offset = encoding.bom + len(text[:chars].encode(encoding.codec))
    try:
        rows, file_rows, extra_keys, body_notes = _read_csv_body_fast(
            path, input_name, encoding, layout, offset, first_data + 1, counts, rows_to)
    except _NeedsExactParser:
        if rows_to is not None:
            rows_to.discard()
        table, extra_keys, body_notes = _read_csv_body_exact(path, input_name, encoding, layout, offset,
                                                             first_data + 1, counts)
        rows, file_rows = table, table.num_rows
    notes += body_notes
    return _assemble(rows, file_rows, match, header_row, notes, extra_keys, sheet_name=None,
                     encoding=encoding.label, delimiter=layout.delimiter, counts=counts)


def _require_last_line_break(path: Path, encoding: _Encoding, size: int) -> None:
    """Refuse a text file whose last line has no line break: it was cut (a copy still under way,
    an upload broken off), and its last row may hold only part of its cells. Every spreadsheet
    program and the csv module end the last row with a line break."""
    breaks = ["\n".encode(encoding.codec), "\r".encode(encoding.codec)]
    width = len(breaks[0])
    if size <= encoding.bom:
        return
    with path.open("rb") as fh:
        fh.seek(max(size - width, 0))
        tail = fh.read(width)
        if tail in breaks:
            return
        # Spaces or control characters after the last line break (an old tool's end-of-file mark,
        # Ctrl+Z) are no cut row: the line they form is empty once cleaned, and skipped as such.
        start = max(size - _TAIL_BYTES, encoding.bom)
        start += (start - encoding.bom) % width
        fh.seek(start)
        text = fh.read().decode(encoding.codec, errors="ignore")
        if text.rstrip(_TRAILING_NOISE).endswith(("\n", "\r")):
            return
        fh.seek(encoding.bom)
        lines = 1
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            lines += chunk.count(breaks[0])
    raise InputFileError(path, "the file ends in the middle of a line: the last line has no line break, so "
                               "the file was probably cut while being copied or uploaded; nothing was loaded — "
                               "deliver the whole file again", row=lines)


_TAIL_BYTES = 256
# what may follow the last line break without being a row: spaces and control characters
_TRAILING_NOISE = "".join(c for c in STRIP_CHARS if c not in "\r\n") + "".join(
    chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)])


def _delimiter_name(delimiter: str) -> str:
    return {"\t": "tabs", ";": "';'", ",": "','", "|": "'|'"}[delimiter]


class _NeedsExactParser(Exception):
    """A record whose field count differs from the header's: Arrow cannot say which row it is."""


def _trimmed(column: pa.Array, controls: list[int] | None = None) -> pa.Array:
    """Vectorised clean_text: strip the same characters; what becomes '' is null.

    Fields that were empty in the file are already null (Arrow's ``null_values``).
    """
    return trimmed_text(column, controls)


def _read_csv_body_fast(path: Path, input_name: str, encoding: _Encoding, layout: _CsvLayout, offset: int,
                        first_row: int, counts: dict[str, int], rows_to: RowsSink | None,
                        ) -> tuple[pa.Table | object, int, list[str], list[str]]:
    """Arrow's CSV reader from the first data byte on, every field as text, block by block.

    Each block is trimmed and put in the raw layer's shape as it comes, then goes to
    ``rows_to`` (so memory holds one block, whatever the file's size) or is kept. Blank
    lines are kept as rows while numbering (so row numbers stay those Excel shows) and
    dropped afterwards. Any record with another field count sends the file to the exact
    parser, which can name its row. Returns the rows (or what ``rows_to`` returned), their
    number, the extra column keys and the notes.
    """
    names = [f"f{i}" for i in range(layout.width)]
    invalid: list[int] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        invalid.append(row.actual_columns)
        return "skip"

    read_options = pacsv.ReadOptions(column_names=names, block_size=CSV_BLOCK_BYTES,
                                     encoding="utf8" if encoding.codec == "utf-8" else encoding.codec)
    parse_options = pacsv.ParseOptions(delimiter=layout.delimiter, quote_char='"', double_quote=True,
                                       escape_char=False, newlines_in_values=True, ignore_empty_lines=False,
                                       invalid_row_handler=on_invalid)
    convert_options = pacsv.ConvertOptions(column_types={name: pa.string() for name in names},
                                           strings_can_be_null=True, quoted_strings_can_be_null=True,
                                           null_values=[""])
    kept: list[pa.Table] = []
    with_values: set[int] = set()  # positions holding a value somewhere in the file
    next_row, empty, file_rows = first_row, 0, 0
    totals: list[int] = []
    controls: list[tuple[int, int]] = []  # (row, 0-based column) of cells with control characters

    def deliver(cleaned: list[pa.Array], numbers: pa.Array) -> None:
        nonlocal file_rows
        cleaned, numbers, left_out = _without_totals(cleaned, numbers)
        totals.extend(left_out)
        with_values.update(i for i, array in enumerate(cleaned) if array.null_count < len(array))
        part = _raw_rows(cleaned, numbers, input_name, layout.match)
        file_rows += part.num_rows
        if rows_to is not None:
            rows_to.write(part)
        else:
            kept.append(part)

    if offset < path.stat().st_size:
        source = pa.OSFile(str(path))
        source.seek(offset)
        try:
            for part in _parts(pacsv.open_csv(source, read_options=read_options, parse_options=parse_options,
                                        convert_options=convert_options)):
                found: list[list[int]] = [[] for _ in range(layout.width)]
                cleaned = [_trimmed(pa.chunked_array(batch.column(i) for batch in part).combine_chunks(), found[i])
                           for i in range(layout.width)]
                if any(pc.any(pc.match_substring(column, "\n")).as_py() for column in cleaned):
                    # A quoted line break: usually a cell typed with Alt+Enter, but a quote left open
                    # also joins rows into one. The exact parser knows which.
                    raise _NeedsExactParser()
                controls.extend((next_row + row, i) for i, rows in enumerate(found) for row in rows)
                next_row += sum(batch.num_rows for batch in part)
                del part
                cleaned, numbers, part_empty = _numbered_rows(cleaned, next_row - len(cleaned[0]))
                empty += part_empty
                deliver(cleaned, numbers)
        except _NeedsExactParser:
            raise
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            # ``from None`` here and below: Arrow's messages may quote the offending row.
            if isinstance(exc, UnicodeDecodeError) or "UTF8" in str(exc):
                raise InputFileError(path, f"the text is not valid {encoding.label} throughout; save the "
                                           "whole file in one encoding") from None
            raise _NeedsExactParser() from None
        finally:
            source.close()
    if invalid:
        raise _NeedsExactParser()
    if not file_rows and not kept:  # no data at all: an empty table still carries the shape
        deliver([pa.array([], pa.string())] * layout.width, pa.array([], pa.int32()))
    rows = rows_to.close() if rows_to is not None else pa.concat_tables(kept)
    extra_keys, notes = _body_notes(with_values, empty, layout.match, counts, totals)
    notes += _control_note(controls, input_name, layout.match, counts)
    return rows, file_rows, extra_keys, notes


def _parts(batches: Iterator[pa.RecordBatch]) -> Iterator[list[pa.RecordBatch]]:
    """Consecutive batches grouped into parts of about CSV_PART_BYTES."""
    part: list[pa.RecordBatch] = []
    size = 0
    for batch in batches:
        part.append(batch)
        size += batch.nbytes
        if size >= CSV_PART_BYTES:
            yield part
            part, size = [], 0
    if part:
        yield part


def _raw_rows(body: list[pa.Array], source_row: pa.Array, input_name: str, match: HeaderMatch) -> pa.Table:
    """Text columns of (part of) a file in the raw layer's shape: the form's columns by name,
    ``source_row``, and every other non-empty value in ``extra_columns`` (JSON per row)."""
    extra = _extra_keys(match)
    known = set(match.columns.values()) | set(extra)
    extra.update({i: _untitled_key(i) for i in range(len(body)) if i not in known})
    columns: dict[str, pa.Array] = {}
    for spec in input_columns(input_name):
        index = match.columns.get(spec.name)
        columns[spec.name] = (body[index] if index is not None and index < len(body)
                              else pa.nulls(len(source_row), pa.string()))
    columns["source_row"] = source_row
    columns["extra_columns"] = _extra_json({key: body[i] for i, key in extra.items()
                                            if i < len(body) and body[i].null_count < len(body[i])},
                                           len(source_row))
    return pa.table(columns)


def _body_notes(with_values: set[int], empty: int, match: HeaderMatch,
                counts: dict[str, int], totals: Sequence[int] = ()) -> tuple[list[str], list[str]]:
    """The extra column keys (titled extras, then untitled columns holding values) and the notes."""
    notes = [f"{empty} empty row(s) skipped"] if empty else []
    if empty:
        counts["empty_rows"] = empty
    notes += _totals_note(list(totals), counts)
    extra = _extra_keys(match)
    known = set(match.columns.values()) | set(extra)
    untitled = [_untitled_key(i) for i in sorted(with_values - known)]
    if untitled:
        notes.append(f"values found under columns without a title, kept as {', '.join(untitled)}")
        counts["untitled_columns"] = len(untitled)
    return list(extra.values()) + untitled, notes


def _totals_note(rows: list[int], counts: dict[str, int]) -> list[str]:
    if not rows:
        return []
    counts["total_rows"] = len(rows)
    return [f"{len(rows)} total line(s) («Итого», «Всего» followed by figures only) left out: they sum "
            f"the rows above and are not services: rows {_listed(rows)}"]


def _extra_json(columns: dict[str, pa.Array | pa.ChunkedArray], rows: int) -> pa.Array:
    """Per row, a JSON object of its non-empty extra values (null when it has none).

    Python per row, but only over the extra columns, which files rarely have.
    """
    if not columns:
        return pa.nulls(rows, pa.string())
    keys = list(columns)
    values = [column.to_pylist() for column in columns.values()]
    out = []
    for row in zip(*values, strict=True):
        extra = {key: value for key, value in zip(keys, row, strict=True) if value is not None}
        out.append(json.dumps(extra, ensure_ascii=False) if extra else None)
    return pa.array(out, pa.string())


def _read_csv_body_exact(path: Path, input_name: str, encoding: _Encoding, layout: _CsvLayout, offset: int,
                         first_row: int, counts: dict[str, int]) -> tuple[pa.Table, list[str], list[str]]:
    """Python's csv module over the body: slower, but it knows every record's row number.

    Records shorter than the header are padded (Excel shows their last cells empty);
    values beyond the header's last column are kept as '(column X)' extras. So a ragged
    file loses nothing, and the notes say how many rows were ragged.
    """
    builder = _TableBuilder(input_name, layout.match)
    short: list[int] = []
    controls: list[tuple[int, int]] = []
    number = first_row
    with path.open("rb") as raw:
        raw.seek(offset)
        stream = io.TextIOWrapper(raw, encoding=encoding.codec, newline="")
        reader = csv.reader(stream, delimiter=layout.delimiter, quotechar='"', doublequote=True,
                            strict=False)
        lines_before = 0
        try:
            for number, fields in enumerate(reader, start=first_row):
                if reader.line_num - lines_before > 1 and len(fields) != layout.header_width:
                    raise InputFileError(
                        path, f"a quote opened in this row is not closed: {reader.line_num - lines_before} lines "
                        f"of the file run together into one row of {len(fields)} cells (the header has "
                        f"{layout.header_width}); nothing was loaded — close the quote or remove it",
                        row=number)
                lines_before = reader.line_num
                controls.extend((number, i) for i, value in enumerate(fields) if CONTROL_CHARS.search(value))
                cells = [clean_text(value) for value in fields]
                if len(fields) < layout.header_width and any(cells):
                    short.append(number)
                builder.add(number, cells)
        except UnicodeDecodeError:
            raise InputFileError(path, f"the text is not valid {encoding.label} throughout; save the "
                                       "whole file in one encoding", row=number + 1) from None
        except csv.Error as exc:  # e.g. a field over the csv module's 131,072 characters
            problem = ("a cell is longer than 131,072 characters" if "field limit" in str(exc)
                       else "the row cannot be parsed as delimited text")
            raise InputFileError(path, f"{problem}; nothing was loaded", row=number + 1) from None
    table, extra_keys, notes = _builder_output(builder, layout.match, counts)
    notes += _control_note(controls, input_name, layout.match, counts)
    if short:
        notes.insert(0, f"{len(short)} row(s) have fewer fields than the header; their missing cells are "
                        "empty")
        listed = ", ".join(str(row) for row in short[:MAX_ROWS_LISTED])
        more = f" and {len(short) - MAX_ROWS_LISTED} more" if len(short) > MAX_ROWS_LISTED else ""
        notes.insert(1, f"rows with fewer fields than the header: {listed}{more}")
        counts["short_rows_padded"] = len(short)
    return table, extra_keys, notes
