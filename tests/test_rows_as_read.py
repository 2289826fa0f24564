"""Rows as a person reads them (issue 21): hidden rows are named, total lines left out, control
characters named by row and column.

Each case is a real .xlsx or .csv written to tmp_path and read by ``read_input``; the .xlsx
cases run through both workbook readers (fastexcel's columns, and python-calamine cell by cell,
which a boolean cell forces), the .csv cases through both CSV parsers (Arrow's, and Python's
csv module, which a short row forces).
"""

from __future__ import annotations

import openpyxl
import pytest
import xlsxwriter
from test_readers import TITLES, column, data_row, form_rows, landing, write_csv, write_xlsx

from orchestration.ingestion.readers import is_total_row, read_input
from orchestration.ingestion.sheet_columns import read_worksheets

NAMES = [f"ТОО «Ромашка {i}»" for i in range(6)]
FIRST_DATA_ROW = 4  # title, header, column numbers


def rows_with(extra: dict[int, list[object]], n: int = 6) -> list[list[object]]:
    """The form with ``n`` data rows, and ``extra`` rows inserted before data row index k."""
    data: list[list[object]] = []
    for i in range(n):
        data += extra.get(i, [])
        data.append(data_row(i))
    data += extra.get(n, [])
    return form_rows(data)


def force_cell_by_cell(rows: list[list[object]]) -> list[list[object]]:
    """A boolean in an untitled column: fastexcel renders it differently, so calamine reads cell by cell."""
    rows = [list(row) for row in rows]
    rows[FIRST_DATA_ROW - 1] = [*rows[FIRST_DATA_ROW - 1], None, None, True]
    return rows


def force_exact_csv(rows: list[list[object]]) -> list[list[object]]:
    """A data row shorter than the header: Arrow cannot place it, Python's csv module reads the file."""
    rows = [list(row) for row in rows]
    rows[-1] = rows[-1][:20]
    return rows


def assert_reader(path, reader: str) -> None:
    """The premise of an .xlsx case: the workbook goes to the reader the case names."""
    if path.suffix == ".xlsx":
        assert (read_worksheets(path, ["Реестр"]) is None) == (reader == "cell_by_cell")


@pytest.fixture(params=["columns", "cell_by_cell"])
def xlsx_path(request):
    return request.param


# ----------------------------------------------------------------------------- hidden rows


def test_hidden_data_rows_are_loaded_and_named(tmp_path, xlsx_path):
    rows = rows_with({})
    if xlsx_path == "cell_by_cell":
        rows = force_cell_by_cell(rows)
    path = write_xlsx(landing(tmp_path, "v1.xlsx"), rows)
    workbook = openpyxl.load_workbook(path)
    for row in (5, 8):
        workbook.active.row_dimensions[row].hidden = True
    workbook.active.row_dimensions[2].hidden = True  # the header: no data row, not named
    workbook.save(path)
    assert_reader(path, xlsx_path)
    result = read_input(path, "registry")
    assert column(result, "enterprise_name") == NAMES  # nothing delivered is dropped
    assert result.counts["hidden_rows"] == 2
    assert ("2 data row(s) are hidden in the workbook and were loaded like the others (check that they "
            "belong to the registry): rows 5, 8") in result.notes


def test_a_workbook_without_hidden_rows_has_no_such_note(tmp_path):
    result = read_input(write_xlsx(landing(tmp_path, "v1.xlsx"), rows_with({})), "registry")
    assert "hidden_rows" not in result.counts
    assert not [note for note in result.notes if "hidden" in note]


# ----------------------------------------------------------------------------- total lines

TOTAL_ROWS = [
    ["Итого:", None, None, None, None, None, None, None, "6"],
    ["ВСЕГО по области", None, None, None, None, None, None, None, "1 234,5", None, "—"],
]


READERS = [(".xlsx", "columns"), (".xlsx", "cell_by_cell"), (".csv", "arrow"), (".csv", "exact")]


