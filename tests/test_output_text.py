"""Nothing a file holds crashes a later step: control characters are removed on the way in and
never reach XML; a cell starting like a formula is quote-prefixed; an annex longer than a sheet
continues on the next (issue 21)."""

from __future__ import annotations

import zipfile
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import xlsxwriter
from docx import Document
from test_readers import data_row, form_rows, landing, write_csv

from orchestration.ingestion.readers import read_input
from orchestration.outputs.letters import ErrorRow, Letter, write_annex, write_letter

RECEIVED = datetime(2019, 5, 2, 9, tzinfo=ZoneInfo("Asia/Almaty"))


def _letter(errors) -> Letter:
    return Letter(period="2019-04", version=1, source_file="registry/2019-04/v1.xlsx", received_at=RECEIVED,
                  letter_date=date(2019, 5, 3), correction_due_at=RECEIVED + timedelta(days=5), errors=errors)


def test_a_control_character_in_a_value_never_stops_a_letter_and_formulas_stay_text(tmp_path):
    errors = (ErrorRow(5, "unknown_region", "Неизвестная область", "m", "Область", "Алма\x00ты\x1f"),
              ErrorRow(6, "unknown_region", "Неизвестная область", "m", "Область", "=HYPERLINK(\"x\")"),
              ErrorRow(7, "unknown_region", "Неизвестная область", "m", "Область", "@SUM(A1)"))
    files = write_letter(tmp_path, _letter(errors))
    cells = [c.text for table in Document(str(files.letter)).tables for row in table.rows for c in row.cells]
    assert "Алматы" in cells
    sheet = openpyxl.load_workbook(files.annex).active
    values = {sheet.cell(r, 1).value: sheet.cell(r, 3) for r in range(2, sheet.max_row + 1)}
    assert values[5].value == "Алматы"
    assert values[6].value == "=HYPERLINK(\"x\")" and values[6].data_type == "s" and values[6].quotePrefix
    assert values[7].value == "@SUM(A1)" and values[7].quotePrefix
    assert not values[5].quotePrefix


def test_an_annex_longer_than_a_sheet_continues_on_the_next(tmp_path):
    errors = tuple(ErrorRow(4 + i, "r", "Правило", "m", "Область", f"v{i}") for i in range(7))
    path = tmp_path / "annex.xlsx"
    write_annex(_letter(errors), path, rows_per_sheet=3)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Ошибки", "Ошибки (2)", "Ошибки (3)"]
    rows = []
    for sheet in book.worksheets:
        assert sheet.cell(1, 1).value == "№ строки в файле оператора"
        rows += [sheet.cell(r, 3).value for r in range(2, sheet.max_row + 1)]
    assert rows == [f"v{i}" for i in range(7)]


def test_control_characters_are_removed_on_the_way_in_from_csv_and_xlsx(tmp_path):
    rows = [data_row(n) for n in range(2)]
    rows[0][3] = "ТОО «Ро\x00машка»"
    rows[1][4] = "Иванова\x07 Айгуль"
    csv_path = write_csv(landing(tmp_path, "v1.csv"), form_rows(rows))
    xlsx_path = landing(tmp_path, "v2.xlsx")
    book = xlsxwriter.Workbook(str(xlsx_path))  # writes the characters as Excel does: '_x0000_'
    sheet = book.add_worksheet("Реестр")
    for r, row in enumerate(form_rows(rows)):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    book.close()
    assert b"_x0000_" in zipfile.ZipFile(xlsx_path).read("xl/sharedStrings.xml")
    for path in (csv_path, xlsx_path):
        table = read_input(path, "registry").rows
        assert table.column("enterprise_name").to_pylist()[0] == "ТОО «Ромашка»"
        assert table.column("client_full_name").to_pylist()[1] == "Иванова Айгуль"
