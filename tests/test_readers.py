"""Reading operators' files: real .xlsx and .csv files written to tmp_path, one case per test."""

from __future__ import annotations

import csv
import json
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import duckdb
import openpyxl
import pyarrow as pa
import pytest
import xlsxwriter

from orchestration.ingestion import readers
from orchestration.ingestion.cells import cell_to_text, column_letter
from orchestration.ingestion.readers import InputFileError, read_input
from orchestration.ingestion.spool import SpoolWriter
from orchestration.personal import mask
from orchestration.reference import input_columns
from orchestration.warehouse.raw import Batch, load_batch, rows_table

REGISTRY = input_columns("registry")
TITLES = [spec.title_ru for spec in REGISTRY[:22]]  # Appendix 1; provider and channel are optional
FORM_TITLE = "Информация о ходе реализации сервисной поддержки"
IIN = "061211600012"  # valid, born 2006: Excel drops its leading zero


def data_row(n: int = 0, iin: object = IIN) -> list[object]:
    return ["г. Алматы", "Алматы", "ЦОП", f"ТОО «Ромашка {n}»", "Иванова Айгуль Сериковна", iin, "ж",
            "11.12.2006", "12", None, "ИП", "микро", "G", "47", "Консультация", "Налоги",
            "Петров Пётр", "01.03.2019", "05.03.2019", "87272000000", "87011112233", "a@mail.kz"]


def form_rows(data: list[list[object]], titles: list[str] = TITLES, *, title: bool = True,
              numbers: bool = True) -> list[list[object]]:
    rows: list[list[object]] = [[FORM_TITLE]] if title else []
    rows.append(list(titles))
    if numbers:
        rows.append(list(range(1, len(titles) + 1)))
    return rows + data


def landing(tmp_path: Path, name: str, input_name: str = "registry", period: str = "2019-03") -> Path:
    folder = tmp_path / "landing" / input_name / period
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def write_xlsx(path: Path, rows: list[list[object]], sheet: str = "Реестр") -> Path:
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    for row in rows:
        worksheet.append(row)
    if rows and rows[0] == [FORM_TITLE]:
        worksheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=22)
    workbook.save(path)
    return path


def write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8", delimiter: str = ";") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        for row in rows:
            writer.writerow(["" if value is None else value for value in row])
    return path


def column(result: readers.ReadResult, name: str) -> list[object]:
    return result.rows.column(name).to_pylist()


# ----------------------------------------------------------------------------- xlsx


def test_xlsx_with_title_and_number_rows(tmp_path):
    path = write_xlsx(landing(tmp_path, "v1.xlsx"), form_rows([data_row(1), data_row(2)]))
    result = read_input(path, "registry")
    assert (result.header_row, result.file_rows, result.sheet_name) == (2, 2, "Реестр")
    assert column(result, "source_row") == [4, 5]  # title row 1, header row 2, numbers row 3
    assert column(result, "enterprise_name") == ["ТОО «Ромашка 1»", "ТОО «Ромашка 2»"]
    assert column(result, "provider") == [None, None]  # optional column absent: null
    assert result.column_map["region"] == TITLES[0]
    assert "row 3 holds the column numbers (1, 2, 3 …) and is skipped" in result.notes
    assert result.rows.schema.field("source_row").type == pa.int32()
    names = [s.name for s in REGISTRY] + ["source_row", "extra_columns"]
    assert [f.name for f in result.rows.schema] == names


def test_xlsx_without_title_or_number_rows(tmp_path):
    path = write_xlsx(landing(tmp_path, "v1.xlsx"), form_rows([data_row()], title=False, numbers=False))
    result = read_input(path, "registry")
    assert (result.header_row, column(result, "source_row")) == (1, [2])


def test_xlsx_printed_form_header_with_hyphenated_titles(tmp_path):
    from test_headers import PRINTED_APPENDIX_1

    path = write_xlsx(landing(tmp_path, "v1.xlsx"), form_rows([data_row()], list(PRINTED_APPENDIX_1)))
    result = read_input(path, "registry")
    assert result.column_map["iin_bin"] == PRINTED_APPENDIX_1[5]
    assert column(result, "iin_bin") == [IIN]


def test_xlsx_title_merged_over_two_rows_does_not_confuse_detection(tmp_path):
    path = landing(tmp_path, "v1.xlsx")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"] = FORM_TITLE
    sheet.merge_cells("A1:V2")
    for row_number, row in enumerate(form_rows([data_row()], title=False), start=3):
        for column_number, value in enumerate(row, start=1):
            sheet.cell(row_number, column_number, value)
    workbook.save(path)
    result = read_input(path, "registry")
    assert (result.header_row, column(result, "source_row")) == (3, [5])


