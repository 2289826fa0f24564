"""Bad inputs, end to end (issue 8): every case is a real landing file ingested by the real
Dagster asset ``landing_files`` into a warehouse that already holds good months.

A rejected file must (a) be named with its row and column where that applies, in
``raw.rejected_files`` and in the failed ``landing_files_accepted`` check, and (b) leave
every raw table exactly as it was (checksums), with the earlier delivery of the same batch
untouched. A file that can be read is loaded with its cells as delivered (raw is text as
read; dbt staging normalises and flags), and what the reader normalised is counted in the
asset metadata.
"""

from __future__ import annotations

import calendar
import json
import zipfile
from datetime import date, datetime

import dagster as dg
import duckdb
import jinja2
import openpyxl
import pytest
import xlsxwriter
from fixtures_bad_inputs import (
    IIN,
    MONTH,
    REGISTRY_V1,
    TITLES,
    TWELVE_DIGITS,
    DataFolder,
    Run,
    acts_rows,
    build_base,
    data_row,
    form_rows,
    questionnaire_rows,
    write_csv,
    write_xlsx,
)
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from orchestration.ingestion import readers
from orchestration.ingestion.headers import match_title, title_key
from orchestration.reference import INPUTS, input_columns
from orchestration.settings import DBT_PROJECT_DIR

KAZAKH_TITLES = ["Облыс / республикалық маңызы бар қала", "Елді мекен", "Қызмет көрсету орны",
                 "Кәсіпорынның атауы", "Клиенттің аты-жөні", "ЖК ЖСН / ШОБ субъектілерінің БСН",
                 "Клиенттің жынысы", "Клиенттің туған күні", "Клиенттің жасы", "Мүгедектігі"]


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> DataFolder:
    return build_base(tmp_path_factory.mktemp("base"))


@pytest.fixture
def folder(base, tmp_path) -> DataFolder:
    return DataFolder.copy_of(base, tmp_path / "data")


def ingest_rejected(folder: DataFolder, source: str = REGISTRY_V1, input_name: str = "registry") -> str:
    """Ingest the month holding one bad file; assert it was rejected and nothing else changed.

    Returns the reason, for the test to check word for word.
    """
    before, rejections_before = folder.snapshot()
    run = folder.ingest(inputs=(input_name,))
    outcome = run.file(input_name)
    assert (outcome["file"], outcome["status"]) == (source, "rejected")
    reason = str(outcome["reason"])
    assert reason.startswith(source)  # the file is always named
    assert not run.check_passed and run.check_rejections == [reason]
    assert run.metadata(input_name)["files_loaded"] == 0
    after, rejections_after = folder.snapshot()
    assert rejections_after == [*rejections_before, (source, reason)]
    assert after == before, "a rejected file changed the raw layer"
    assert TWELVE_DIGITS.search(reason) is None
    return reason


def ingest_loaded(folder: DataFolder, source: str = REGISTRY_V1, input_name: str = "registry",
                  rows: int | None = None) -> dict[str, object]:
    """Ingest the month holding one good-enough file; assert it loaded and other batches kept."""
    version = source.rsplit("/v", 1)[-1].split(".")[0] if input_name == "registry" else "1"
    batch_id = f"{input_name}/{MONTH}/v{version}"
    others = _others(batch_id, input_name)
    before = folder.query(*others)
    run = folder.ingest(inputs=(input_name,))
    outcome = run.file(input_name)
    assert (outcome["file"], outcome["status"]) == (source, "loaded"), outcome
    assert run.check_passed
    if rows is not None:
        assert outcome["rows"] == rows
    batch, after = folder.queries(
        ("select source_file, file_rows from raw.batches where batch_id = ?", [batch_id]), others)
    assert batch == [(source, outcome["rows"])]
    assert after == before, "loading one batch changed another"
    return outcome


def _others(batch_id: str, input_name: str) -> tuple[str, list[object]]:
    return f"select * from raw.{input_name}_rows where batch_id <> ? order by all", [batch_id]


# =============================================================================== files that cannot be read


def test_empty_file(folder):
    folder.path(REGISTRY_V1).write_bytes(b"")
    assert ingest_rejected(folder) == "registry/2019-03/v1.xlsx: the file is empty (0 bytes)"


def test_csv_holding_only_a_bom_and_blank_lines(folder):
    folder.path("registry/2019-03/v1.csv").write_bytes(b"\xef\xbb\xbf\r\n \r\n")
    assert ingest_rejected(folder, "registry/2019-03/v1.csv") == (
        "registry/2019-03/v1.csv: the file is empty: it holds no text")


def test_csv_text_named_xlsx(folder):
    write_csv(folder.path(REGISTRY_V1), form_rows([data_row()]))
    assert ingest_rejected(folder) == (
        "registry/2019-03/v1.xlsx: not an Excel workbook although named .xlsx: the file is plain text "
        "(perhaps a CSV); deliver it as .csv or save it as .xlsx")