def write(tmp_path, rows: list[list[object]], suffix: str, reader: str):
    """The rows as a landing file read by ``reader`` (see the module docstring)."""
    if reader == "cell_by_cell":
        rows = force_cell_by_cell(rows)
    elif reader == "exact":
        rows = force_exact_csv(rows)
    path = landing(tmp_path, f"v1{suffix}")
    return (write_xlsx if suffix == ".xlsx" else write_csv)(path, rows)


@pytest.mark.parametrize(("suffix", "reader"), READERS)
def test_total_lines_are_left_out_with_a_note(tmp_path, suffix, reader):
    path = write(tmp_path, rows_with({3: [TOTAL_ROWS[0]], 6: [TOTAL_ROWS[1]]}), suffix, reader)
    assert_reader(path, reader)
    result = read_input(path, "registry")
    assert column(result, "enterprise_name") == NAMES
    assert result.file_rows == 6
    # data rows 4..6, the first total on row 7, data rows 8..10, the second total on row 11
    assert column(result, "source_row") == [4, 5, 6, 8, 9, 10]
    assert result.counts["total_rows"] == 2
    assert ("2 total line(s) («Итого», «Всего» followed by figures only) left out: they sum the rows above "
            "and are not services: rows 7, 11") in result.notes
    assert "short_rows_padded" in result.counts or reader != "exact"  # the premise: that reader ran


@pytest.mark.parametrize(("cells", "total"), [
    (["Итого", None, "12"], True),
    (["итого:", "3", "4,5", "-"], True),
    ([None, None, "Всего по району", "10 000"], True),
    (["ВСЕГО"], True),
    (["Итого", "ТОО «Ромашка»"], False),  # text beside the word: a row of data
    (["Всеволод Иванов", "5"], False),
    (["Итоговая консультация", "5"], False),
    (["г. Алматы", "Итого", "5"], False),  # the word not in the first filled cell
    ([None, None], False),
])
def test_what_reads_as_a_total_line(cells, total):
    assert is_total_row(cells) is total


def test_a_service_row_saying_total_elsewhere_is_kept(tmp_path):
    row = data_row(9)
    row[15] = "Итого"  # the subtype column: a data row all the same
    result = read_input(write_xlsx(landing(tmp_path, "v1.xlsx"), rows_with({6: [row]})), "registry")
    assert result.file_rows == 7 and "total_rows" not in result.counts


# ----------------------------------------------------------------------------- control characters


def control_rows() -> list[list[object]]:
    rows = rows_with({})
    rows[FIRST_DATA_ROW][3] = "ТОО «Ромашка\x07 1»"  # row 5, «Наименование предприятия клиента»
    rows[FIRST_DATA_ROW + 2][0] = "\x1bг. Алматы"  # row 7, the region
    rows[FIRST_DATA_ROW + 2] = [*rows[FIRST_DATA_ROW + 2], None, "x\x00y"]  # row 7, untitled column X
    return rows


def write_xlsx_controls(path, rows: list[list[object]]):
    """xlsxwriter keeps control characters (as Excel's _xHHHH_ escapes); openpyxl refuses them."""
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Реестр")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    workbook.close()
    return path


@pytest.mark.parametrize(("suffix", "reader"), READERS)
def test_control_characters_are_removed_and_named_by_row_and_column(tmp_path, suffix, reader):
    rows = control_rows()
    if suffix == ".xlsx":
        if reader == "cell_by_cell":
            rows = force_cell_by_cell(rows)
        path = write_xlsx_controls(landing(tmp_path, "v1.xlsx"), rows)
    else:
        path = write(tmp_path, rows, suffix, reader)
    assert_reader(path, reader)
    result = read_input(path, "registry")
    assert column(result, "enterprise_name")[:2] == ["ТОО «Ромашка 0»", "ТОО «Ромашка 1»"]
    assert column(result, "region")[2] == "г. Алматы"
    assert result.counts["control_characters_removed"] == 3
    title = TITLES[3]
    assert (f"control characters (invisible, not typed) removed from 3 cell(s): row 5 column «{title}»; "
            f"row 7 column «{TITLES[0]}»; row 7 column X") in result.notes
    assert not [note for note in result.notes if "\x07" in note or "Ромашка" in note]