def test_xlsx_numeric_iin_becomes_integer_text(tmp_path):
    path = write_xlsx(landing(tmp_path, "v1.xlsx"), form_rows([data_row(iin=61211600012),
                                                               data_row(iin=940140000385)]))
    # The lost leading zero is dbt's to restore (and count); the reader keeps the digits as stored.
    assert column(read_input(path, "registry"), "iin_bin") == ["61211600012", "940140000385"]


def test_xlsx_date_cells_become_iso_text(tmp_path):
    row = data_row()
    row[7], row[17], row[18] = date(1990, 1, 2), datetime(2019, 3, 1), datetime(2019, 3, 5, 14, 30)
    path = write_xlsx(landing(tmp_path, "v1.xlsx"), form_rows([row]))
    result = read_input(path, "registry")
    assert column(result, "birth_date") == ["1990-01-02"]
    assert column(result, "start_date") == ["2019-03-01"]
    assert column(result, "end_date") == ["2019-03-05 14:30:00"]


def test_xlsx_cells_whose_type_decides_their_text_read_as_excel_shows_them(tmp_path):
    # Booleans, times of day, durations, fractions of a second and tiny numbers: the
    # Arrow reader (sheet_columns) renders them differently, so the sheet is read cell by cell.
    row = data_row()
    row[9], row[16], row[17], row[18], row[19] = (True, time(10, 30), timedelta(hours=30, minutes=5),
                                                  datetime(2019, 3, 5, 14, 30, 5, 250000), 0.00001)
    path = write_xlsx(landing(tmp_path, "v1.xlsx"), form_rows([row]))
    result = read_input(path, "registry")
    assert [column(result, name)[0] for name in ("disability", "manager_full_name", "start_date", "end_date",
                                                 "work_phone")] == \
        ["TRUE", "10:30:00", "30:05:00", "2019-03-05 14:30:05.250000", "1e-05"]


def test_xlsx_text_that_reads_as_a_midnight_date_time_keeps_the_date(tmp_path):
    # The one place the Arrow reader's raw text differs from the cell-by-cell reader's: a
    # *text* cell '2019-03-01 00:00:00' is stored as the date it names, like a date cell.
    row = data_row()
    row[17], row[18] = "2019-03-01 00:00:00", datetime(2019, 3, 5)
    path = write_xlsx(landing(tmp_path, "v1.xlsx"), form_rows([row]))
    result = read_input(path, "registry")
    assert (column(result, "start_date"), column(result, "end_date")) == (["2019-03-01"], ["2019-03-05"])


def test_xlsx_table_placed_away_from_a1_keeps_excel_rows_and_column_letters(tmp_path):
    path = landing(tmp_path, "v1.xlsx")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for offset, row in enumerate(form_rows([data_row(1) + [None, "лишнее"]], title=False)):
        for index, value in enumerate(row):
            sheet.cell(row=5 + offset, column=3 + index, value=value)
    workbook.save(path)
    result = read_input(path, "registry")
    assert result.header_row == 5
    assert column(result, "source_row") == [7]  # header on row 5, column numbers on row 6
    assert column(result, "enterprise_name") == ["ТОО «Ромашка 1»"]
    assert column(result, "extra_columns") == ['{"(column Z)": "лишнее"}']  # C + 23 columns = Z


def test_xlsx_numbers_and_text_dates_keep_their_text(tmp_path):
    row = data_row()
    row[8], row[17] = 29.0, "01.03.2019"
    path = write_xlsx(landing(tmp_path, "v1.xlsx"), form_rows([row]))
    result = read_input(path, "registry")
    assert (column(result, "age"), column(result, "start_date")) == (["29"], ["01.03.2019"])


def test_xlsx_formula_cell_gives_its_cached_value(tmp_path):
    path = landing(tmp_path, "v1.xlsx")
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Реестр")
    sheet.write_row(0, 0, TITLES)
    sheet.write_row(1, 0, data_row())
    sheet.write_formula(1, 8, "=2019-2006-1", None, 12)  # age, with the value Excel computed
    sheet.write_formula(1, 0, '=TRIM(" г. Алматы ")', None, "г. Алматы")
    workbook.close()
    result = read_input(path, "registry")
    assert (column(result, "age"), column(result, "region")) == (["12"], ["г. Алматы"])