def test_html_page_named_xlsx(folder):
    folder.path(REGISTRY_V1).write_text("<!DOCTYPE html><html><table><tr><td>ИИН</td><td>" + IIN
                                        + "</td></tr></table></html>", encoding="utf-8")
    assert ingest_rejected(folder) == (
        "registry/2019-03/v1.xlsx: not an Excel workbook although named .xlsx: the file is an HTML page (web "
        "systems often export 'Excel' this way); save it as .xlsx")


def test_password_protected_xlsx(folder):
    # What Excel writes for "Encrypt with password": an OLE container with an EncryptedPackage stream.
    folder.path(REGISTRY_V1).write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
                                         + "EncryptedPackage".encode("utf-16-le") + bytes(1024))
    assert ingest_rejected(folder) == (
        "registry/2019-03/v1.xlsx: the workbook is password-protected (encrypted); deliver it without a "
        "password")


def test_corrupt_xlsx_cut_short(folder, tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", form_rows([data_row(n) for n in range(50)]))
    folder.path(REGISTRY_V1).write_bytes(good.read_bytes()[:3000])  # an interrupted upload
    reason = ingest_rejected(folder)
    assert reason.startswith("registry/2019-03/v1.xlsx: the workbook is damaged and cannot be opened (")
    assert reason.endswith("); re-export it from the source system")


def test_zip_archive_named_xlsx(folder):
    with zipfile.ZipFile(folder.path(REGISTRY_V1), "w") as archive:
        archive.writestr("реестр.csv", ";".join(TITLES))
    assert ingest_rejected(folder).startswith(
        "registry/2019-03/v1.xlsx: the workbook is damaged and cannot be opened (")


def test_legacy_xls_named_xlsx(folder):
    folder.path(REGISTRY_V1).write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
    assert ingest_rejected(folder) == (
        "registry/2019-03/v1.xlsx: this is a legacy Excel 97-2003 (.xls) workbook named .xlsx; save it as "
        ".xlsx")


def test_csv_changing_encoding_half_way(folder, monkeypatch):
    # The head decodes as UTF-8, a row near the end was appended from a cp1251 system.
    monkeypatch.setattr(readers, "HEAD_BYTES", 4096)
    path = write_csv(folder.path("registry/2019-03/v1.csv"), form_rows([data_row(n) for n in range(40)]))
    with path.open("ab") as fh:
        fh.write(";".join(str(v or "") for v in data_row(99)).encode("cp1251") + b"\n")
    reason = ingest_rejected(folder, "registry/2019-03/v1.csv")
    assert reason.startswith("registry/2019-03/v1.csv")
    assert "the text is not valid utf-8 throughout; save the whole file in one encoding" in reason


# =============================================================================== sheets


def test_several_sheets_the_one_with_the_header_is_read_and_why_is_shown(folder):
    workbook = openpyxl.Workbook()
    workbook.active.title = "Инструкция"
    workbook.active.append(["Заполните лист «Реестр» до 1 числа следующего месяца", "Атамекен"])
    sheet = workbook.create_sheet("Реестр")
    for row in form_rows([data_row(1), data_row(2)]):
        sheet.append(row)
    workbook.create_sheet("Справочники").append(["Регион", "Код КАТО", "г. Алматы", "75"])
    workbook.save(folder.path(REGISTRY_V1))
    outcome = ingest_loaded(folder, rows=2)
    assert outcome["sheet"] == "Реестр"
    assert outcome["notes"][0] == (  # type: ignore[index]
        "sheet 'Реестр' chosen because it holds the form's header; sheets ignored: 'Инструкция' (no header "
        "of the form), 'Справочники' (no header of the form)")


def test_two_sheets_both_holding_the_form_are_refused_not_guessed(folder):
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in (("Март", [data_row(1)]), ("Март (исправленный)", [data_row(2), data_row(3)])):
        sheet = workbook.create_sheet(name)
        for row in form_rows(rows):
            sheet.append(row)
    workbook.save(folder.path(REGISTRY_V1))
    assert ingest_rejected(folder) == (
        "registry/2019-03/v1.xlsx: several sheets carry the form's header ('Март', 'Март (исправленный)'); "
        "deliver one sheet per file or delete the copies")


def test_hidden_old_copy_of_the_sheet_is_ignored(folder):
    workbook = openpyxl.Workbook()
    workbook.active.title = "Реестр"
    for row in form_rows([data_row(1)]):
        workbook.active.append(row)
    hidden = workbook.create_sheet("Февраль")
    for row in form_rows([data_row(2), data_row(3)]):
        hidden.append(row)
    hidden.sheet_state = "hidden"
    workbook.save(folder.path(REGISTRY_V1))
    outcome = ingest_loaded(folder, rows=1)
    assert outcome["sheet"] == "Реестр"
    assert "'Февраль' (hidden copy of the header)" in outcome["notes"][0]  # type: ignore[index]


# =============================================================================== the header


def test_header_missing(folder):
    write_xlsx(folder.path(REGISTRY_V1), [[None] * 3] + [data_row(n) for n in range(5)])
    assert ingest_rejected(folder) == (
        "registry/2019-03/v1.xlsx: no header row found: none of the first 30 rows carries at least 9 of the "
        "form's 24 column titles (the best, row 2, matches 0)")


def test_header_duplicated_column(folder):
    titles = [*TITLES, "ИИН ИП/БИН субъектов МСБ"]  # the same title, spaced differently
    write_xlsx(folder.path(REGISTRY_V1), form_rows([data_row() + [IIN]], titles))
    assert ingest_rejected(folder) == (
        "registry/2019-03/v1.xlsx, row 2, column «ИИН ИП /БИН субъектов МСБ»: duplicated header columns: "
        "«ИИН ИП /БИН субъектов МСБ» in columns F and W")


def test_header_misspelt_slightly_is_accepted_and_the_reading_is_shown(folder):
    titles = list(TITLES)
    titles[14] = "Наименование специализированой услуги"  # one letter short
    titles[12] = "ОТРАСЛЬ по ОКЭД предприятия  клиента*"  # case, spaces, a required-field star
    write_xlsx(folder.path(REGISTRY_V1), form_rows([data_row()], titles))
    outcome = ingest_loaded(folder, rows=1)
    assert outcome["counts"] == {"rows_above_header": 1, "number_row": 1, "titles_matched_fuzzily": 1}
    assert ("column «Наименование специализированой услуги» read as «Наименование специализированной услуги» "
            "(1 edit(s) apart)") in outcome["notes"]  # type: ignore[operator]
    assert folder.raw("service") == ["Консультация"]


def test_header_misspelt_beyond_tolerance_is_rejected_naming_the_column(folder):
    titles = list(TITLES)
    titles[14] = "Наим. спец. услуги"  # an abbreviation is not guessed
    write_xlsx(folder.path(REGISTRY_V1), form_rows([data_row()], titles))
    assert ingest_rejected(folder) == (
        "registry/2019-03/v1.xlsx, row 2, column «Наименование специализированной услуги»: required column "
        "missing from the header: «Наименование специализированной услуги»")


def test_header_in_kazakh(folder):
    write_xlsx(folder.path(REGISTRY_V1), form_rows([data_row()[:10]], KAZAKH_TITLES))
    assert ingest_rejected(folder) == (
        "registry/2019-03/v1.xlsx, row 2: the header appears to be in Kazakh; the form's columns are "
        "recognised by their Russian titles (Appendix 1 of the methodology): deliver the file with the "
        "Russian header")


def test_merged_header_cells_over_two_rows_and_a_group_title(folder):
    # A printed-form layout: row 1 a group title merged across columns, each column title merged
    # over rows 2-3, then the row of column numbers, then data from row 5.
    path = folder.path(REGISTRY_V1)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["D1"] = "Сведения о клиенте"
    sheet.merge_cells("D1:J1")
    for col, title in enumerate(TITLES, start=1):
        sheet.cell(2, col, title)
        sheet.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
        sheet.cell(4, col, col)
    for offset, n in enumerate(range(2)):
        for col, value in enumerate(data_row(n), start=1):
            sheet.cell(5 + offset, col, value)
    workbook.save(path)
    outcome = ingest_loaded(folder, rows=2)
    assert outcome["header_row"] == 2
    assert folder.raw("source_row") == [5, 6]
    assert folder.raw("enterprise_name") == ["ТОО «Ромашка 0»", "ТОО «Ромашка 1»"]


def test_merged_data_cells_are_filled_and_counted(folder):
    path = write_xlsx(folder.path(REGISTRY_V1), form_rows([data_row(n) for n in range(4)]))
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    for cell in ("A5", "A6", "A7", "B5"):
        sheet[cell] = None
    sheet.merge_cells("A4:A7")  # one region over four rows
    sheet.merge_cells("B4:B5")
    workbook.save(path)
    outcome = ingest_loaded(folder, rows=4)
    assert outcome["counts"]["merged_cells_filled"] == 4  # type: ignore[index]
    assert folder.raw("region") == ["г. Алматы"] * 4
    assert folder.raw("settlement") == ["Алматы"] * 4


def test_required_column_missing(folder):
    titles = [t for t in TITLES if t != "Пол клиента"]
    write_xlsx(folder.path(REGISTRY_V1), form_rows([data_row()[:6] + data_row()[7:]], titles))
    assert ingest_rejected(folder) == (
        "registry/2019-03/v1.xlsx, row 2, column «Пол клиента»: required column missing from the header: "
        "«Пол клиента»")


def test_extra_columns_are_kept_and_named_in_the_metadata(folder):
    titles = [*TITLES, "Примечание", "Исполнитель услуги", None, "Дата выгрузки"]
    rows = [data_row(1) + ["перезвонить", "Атамекен", None, "01.04.2019"],
            data_row(2) + [None, None, "без заголовка", "01.04.2019"]]
    write_xlsx(folder.path(REGISTRY_V1), form_rows(rows, titles))
    outcome = ingest_loaded(folder, rows=2)
    assert outcome["extra_columns"] == ["Примечание", "Дата выгрузки", "(column Y)"]
    assert outcome["counts"]["extra_columns"] == 3  # type: ignore[index]
    assert [json.loads(v) for v in folder.raw("extra_columns")] == [
        {"Примечание": "перезвонить", "Дата выгрузки": "01.04.2019"},
        {"Дата выгрузки": "01.04.2019", "(column Y)": "без заголовка"}]
    assert folder.raw("provider") == ["Атамекен", None]  # an optional column of the form, recognised


# =============================================================================== csv


def test_csv_in_cp1251_is_loaded(folder):
    rows = form_rows([data_row(1), data_row(2)])
    write_csv(folder.path("registry/2019-03/v1.csv"), rows, encoding="cp1251")
    outcome = ingest_loaded(folder, "registry/2019-03/v1.csv", rows=2)
    assert (outcome["encoding"], outcome["delimiter"], outcome["sheet"]) == ("cp1251", ";", None)
    assert folder.raw("client_full_name") == ["Иванова Айгуль Сериковна"] * 2
    assert folder.raw("manager_full_name") == ["Петров Пётр"] * 2  # ё survives the round trip


def test_csv_in_utf8_with_bom_is_loaded(folder):
    rows = form_rows([data_row(1)], title=False)
    write_csv(folder.path("registry/2019-03/v1.csv"), rows, encoding="utf-8-sig")
    outcome = ingest_loaded(folder, "registry/2019-03/v1.csv", rows=1)
    assert (outcome["encoding"], outcome["header_row"]) == ("utf-8-sig", 1)
    assert folder.raw("region") == ["г. Алматы"]  # no BOM glued to the first header or value


@pytest.mark.parametrize("delimiter", [";", ","])
def test_csv_delimiter(folder, delimiter):
    # The form's own titles hold commas («Фамилия, имя и отчество …»): a ','-file quotes them.
    rows = form_rows([data_row(1), data_row(2)])
    write_csv(folder.path("registry/2019-03/v1.csv"), rows, delimiter=delimiter)
    outcome = ingest_loaded(folder, "registry/2019-03/v1.csv", rows=2)
    assert outcome["delimiter"] == delimiter
    assert outcome["notes"][0] == f"read as utf-8 text delimited by '{delimiter}'"  # type: ignore[index]
    assert folder.raw("client_full_name") == ["Иванова Айгуль Сериковна"] * 2


def test_csv_quoted_newlines_keep_one_record_per_row(folder):
    first, second = data_row(1), data_row(2)
    first[3] = "ТОО «Ромашка»\nфилиал №2"
    second[15] = "Налоги;\r\nбухгалтерия"
    write_csv(folder.path("registry/2019-03/v1.csv"), form_rows([first, second, data_row(3)]))
    ingest_loaded(folder, "registry/2019-03/v1.csv", rows=3)
    assert folder.raw("source_row") == [4, 5, 6]
    assert folder.raw("enterprise_name")[0] == "ТОО «Ромашка»\nфилиал №2"
    assert folder.raw("service_subtype")[1] == "Налоги;\r\nбухгалтерия"


def test_100k_row_csv_with_one_ragged_row_in_the_middle_is_loaded_and_the_row_named(folder):
    # The reader's contract: a short record is padded (Excel shows its last cells empty), nothing is
    # dropped, and the note names the row; dbt then flags the row's empty required cells.
    path = folder.path("registry/2019-03/v1.csv")
    row = ";".join(str(v or "") for v in data_row(7))
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(";".join(f'"{t}"' for t in TITLES) + "\n")
        for n in range(100_000):
            fh.write((";".join(str(v or "") for v in data_row(n)[:15]) if n == 50_000 else row) + "\n")
    outcome = ingest_loaded(folder, "registry/2019-03/v1.csv", rows=100_000)
    assert outcome["counts"] == {"short_rows_padded": 1}
    assert outcome["notes"][1:3] == [  # type: ignore[index]
        "1 row(s) have fewer fields than the header; their missing cells are empty",
        "rows with fewer fields than the header: 50002"]
    assert folder.query("select service, service_subtype, end_date from raw.registry_rows "
                        "where batch_id = 'registry/2019-03/v1' and source_row = 50002") == [
        ("Консультация", None, None)]
    assert folder.query("select count(*), min(source_row), max(source_row) from raw.registry_rows "
                        "where batch_id = 'registry/2019-03/v1'") == [(100_000, 2, 100_001)]


# ============================================================================ values: raw as read, dbt judges


def test_iin_as_an_excel_number_loses_its_leading_zero_and_is_kept_as_digits(folder):
    # Excel turns 061211600012 into the number 61211600012; raw keeps the digits as stored (no
    # '.0'), dbt restores the zero and counts it (rule in validation_rules.csv).
    write_xlsx(folder.path(REGISTRY_V1), form_rows([data_row(1, iin=61211600012), data_row(2, iin=IIN),
                                                    data_row(3, iin=940140000385)]))
    ingest_loaded(folder, rows=3)
    assert folder.raw("iin_bin") == ["61211600012", IIN, "940140000385"]


def test_iin_with_spaces_or_11_or_13_digits_is_loaded_as_delivered(folder):
    iins = ["0612 1160 0012", "06121160001", "0612116000123", " 061211600012 ", "06121160OO12"]
    rows = form_rows([data_row(n, iin=v) for n, v in enumerate(iins)])
    write_csv(folder.path("registry/2019-03/v1.csv"), rows)
    ingest_loaded(folder, "registry/2019-03/v1.csv", rows=5)
    # Only the outer padding is format, not value; the rest is dbt's to flag, never guessed here.
    assert folder.raw("iin_bin") == ["0612 1160 0012", "06121160001", "0612116000123", IIN, "06121160OO12"]


def test_dates_as_excel_date_cells_and_as_bare_serial_numbers(folder):
    row_a, row_b = data_row(1), data_row(2)
    row_a[7], row_a[17], row_a[18] = date(2006, 12, 11), datetime(2019, 3, 1), datetime(2019, 3, 5, 14, 30)
    row_b[17], row_b[18] = 43525, 43529.0  # serials in a General-formatted cell: 01.03.2019, 05.03.2019
    write_xlsx(folder.path(REGISTRY_V1), form_rows([row_a, row_b]))
    ingest_loaded(folder, rows=2)
    assert folder.raw("birth_date") == ["2006-12-11", "11.12.2006"]
    assert folder.raw("start_date") == ["2019-03-01", "43525"]
    assert folder.raw("end_date") == ["2019-03-05 14:30:00", "43529"]


def test_dates_as_text_in_three_formats_impossible_and_far_away_are_kept_as_text(folder):
    texts = ["01.03.2019", "2019-03-01", "01/03/2019", "31.02.2019", "01.01.1900", "01.03.2099"]
    rows = []
    for n, text in enumerate(texts):
        row = data_row(n)
        row[17] = text
        rows.append(row)
    write_xlsx(folder.path(REGISTRY_V1), form_rows(rows))
    ingest_loaded(folder, rows=len(texts))
    assert folder.raw("start_date") == texts  # typed and flagged by dbt (parse_date_text), never here


def test_gender_spelt_six_ways_is_kept_as_delivered(folder):
    spellings = ["М", "м", "муж.", "мужской", "Ер", "male"]
    rows = []
    for n, gender in enumerate(spellings):
        row = data_row(n)
        row[6] = gender
        rows.append(row)
    write_csv(folder.path("registry/2019-03/v1.csv"), form_rows(rows), encoding="cp1251", delimiter=",")
    ingest_loaded(folder, "registry/2019-03/v1.csv", rows=6)
    assert folder.raw("gender") == spellings


def test_region_spellings_and_latin_homoglyphs_are_kept_as_delivered(folder):
    spellings = ["г. Алматы", "Алматы", "Almaty", "г. Aлмaты", "г.Алматы ", "АЛМАТЫ Г."]  # 4th: Latin A, a
    rows = []
    for n, region in enumerate(spellings):
        row = data_row(n)
        row[0] = region
        rows.append(row)
    write_xlsx(folder.path(REGISTRY_V1), form_rows(rows))
    ingest_loaded(folder, rows=6)
    raw = folder.raw("region")
    assert raw == [s.strip() for s in spellings]
    assert raw[3] != "г. Алматы" and "A" in raw[3]  # the homoglyph is dbt's to fold, and count


def test_formula_cells_give_their_cached_values(folder):
    path = folder.path(REGISTRY_V1)
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Реестр")
    sheet.write_row(0, 0, TITLES)
    for r in (1, 2):
        sheet.write_row(r, 0, data_row(r))
    sheet.write_formula(1, 8, "=2019-2006-1", None, 12)
    sheet.write_formula(1, 0, '=TRIM(" г. Алматы ")', None, "г. Алматы")
    sheet.write_formula(2, 5, '=TEXT(61211600012,"000000000000")', None, IIN)
    sheet.write_formula(2, 6, "=1/0", None, "#DIV/0!")
    workbook.close()
    ingest_loaded(folder, rows=2)
    assert folder.raw("age") == ["12", "12"]
    assert folder.raw("region") == ["г. Алматы", "г. Алматы"]
    assert folder.raw("iin_bin") == [IIN, IIN]
    # An error value reaches raw as an empty cell (python-calamine gives errors no value), so
    # dbt flags it as a missing required value: flagged, not guessed.
    assert folder.raw("gender") == ["ж", None]


# =============================================================================== other inputs


def test_questionnaire_score_outside_the_form_rejects_the_file_naming_row_and_column(folder):
    rows = questionnaire_rows()
    rows[2][8] = "7"
    write_csv(folder.path("questionnaires/2019-03.csv"), rows)
    assert ingest_rejected(folder, "questionnaires/2019-03.csv", "questionnaires") == (
        "questionnaires/2019-03.csv, row 3, column «Степень полезности полученной консультации»: contract "
        "failure: not a score 1-5: '7'")


def test_rejection_of_a_file_full_of_iins_shows_none_of_them(folder):
    # Columns shifted by one: the IINs land under «Способ подтверждения», whose values a contract
    # failure would normally quote. None of them may reach the reason, the check or the log.
    rows = acts_rows(30)
    iins = [f"{900101300100 + n:012d}" for n in range(30)]
    for row, iin in zip(rows[1:], iins, strict=True):
        row[2], row[6] = iin, iin
    write_xlsx(folder.path("acts/2019-03.xlsx"), rows)
    run = folder.ingest(inputs=("acts",))
    reason = str(run.file("acts")["reason"])
    assert reason.startswith("acts/2019-03.xlsx: 30 contract failures: row 2, column «Способ подтверждения»: "
                             "not one of: ")
    assert reason.count(": (hidden: personal data)") == 20 and reason.endswith("; … and 10 more")
    assert TWELVE_DIGITS.search(reason) is None
    stored = folder.query("select count(*) from raw.rejected_files where regexp_matches(reason, '\\d{12}')")
    assert stored == [(0,)]
    text = run.all_metadata_text()
    assert not any(iin in text for iin in iins)


# =============================================================================== deliveries


def test_the_same_file_delivered_twice_is_loaded_once_and_keeps_its_first_receipt(folder):
    write_xlsx(folder.path("registry/2019-03/v2.xlsx"), form_rows([data_row(n) for n in range(4)]))
    ingest_loaded(folder, "registry/2019-03/v2.xlsx", rows=4)
    receipt = "select received_at, loaded_at from raw.batches where batch_id = 'registry/2019-03/v2'"
    first = folder.query(receipt)
    before = folder.checksums()
    rows_before = folder.query("select * exclude (received_at) from raw.registry_rows order by all")
    folder.path("registry/2019-03/v2.xlsx").touch()  # delivered again: same bytes, new mtime
    run = folder.ingest()
    assert run.file()["rows"] == 4 and run.check_passed
    assert folder.query("select * exclude (received_at) from raw.registry_rows order by all") == rows_before
    again = folder.query(receipt)
    assert again[0][0] == first[0][0]  # received_at: the first delivery
    assert again[0][1] > first[0][1]  # loaded again, replacing the batch exactly
    changed = {name for name, digest in folder.checksums().items() if before[name] != digest}
    assert changed <= {"batches"}  # only loaded_at moved


def test_corrected_v2_arriving_before_v1_was_processed_keeps_both(base, tmp_path):
    folder = DataFolder(tmp_path / "fresh")  # no earlier delivery of the month
    write_xlsx(folder.path("registry/2019-03/v2.xlsx"), form_rows([data_row(n) for n in range(3)]))
    (folder.path("registry/2019-03/v2.meta.json")).write_text('{"submitted_at": "2019-04-05T10:00:00+06:00"}')
    run = folder.ingest()
    assert [f["file"] for f in run.files()] == ["registry/2019-03/v2.xlsx"]
    v2_before = folder.query("select * from raw.registry_rows where version = 2 order by all")
    write_xlsx(folder.path("registry/2019-03/v1.xlsx"), form_rows([data_row(n) for n in range(5)]))
    (folder.path("registry/2019-03/v1.meta.json")).write_text('{"submitted_at": "2019-04-01T18:00:00+06:00"}')
    run = folder.ingest()
    assert [(f["file"], f["rows"]) for f in run.files()] == [("registry/2019-03/v1.xlsx", 5),
                                                            ("registry/2019-03/v2.xlsx", 3)]
    assert folder.query("select batch_id, file_rows, submitted_at_source from raw.batches order by 1") == [
        ("registry/2019-03/v1", 5, "sidecar"), ("registry/2019-03/v2", 3, "sidecar")]
    assert folder.query("select * from raw.registry_rows where version = 2 order by all") == v2_before


def test_a_file_deleted_from_landing_after_ingestion_keeps_its_batch(folder):
    write_xlsx(folder.path("registry/2019-03/v2.xlsx"), form_rows([data_row(n) for n in range(2)]))
    ingest_loaded(folder, "registry/2019-03/v2.xlsx", rows=2)
    before = folder.checksums(except_rejections=False)
    folder.path("registry/2019-03/v2.xlsx").unlink()
    run = folder.ingest()
    assert run.files() == [] and run.check_passed
    assert run.metadata()["files_loaded"] == 0
    assert folder.checksums(except_rejections=False) == before  # history is never lost
    assert [b[0] for b in folder.batches()] == ["acts/2019-03/v1", "questionnaires/2019-03/v1",
                                                "registry/2019-02/v1", "registry/2019-03/v1",
                                                "registry/2019-03/v2"]


def test_a_month_outside_the_programme_is_never_loaded_and_is_recorded_once(folder):
    from orchestration.defs.resources import MonitoringSettings
    from orchestration.defs.sensors import landing_files_sensor, monitoring_partition_keys

    write_xlsx(folder.path("registry/2017-05/v1.xlsx"), form_rows([data_row()]))
    # The sensor launches the latest month's ingestion, which records it ...
    context = dg.build_sensor_context(resources={"monitoring": MonitoringSettings(data_dir=str(folder.root))})
    (request,) = landing_files_sensor(context)
    assert request.partition_key == monitoring_partition_keys()[-1]
    # ... Dagster refuses the partition if asked directly ...
    before = folder.checksums()
    with pytest.raises(dg.DagsterUnknownPartitionError, match="2017-05"):
        folder.ingest("2017-05")
    # ... and the next ingestion of any month records the stray file as rejected, once.
    reason = ingest_rejected(folder, "registry/2017-05/v1.xlsx")
    assert reason == (
        "registry/2017-05/v1.xlsx: месяц 2017-05 раньше первого отчётного месяца программы 2019-01; файл не "
        "загружен — положите его в папку месяца, о котором он отчитывается")
    again = folder.ingest()
    assert again.check_passed and again.files() == []
    assert len(folder.rejections()) == 1 and folder.checksums() == before


def test_a_folder_name_that_is_no_month_is_recorded_as_rejected(folder):
    write_xlsx(folder.path("registry/2019-13/v1.xlsx"), form_rows([data_row()]))
    assert ingest_rejected(folder, "registry/2019-13/v1.xlsx") == (
        "registry/2019-13/v1.xlsx: папка «2019-13» не названа отчётным месяцем в виде ГГГГ-ММ (например, "
        "2019-05); файл не загружен")


def test_a_bad_redelivery_leaves_the_good_batch_of_the_same_version(folder, base):
    # The base holds a good registry 2019-03 v1; the operator re-sends v1, broken.
    batch = "select * from raw.registry_rows where batch_id = 'registry/2019-03/v1' order by all"
    expected = base.query(batch)
    write_xlsx(folder.path(REGISTRY_V1), form_rows([data_row()], [t.upper()[:5] for t in TITLES]))
    ingest_rejected(folder)
    assert folder.query(batch) == expected
    assert len(expected) == 3


def test_the_ingest_job_of_the_definitions_rejects_and_loads_in_one_run(folder):
    # The job the sensor launches, not only the asset: one bad and one good file in one month.
    from orchestration.defs.definitions import defs

    write_csv(folder.path(REGISTRY_V1), form_rows([data_row()]))  # a CSV named .xlsx
    write_xlsx(folder.path("acts/2019-03.xlsx"), acts_rows(5))
    before_registry = folder.query("select * from raw.registry_rows order by all")
    job = defs.resolve_job_def("ingest_landing_files")
    result = job.execute_in_process(partition_key=MONTH, resources=folder.resources())
    run = Run(result)
    assert result.success and not run.check_passed
    assert run.file("acts")["status"] == "loaded" and run.file("registry")["status"] == "rejected"
    assert folder.query("select count(*) from raw.acts_rows where batch_id = 'acts/2019-03/v1'") == [(5,)]
    assert folder.query("select * from raw.registry_rows order by all") == before_registry


# =============================================================================== properties (hypothesis)
#
# The header matcher decides which column a value lands in, and the date macro decides which
# dates dbt flags: both are checked over generated inputs, not only the cases above.

HOMOGLYPHS = {"а": "a", "с": "c", "е": "e", "о": "o", "р": "p", "х": "x", "у": "y", "к": "k", "м": "m",
              "т": "t", "в": "b", "н": "h", "А": "A", "С": "C", "Е": "E", "О": "O", "Р": "P", "Х": "X",
              "К": "K", "М": "M", "Т": "T", "В": "B", "Н": "H"}
FORM_TITLES = [(name, spec) for name in INPUTS for spec in input_columns(name)]
REQUIRED = {name: {spec.name for spec in input_columns(name) if spec.required} for name in INPUTS}


@st.composite
def title_with_homoglyphs(draw):
    """A form title as a keyboard-switching operator types it: Latin look-alikes, any case."""
    input_name, spec = draw(st.sampled_from(FORM_TITLES))
    chars = []
    for char in spec.title_ru:
        if char in HOMOGLYPHS and draw(st.booleans()):
            char = HOMOGLYPHS[char]
        chars.append(char.upper() if draw(st.integers(0, 3)) == 0 else char)
    return input_name, spec.name, "".join(chars)


@settings(max_examples=300, deadline=None)
@given(title_with_homoglyphs())
def test_titles_typed_with_latin_look_alikes_still_match_their_column(case):
    input_name, name, text = case
    found = match_title(text, input_name)
    assert found is not None and (found.name, found.distance) == (name, 0)


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(INPUTS), st.text(alphabet=st.sampled_from(
    list("абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі") + list("abcdefxyz0123456789 -/.,*()№")), max_size=60))