def test_xlsx_whitespace_and_no_break_spaces_are_stripped_and_empty_is_null(tmp_path):
    row = data_row()
    row[0], row[1], row[19] = "\u00a0 г. Алматы \u200b", "   ", ""
    path = write_xlsx(landing(tmp_path, "v1.xlsx"), form_rows([row]))
    result = read_input(path, "registry")
    assert (column(result, "region"), column(result, "settlement"), column(result, "work_phone")) == (
        ["г. Алматы"], [None], [None])


def test_xlsx_several_sheets_reads_the_one_with_the_header(tmp_path):
    path = landing(tmp_path, "v1.xlsx")
    workbook = openpyxl.Workbook()
    workbook.active.title = "Инструкция"
    workbook.active.append(["Заполните реестр на листе «Реестр»", "до 1 числа"])
    registry = workbook.create_sheet("Реестр")
    for row in form_rows([data_row()]):
        registry.append(row)
    workbook.create_sheet("Пустой")
    workbook.save(path)
    result = read_input(path, "registry")
    assert result.sheet_name == "Реестр" and result.file_rows == 1
    assert result.notes[0] == ("sheet 'Реестр' chosen because it holds the form's header; sheets ignored: "
                               "'Инструкция' (no header of the form), 'Пустой' (empty)")


def test_xlsx_two_sheets_with_the_header_are_rejected(tmp_path):
    path = landing(tmp_path, "v1.xlsx")
    workbook = openpyxl.Workbook()
    for name in ("Январь", "Январь (2)"):
        sheet = workbook.create_sheet(name)
        for row in form_rows([data_row()]):
            sheet.append(row)
    workbook.remove(workbook["Sheet"])
    workbook.save(path)
    with pytest.raises(InputFileError) as error:
        read_input(path, "registry")
    assert str(error.value) == ("registry/2019-03/v1.xlsx: several sheets carry the form's header ('Январь', "
                                "'Январь (2)'); deliver one sheet per file or delete the copies")


def test_xlsx_hidden_copy_of_the_sheet_is_ignored(tmp_path):
    path = landing(tmp_path, "v1.xlsx")
    workbook = openpyxl.Workbook()
    workbook.active.title = "Реестр"
    for row in form_rows([data_row(1)]):
        workbook.active.append(row)
    hidden = workbook.create_sheet("old")
    for row in form_rows([data_row(2), data_row(3)]):
        hidden.append(row)
    hidden.sheet_state = "hidden"
    workbook.save(path)
    result = read_input(path, "registry")
    assert (result.sheet_name, result.file_rows) == ("Реестр", 1)
    assert "'old' (hidden copy of the header)" in result.notes[0]


def test_xlsx_missing_required_columns_rejected_naming_each(tmp_path):
    titles = [t for t in TITLES if t not in (TITLES[5], TITLES[6])]
    path = write_xlsx(landing(tmp_path, "v1.xlsx"), form_rows([data_row()[:20]], titles))
    with pytest.raises(InputFileError) as error:
        read_input(path, "registry")
    assert error.value.row == 2 and error.value.column is None
    assert str(error.value) == ("registry/2019-03/v1.xlsx, row 2: required columns missing from the header: "
                                "«ИИН ИП /БИН субъектов МСБ», «Пол клиента»")


def test_xlsx_one_missing_required_column_names_it_as_the_column(tmp_path):
    titles = [t for t in TITLES if t != TITLES[5]]
    path = write_xlsx(landing(tmp_path, "v1.xlsx"), form_rows([data_row()[:21]], titles))
    with pytest.raises(InputFileError) as error:
        read_input(path, "registry")
    assert str(error.value) == ("registry/2019-03/v1.xlsx, row 2, column «ИИН ИП /БИН субъектов МСБ»: "
                                "required column missing from the header: «ИИН ИП /БИН субъектов МСБ»")


def test_xlsx_duplicated_header_column_rejected(tmp_path):
    titles = TITLES + ["Пол клиента"]
    path = write_xlsx(landing(tmp_path, "v1.xlsx"), form_rows([data_row() + ["ж"]], titles))
    with pytest.raises(InputFileError) as error:
        read_input(path, "registry")
    assert str(error.value) == ("registry/2019-03/v1.xlsx, row 2, column «Пол клиента»: duplicated header "
                                "columns: «Пол клиента» in columns G and W")


def test_xlsx_extra_columns_kept_as_json(tmp_path):
    titles = TITLES + ["Примечание", "Исполнитель услуги"]
    rows = [data_row(1) + ["перезвонить", "Атамекен"], data_row(2) + [None, None]]
    path = write_xlsx(landing(tmp_path, "v1.xlsx"), form_rows(rows, titles))
    result = read_input(path, "registry")
    assert result.extra_columns == ["Примечание"]
    assert column(result, "provider") == ["Атамекен", None]  # optional form column, recognised
    assert [json.loads(v) if v else v for v in column(result, "extra_columns")] == [
        {"Примечание": "перезвонить"}, None]


def test_xlsx_values_under_a_column_without_title_are_kept(tmp_path):
    rows = [data_row(1) + [None, None, None, "лишнее"], data_row(2)]
    path = write_xlsx(landing(tmp_path, "v1.xlsx"), form_rows(rows))
    result = read_input(path, "registry")
    assert result.extra_columns == ["(column Z)"]
    assert column(result, "extra_columns") == ['{"(column Z)": "лишнее"}', None]


def test_xlsx_misspelt_title_accepted_with_a_note(tmp_path):
    titles = list(TITLES)
    titles[14] = "Наименование специализированой услуги"
    path = write_xlsx(landing(tmp_path, "v1.xlsx"), form_rows([data_row()], titles))
    result = read_input(path, "registry")
    assert column(result, "service") == ["Консультация"]
    assert ("column «Наименование специализированой услуги» read as «Наименование специализированной "
            "услуги» (1 edit(s) apart)") in result.notes


def test_xlsx_header_in_kazakh_rejected(tmp_path):
    kazakh = ["Облыс / республикалық маңызы бар қала", "Елді мекен", "Қызмет көрсету орны",
              "Кәсіпорынның атауы", "Клиенттің аты-жөні", "ЖК ЖСН / ШОБ субъектілерінің БСН",
              "Клиенттің жынысы"]
    path = write_xlsx(landing(tmp_path, "v1.xlsx"), form_rows([data_row()[:7]], kazakh))
    with pytest.raises(InputFileError) as error:
        read_input(path, "registry")
    assert str(error.value).startswith("registry/2019-03/v1.xlsx, row 2: the header appears to be in Kazakh")


def test_xlsx_without_any_header_rejected(tmp_path):
    path = write_xlsx(landing(tmp_path, "v1.xlsx"), [["a", "b", "c"], ["1", "2", "3"]])
    with pytest.raises(InputFileError) as error:
        read_input(path, "registry")
    assert str(error.value) == ("registry/2019-03/v1.xlsx: no header row found: none of the first 30 rows "
                                "carries at least 9 of the form's 24 column titles "
                                "(the best, row 1, matches 0)")


def test_xlsx_merged_data_cells_are_filled_down(tmp_path):
    path = write_xlsx(landing(tmp_path, "v1.xlsx"), form_rows([data_row(1), data_row(2), data_row(3)]))
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    sheet["A5"] = None
    sheet["A6"] = None
    sheet.merge_cells("A4:A6")  # one region for three rows, as operators lay it out
    workbook.save(path)
    result = read_input(path, "registry")
    assert column(result, "region") == ["г. Алматы"] * 3
    assert "2 cell(s) of vertically merged data cells filled with the merged value" in result.notes


def test_xlsx_empty_rows_skipped_but_row_numbers_kept(tmp_path):
    path = write_xlsx(landing(tmp_path, "v1.xlsx"), form_rows([data_row(1), [None], data_row(2)]))
    result = read_input(path, "registry")
    assert column(result, "source_row") == [4, 6]
    assert "1 empty row(s) skipped" in result.notes


def test_xlsx_header_only_gives_no_rows(tmp_path):
    path = write_xlsx(landing(tmp_path, "v1.xlsx"), form_rows([]))
    result = read_input(path, "registry")
    assert result.file_rows == 0 and "the file has a header but no data rows" in result.notes


def test_empty_xlsx_file_rejected(tmp_path):
    path = landing(tmp_path, "v1.xlsx")
    path.write_bytes(b"")
    with pytest.raises(InputFileError, match=r"^registry/2019-03/v1.xlsx: the file is empty \(0 bytes\)$"):
        read_input(path, "registry")