def test_random_text_never_matches_a_required_column(input_name, text):
    # a text that *is* a title is not random: the phone survey's «№ п/п» is «пп» once folded
    assume(title_key(text) not in {title_key(spec.title_ru) for spec in input_columns(input_name)})
    found = match_title(text, input_name)
    assert found is None or found.name not in REQUIRED[input_name]


def test_another_forms_titles_never_match_a_required_column():
    # The titles an operator might paste from the wrong form (e.g. an acts header in a registry).
    for input_name in INPUTS:
        own = {title_key(spec.title_ru) for spec in input_columns(input_name)}
        for _, spec in FORM_TITLES:
            if title_key(spec.title_ru) in own:
                continue
            found = match_title(spec.title_ru, input_name)
            assert found is None or found.name not in REQUIRED[input_name], (input_name, spec.title_ru, found)


PARSE_DATE_MACRO = DBT_PROJECT_DIR / "macros" / "parse_date_text.sql"


@pytest.fixture(scope="module")
def parse_date():
    """dbt's ``parse_date_text`` macro, rendered from its file and run by DuckDB (not re-implemented)."""
    assert PARSE_DATE_MACRO.exists(), "staging parses dates with this macro; the tests below need it"
    sql = jinja2.Environment().from_string(
        PARSE_DATE_MACRO.read_text(encoding="utf-8") + "{{ parse_date_text('value') }}").render().strip()
    con = duckdb.connect()

    def run(text: str | None) -> date | None:
        return con.execute(f"select {sql} from (select ?::varchar as value)", [text]).fetchall()[0][0]

    yield run
    con.close()