def test_workbook_with_only_empty_sheets_rejected(tmp_path):
    path = write_xlsx(landing(tmp_path, "v1.xlsx"), [])
    with pytest.raises(InputFileError) as error:
        read_input(path, "registry")
    assert str(error.value) == "registry/2019-03/v1.xlsx: the workbook is empty: no sheet has any data"


def test_csv_named_xlsx_rejected(tmp_path):
    path = write_csv(landing(tmp_path, "v1.xlsx"), form_rows([data_row()]))
    with pytest.raises(InputFileError) as error:
        read_input(path, "registry")
    assert str(error.value) == ("registry/2019-03/v1.xlsx: not an Excel workbook although named .xlsx: the "
                                "file is plain text (perhaps a CSV); deliver it as .csv or save it as .xlsx")


def test_html_named_xlsx_rejected(tmp_path):
    path = landing(tmp_path, "v1.xlsx")
    path.write_text("<html><body><table><tr><td>ИИН</td></tr></table></body></html>", encoding="utf-8")
    with pytest.raises(InputFileError, match="the file is an HTML page"):
        read_input(path, "registry")


def test_corrupt_xlsx_rejected(tmp_path):
    good = write_xlsx(landing(tmp_path, "good.xlsx"), form_rows([data_row()]))
    path = landing(tmp_path, "v1.xlsx")
    path.write_bytes(good.read_bytes()[:2000])  # cut short: a broken zip
    with pytest.raises(InputFileError) as error:
        read_input(path, "registry")
    assert str(error.value).startswith(
        "registry/2019-03/v1.xlsx: the workbook is damaged and cannot be opened (")


def test_zip_that_is_not_a_workbook_rejected(tmp_path):
    path = landing(tmp_path, "v1.xlsx")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    with pytest.raises(InputFileError, match="the workbook is damaged and cannot be opened"):
        read_input(path, "registry")


def test_password_protected_xlsx_rejected(tmp_path):
    # Excel encrypts a protected .xlsx into an OLE compound file holding an
    # "EncryptedPackage" stream; the reader recognises that container before parsing.
    path = landing(tmp_path, "v1.xlsx")
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptedPackage".encode("utf-16-le")
                     + bytes(1024))
    with pytest.raises(InputFileError) as error:
        read_input(path, "registry")
    assert str(error.value) == ("registry/2019-03/v1.xlsx: the workbook is password-protected (encrypted); "
                                "deliver it without a password")


def test_legacy_xls_named_xlsx_rejected(tmp_path):
    path = landing(tmp_path, "v1.xlsx")
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2048))
    with pytest.raises(InputFileError, match=r"legacy Excel 97-2003 \(\.xls\) workbook named \.xlsx"):
        read_input(path, "registry")


def test_unsupported_file_type_rejected(tmp_path):
    path = landing(tmp_path, "v1.pdf")
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(InputFileError, match=r"^registry/2019-03/v1.pdf: unsupported file type '.pdf'"):
        read_input(path, "registry")


# ----------------------------------------------------------------------------- csv


def test_csv_cp1251(tmp_path):
    path = write_csv(landing(tmp_path, "v1.csv"), form_rows([data_row(1), data_row(2)]), encoding="cp1251")
    result = read_input(path, "registry")
    assert (result.encoding, result.delimiter, result.header_row, result.file_rows) == ("cp1251", ";", 2, 2)
    assert column(result, "client_full_name") == ["Иванова Айгуль Сериковна"] * 2
    assert column(result, "source_row") == [4, 5]


def test_csv_utf8_with_bom(tmp_path):
    path = write_csv(landing(tmp_path, "v1.csv"), form_rows([data_row()]), encoding="utf-8-sig")
    result = read_input(path, "registry")
    assert result.encoding == "utf-8-sig"
    assert column(result, "region") == ["г. Алматы"]  # no BOM glued to the first value


def test_csv_utf8_without_bom(tmp_path):
    path = write_csv(landing(tmp_path, "v1.csv"), form_rows([data_row()]))
    result = read_input(path, "registry")
    assert (result.encoding, column(result, "manager_full_name")) == ("utf-8", ["Петров Пётр"])


def test_csv_semicolon_delimited(tmp_path):
    path = write_csv(landing(tmp_path, "v1.csv"), form_rows([data_row()]), delimiter=";")
    assert read_input(path, "registry").delimiter == ";"


def test_csv_comma_delimited_with_quoted_commas(tmp_path):
    # The form's own titles contain commas («Фамилия, имя и отчество …»): they come quoted.
    path = write_csv(landing(tmp_path, "v1.csv"), form_rows([data_row()]), delimiter=",")
    result = read_input(path, "registry")
    assert result.delimiter == ","
    assert column(result, "client_full_name") == ["Иванова Айгуль Сериковна"]


def test_csv_tab_delimited(tmp_path):
    path = write_csv(landing(tmp_path, "v1.txt"), form_rows([data_row()]), delimiter="\t")
    result = read_input(path, "registry")
    assert (result.delimiter, column(result, "iin_bin")) == ("\t", [IIN])


def test_csv_utf16_as_excel_unicode_text(tmp_path):
    path = write_csv(landing(tmp_path, "v1.txt"), form_rows([data_row()]), encoding="utf-16", delimiter="\t")
    result = read_input(path, "registry")
    assert (result.encoding, column(result, "region")) == ("utf-16", ["г. Алматы"])


def test_csv_quoted_newline_in_a_value(tmp_path):
    first = data_row(1)
    first[3] = "ТОО «Ромашка»\nфилиал №2"
    path = write_csv(landing(tmp_path, "v1.csv"), form_rows([first, data_row(2)]))
    result = read_input(path, "registry")
    assert column(result, "enterprise_name") == ["ТОО «Ромашка»\nфилиал №2", "ТОО «Ромашка 2»"]
    assert column(result, "source_row") == [4, 5]  # a record is one row, as Excel shows it


def test_csv_header_with_line_breaks_as_in_the_printed_form(tmp_path):
    from test_headers import PRINTED_APPENDIX_1

    path = write_csv(landing(tmp_path, "v1.csv"), form_rows([data_row()], list(PRINTED_APPENDIX_1)))
    result = read_input(path, "registry")
    assert (result.header_row, column(result, "source_row"), column(result, "iin_bin")) == (2, [4], [IIN])


def test_csv_iin_leading_zero_preserved(tmp_path):
    rows = [data_row(1, iin="061211600012"), data_row(2, iin="000000000000"), data_row(3, iin="0")]
    path = write_csv(landing(tmp_path, "v1.csv"), form_rows(rows))
    assert column(read_input(path, "registry"), "iin_bin") == ["061211600012", "000000000000", "0"]


def test_csv_every_field_is_text(tmp_path):
    row = data_row()
    row[8], row[17] = "029", "2019-03-01"
    path = write_csv(landing(tmp_path, "v1.csv"), form_rows([row]))
    result = read_input(path, "registry")
    assert (column(result, "age"), column(result, "start_date")) == (["029"], ["2019-03-01"])
    assert all(f.type == pa.string() for f in result.rows.schema if f.name != "source_row")


def test_csv_whitespace_stripped_and_empty_is_null(tmp_path):
    row = data_row()
    row[0], row[1], row[2] = "\u00a0г. Алматы  ", "   ", "\ufeffЦОП"
    path = write_csv(landing(tmp_path, "v1.csv"), form_rows([row]))
    result = read_input(path, "registry")
    assert [column(result, n) for n in ("region", "settlement", "place_of_service", "disability")] == [
        ["г. Алматы"], [None], ["ЦОП"], [None]]