@pytest.mark.parametrize(("text", "expected"), [
    ("43525", date(2019, 3, 1)), ("43525.75", date(2019, 3, 1)), ("1", date(1900, 1, 1)),
    ("59", date(1900, 2, 28)), ("60", None), ("61", date(1900, 3, 1)), ("31.02.2019", None),
    ("2019-03-05 14:30:00", date(2019, 3, 5)), (" 01.03.2019 ", date(2019, 3, 1)), ("", None), (None, None),
    ("вчера", None), ("0", None), ("-5", None)])
def test_date_macro_known_values(parse_date, text, expected):
    assert parse_date(text) == expected


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)),
       st.sampled_from(["{d:02d}.{m:02d}.{y:04d}", "{y:04d}-{m:02d}-{d:02d}", "{d:02d}/{m:02d}/{y:04d}",
                        "{d:02d}-{m:02d}-{y:04d}", "{y:04d}-{m:02d}-{d:02d} 00:00:00"]))
def test_date_macro_reads_every_real_date_in_every_text_format(parse_date, day, pattern):
    assert parse_date(pattern.format(d=day.day, m=day.month, y=day.year)) == day


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(1900, 3, 1), max_value=date(9999, 12, 31)))
def test_date_macro_reads_excel_serials(parse_date, day):
    serial = (day - date(1899, 12, 30)).days  # Excel's 1900 date system after its phantom 29.02.1900
    assert parse_date(str(serial)) == day
    assert parse_date(f"{serial}.5") == day  # a time of day does not move the date


@st.composite
def impossible_day(draw) -> tuple[int, int, int]:
    """A day past the end of its month (31.02, 31.04, 29.02 of a common year, 32.01 …)."""
    year, month = draw(st.integers(1900, 2100)), draw(st.integers(1, 12))
    return year, month, draw(st.integers(calendar.monthrange(year, month)[1] + 1, 32))


@settings(max_examples=200, deadline=None)
@given(impossible_day())
def test_date_macro_never_guesses_an_impossible_date(parse_date, case):
    year, month, day = case
    texts = [f"{day:02d}.{month:02d}.{year}", f"{year}-{month:02d}-{day:02d}",
             f"{day:02d}/{month:02d}/{year}"]
    assert [parse_date(text) for text in texts] == [None, None, None]