def test_csv_blank_lines_keep_excel_row_numbers(tmp_path):
    path = landing(tmp_path, "v1.csv")
    lines = [";".join(f'"{t}"' for t in TITLES), ";".join(str(v or "") for v in data_row(1)), "",
             ";".join(str(v or "") for v in data_row(2))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = read_input(path, "registry")
    assert column(result, "source_row") == [2, 4]
    assert "1 empty row(s) skipped" in result.notes


def test_csv_ragged_rows_read_exactly(tmp_path):
    path = landing(tmp_path, "v1.csv")
    full = ";".join(str(v or "") for v in data_row(1))
    short = ";".join(str(v or "") for v in data_row(2)[:20])  # last two cells missing
    long = full + ";лишнее"
    lines = [";".join(f'"{t}"' for t in TITLES), full, "  ", short, long]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = read_input(path, "registry")
    assert column(result, "source_row") == [2, 4, 5]
    assert column(result, "email") == ["a@mail.kz", None, "a@mail.kz"]
    assert column(result, "extra_columns") == [None, None, '{"(column W)": "лишнее"}']
    assert "1 row(s) have fewer fields than the header; their missing cells are empty" in result.notes


def test_csv_extra_column_kept(tmp_path):
    titles = TITLES + ["Комментарий оператора"]
    rows = [data_row(1) + ["ок"], data_row(2) + [None]]
    path = write_csv(landing(tmp_path, "v1.csv"), form_rows(rows, titles))
    result = read_input(path, "registry")
    assert result.extra_columns == ["Комментарий оператора"]
    assert column(result, "extra_columns") == ['{"Комментарий оператора": "ок"}', None]


def test_csv_missing_required_column_rejected(tmp_path):
    titles = [t for t in TITLES if t != TITLES[0]]
    path = write_csv(landing(tmp_path, "v1.csv"), form_rows([data_row()[1:]], titles), encoding="cp1251")
    with pytest.raises(InputFileError) as error:
        read_input(path, "registry")
    assert (error.value.row, error.value.column) == (2, TITLES[0])
    assert "required column missing from the header: «Область / город республиканского значения и столицы»" \
        in str(error.value)


def test_csv_duplicated_header_rejected(tmp_path):
    titles = TITLES + ["ИИН ИП/БИН субъектов МСБ"]
    path = write_csv(landing(tmp_path, "v1.csv"), form_rows([data_row() + [IIN]], titles))
    with pytest.raises(InputFileError) as error:
        read_input(path, "registry")
    assert str(error.value) == ("registry/2019-03/v1.csv, row 2, column «ИИН ИП /БИН субъектов МСБ»: "
                                "duplicated header columns: «ИИН ИП /БИН субъектов МСБ» in columns F and W")
    assert IIN not in str(error.value)


def test_csv_header_only_gives_no_rows(tmp_path):
    path = write_csv(landing(tmp_path, "v1.csv"), form_rows([]))
    result = read_input(path, "registry")
    assert (result.file_rows, result.rows.num_rows, result.header_row) == (0, 0, 2)


def test_empty_csv_rejected(tmp_path):
    path = landing(tmp_path, "v1.csv")
    path.write_bytes(b"")
    with pytest.raises(InputFileError, match=r"^registry/2019-03/v1.csv: the file is empty \(0 bytes\)$"):
        read_input(path, "registry")


def test_blank_csv_rejected(tmp_path):
    path = landing(tmp_path, "v1.csv")
    path.write_bytes(b"\xef\xbb\xbf\r\n  \r\n")
    with pytest.raises(InputFileError, match=r"^registry/2019-03/v1.csv: the file is empty: it holds no"):
        read_input(path, "registry")


def test_csv_in_mixed_encodings_rejected(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "HEAD_BYTES", 4096)  # the head decodes as UTF-8, the tail does not
    rows = form_rows([data_row(n) for n in range(40)])
    path = write_csv(landing(tmp_path, "v1.csv"), rows)
    with path.open("ab") as fh:
        fh.write(";".join(str(v or "") for v in data_row(99)).encode("cp1251") + b"\n")
    with pytest.raises(InputFileError, match="the text is not valid utf-8 throughout"):
        read_input(path, "registry")


def test_large_csv_with_one_bad_row_in_the_middle_is_read_whole(tmp_path):
    rows = [data_row(n) for n in range(100_000)]
    rows[50_000][5] = "9001013001"  # a short IIN: a row-level finding for dbt, not a read error
    path = write_csv(landing(tmp_path, "v1.csv"), form_rows(rows))
    result = read_input(path, "registry")
    assert result.file_rows == 100_000
    assert result.rows.column("iin_bin")[50_000].as_py() == "9001013001"
    assert result.rows.column("source_row")[50_000].as_py() == 50_004


# ----------------------------------------------------------------------------- other inputs, warehouse


def test_acts_csv(tmp_path):
    titles = [spec.title_ru for spec in input_columns("acts")]
    rows = [["А-1", "05.03.2019", IIN, "Консультация", "Налоги", "05.03.2019", "ЭЦП"]]
    path = write_csv(landing(tmp_path, "2019-03.csv", "acts"), form_rows(rows, titles, title=False))
    result = read_input(path, "acts")
    assert column(result, "confirmation_method") == ["ЭЦП"]
    assert column(result, "act_number") == ["А-1"]


def test_rows_load_into_the_raw_layer(tmp_path):
    path = write_xlsx(landing(tmp_path, "v1.xlsx"), form_rows([data_row(1), data_row(2)]))
    result = read_input(path, "registry")
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    batch = Batch("registry", "2019-03", 1, "registry/2019-03/v1.xlsx", "0" * 64, None,
                  datetime.fromisoformat("2019-04-01T10:00:00+06:00"))
    assert load_batch(con, batch, result.rows) == 2
    assert con.execute(f"select source_row, iin_bin from {rows_table('registry')} order by 1").fetchall() == [
        (4, IIN), (5, IIN)]


# ----------------------------------------------------------------------------- errors and cells


def test_error_names_file_row_and_column():
    error = InputFileError(Path("/srv/data/landing/registry/2019-03/v1.xlsx"), "bad", row=5,
                           column="ИИН ИП /БИН субъектов МСБ")
    assert str(error) == "registry/2019-03/v1.xlsx, row 5, column «ИИН ИП /БИН субъектов МСБ»: bad"
    assert (error.row, error.column, error.message) == (5, "ИИН ИП /БИН субъектов МСБ", "bad")


def test_error_survives_pickling():
    import pickle

    error = InputFileError(Path("registry/2019-03/v1.csv"), "bad", row=5, column="Пол клиента")
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.row, copy.column) == (str(error), 5, "Пол клиента")


def test_mask_hides_identifiers():
    assert mask("900101300123") == "9001******23"
    assert mask("short") == "*****"


@pytest.mark.parametrize(("value", "text"), [
    (61211600012.0, "61211600012"),
    (0.1 + 0.2, "0.3"),
    (1.5, "1.5"),
    (-0.0, "0"),
    (True, "TRUE"),
    (datetime(2019, 3, 1, 0, 0), "2019-03-01"),
    (date(2019, 2, 28), "2019-02-28"),
    ("  x\u00a0", "x"),
    ("", None),
    (None, None),
])
def test_cell_to_text(value, text):
    assert cell_to_text(value) == text


def test_column_letters():
    letters = ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]
    assert [column_letter(i) for i in (0, 25, 26, 51, 52, 701, 702)] == letters


def test_partly_kazakh_header_names_the_missing_columns_with_a_hint(tmp_path):
    titles = list(TITLES)
    titles[5] = "ЖК ЖСН / ШОБ субъектілерінің БСН"
    path = write_xlsx(landing(tmp_path, "v1.xlsx"), form_rows([data_row()], titles))
    with pytest.raises(InputFileError) as error:
        read_input(path, "registry")
    assert str(error.value) == (
        "registry/2019-03/v1.xlsx, row 2, column «ИИН ИП /БИН субъектов МСБ»: required column missing "
        "from the header: «ИИН ИП /БИН субъектов МСБ» (some header cells appear to be in Kazakh; "
        "the titles are recognised in Russian)")


# ------------------------------------------------------------------- streamed to a file


def spooled_table(result: readers.ReadResult) -> pa.Table:
    with result.rows.open() as reader:
        return reader.read_all()


@pytest.mark.parametrize("ragged", [False, True], ids=["streamed", "restarted-exactly"])
def test_csv_streamed_block_by_block_to_a_file_equals_the_file_read_whole(tmp_path, monkeypatch, ragged):
    # A large CSV goes to the spool block by block (never whole in memory); with small blocks
    # a blank row, and a value under an untitled column, fall in different blocks. A short
    # row near the end sends the file to the exact parser after blocks were written.
    monkeypatch.setattr(readers, "CSV_BLOCK_BYTES", 2048)  # a few rows a block, one block a part
    monkeypatch.setattr(readers, "CSV_PART_BYTES", 1)
    rows = [data_row(n) + [None, None] for n in range(60)]
    rows[20] = [None] * 24
    rows[45][23] = "лишнее"
    if ragged:
        rows[55] = data_row(55)[:20]
    path = write_csv(landing(tmp_path, "v1.csv"), form_rows(rows))
    whole = read_input(path, "registry")
    streamed = read_input(path, "registry", rows_to=SpoolWriter(tmp_path / "spool"))
    assert spooled_table(streamed).equals(whole.rows)
    assert (streamed.file_rows, streamed.notes, streamed.counts, streamed.extra_columns) == \
        (whole.file_rows, whole.notes, whole.counts, whole.extra_columns)
    assert streamed.file_rows == 59
    table = spooled_table(streamed)
    untitled = [(row, extra) for row, extra in zip(table.column("source_row").to_pylist(),
                                                   table.column("extra_columns").to_pylist(), strict=True)
                if extra]
    assert untitled == [(49, '{"(column X)": "лишнее"}')]  # title, header, numbers, then data row 45
    assert streamed.extra_columns == ["(column X)"]
    assert list((tmp_path / "spool").iterdir()) == [streamed.rows.path]  # one file, nothing left over
