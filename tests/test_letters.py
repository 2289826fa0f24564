"""Notification letters (R6, R7, clauses 8-11): content read back from the .docx and .xlsx, permissions,
idempotent re-runs, and no personal data outside the letter files."""

import json
import stat
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource
from docx import Document
from docx.shared import Mm
from python_calamine import CalamineWorkbook
from registry_fixture import GOOD_ROW, acts_rows, build_models, dbt, input_table, load_registry, load_rows, service_day

from orchestration.defs.assets.letters import notification_letters
from orchestration.defs.resources import MonitoringSettings
from orchestration.outputs.letters import ErrorRow, Letter, LetterSettings, produce_letters, write_letter
from orchestration.reference import seed_rows
from orchestration.rules.calendar import kazakhstan_calendar
from orchestration.rules.timeliness import correction_due_for, letter_date, write_registry_deadlines
from orchestration.runtime.processes import forked_workers

ALMATY = ZoneInfo("Asia/Almaty")
CAL = kazakhstan_calendar(2019, 2020)
RECEIVED = datetime(2019, 5, 1, 9, tzinfo=ALMATY)  # April's registry, on Unity Day (a holiday)
# By hand from the real calendar: the letter is due the next working day (Thursday 2 May);
# 3 working days from it are 3 May, Saturday 4 May (worked in 2019 for 10 May) and 6 May.
LETTER_DATE = date(2019, 5, 2)
CORRECTION_DATE = date(2019, 5, 6)
PRODUCED_LATE = datetime(2026, 1, 15, 10, tzinfo=ALMATY)
# valid BINs of two other clients (check digits by hand: 4 and 4)
OTHER_BIN, THIRD_BIN = "100440000024", "100440000034"
# Rows 4..10 of the operator's file: 5 and 7 have a wrong check digit, 6 an unknown region,
# 8 a malformed e-mail (a warning: not in the letter); the acts confirm rows 4-6 and nothing else
# (clause 11): row 8's client has acts for its service on other days, row 9's client (another) an
# act on its day for another service, row 10's client (a third) no act at all.
ROWS = [{}, {"iin_bin": "100440000015"}, {"region": "Марс"}, {"iin_bin": "940140000386"}, {"email": "anna@"},
        {"iin_bin": OTHER_BIN}, {"iin_bin": THIRD_BIN}]
PERSONAL_VALUES = ("100440000015", "940140000386", OTHER_BIN, THIRD_BIN)
RULE_TITLES = {row["rule_id"]: row["title_ru"] for row in seed_rows("validation_rules")}
# what the appendix must list, by hand: row, column, value (an IIN masked: 4 first, 2 last digits), reason
IIN_COLUMN = "ИИН ИП /БИН субъектов МСБ"
# (rows 5 and 7: no act for a client with that identifier either — both reasons are told)
NO_ACT = ("—", "—", "Услуга не подтверждена актом")
EXPECTED_ROWS = [
    ("5", IIN_COLUMN, "1004******15", "Неверный контрольный разряд ИИН/БИН"), ("5", *NO_ACT),
    ("6", "Область / город республиканского значения и столицы", "Марс", "Неизвестная область / город"),
    ("7", IIN_COLUMN, "9401******86", "Неверный контрольный разряд ИИН/БИН"), ("7", *NO_ACT),
    ("8", "Дата завершения / окончания услуги", "2019-04-05", "Дата услуги не совпадает с датой в акте"),
    ("9", "Наименование специализированной услуги", GOOD_ROW["service"], "Перечень услуг не совпадает с актом"),
    ("10", *NO_ACT),
]


def april_acts():
    """Acts for rows 4-6, and one on row 9's day for another service of its client."""
    confirmed = acts_rows("2019-04", [0, 1, 2]).to_pylist()
    other_service = {**confirmed[0], "act_number": "2019-04-y", "iin_bin": OTHER_BIN,
                     "service_date": service_day("2019-04", 5),
                     "act_date": service_day("2019-04", 5), "service": "Юридические услуги",
                     "service_subtype": "Консультирование по правовым вопросам"}
    rows = [{k: v for k, v in row.items() if k not in ("source_row", "extra_columns")}
            for row in (*confirmed, other_service)]
    return input_table("acts", rows)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("letters")
    warehouse = data_dir / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        load_registry(con, "2019-04", 1, RECEIVED, ROWS)
        load_registry(con, "2019-04", 2, datetime(2019, 5, 3, 10, tzinfo=ALMATY), [{}, {}])
        load_rows(con, "acts", "2019-04", 1, RECEIVED, april_acts())
        write_registry_deadlines(con, datetime(2019, 6, 1, tzinfo=ALMATY))
    build_models(warehouse, "+int_registry_rule_violations", "+int_registry_services_confirmed",
                 "+int_registry_timeliness")
    with duckdb.connect(str(warehouse)) as con:
        records = produce_letters(con, data_dir / "letters", PRODUCED_LATE)
    return data_dir, warehouse, records


def _text(doc) -> str:
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_hand_computed_deadline_matches_the_calendar():
    assert CAL.next_working_day(RECEIVED.date()) == LETTER_DATE
    assert CAL.add_working_days(LETTER_DATE, 3) == CORRECTION_DATE


def test_one_letter_for_the_version_with_errors(built):
    data_dir, _, records = built
    assert [r["letter_number"] for r in records] == ["Д-2019-04-v1"]
    [record] = records
    assert record["letter_date"] == LETTER_DATE  # produced years later: dated at its due date
    assert record["produced_late"] is True and record["produced_at"] == PRODUCED_LATE
    assert record["correction_due_at"] == datetime.combine(CORRECTION_DATE, time.max, tzinfo=ALMATY)
    assert (record["error_rows"], record["error_count"], record["rule_count"]) == (3, 3, 2)
    assert (record["act_rows"], record["rows_left_out"], record["kind"], record["registry_late"]) == (
        5, 6, "correction", False)
    assert sorted(p.relative_to(data_dir).as_posix() for p in (data_dir / "letters").rglob("*")) == [
        "letters/2019-04", "letters/2019-04/v1", "letters/2019-04/v1/annex.xlsx",
        "letters/2019-04/v1/letter.docx"]


def test_letter_text(built):
    data_dir, _, _ = built
    doc = Document(str(data_dir / "letters/2019-04/v1/letter.docx"))
    text = _text(doc)
    assert "АО «Фонд развития предпринимательства „Даму“»" in text and "»»" not in text
    assert "НПП РК «Атамекен»" in text
    assert "Исх. № Д-2019-04-v1 от 02.05.2019" in text
    assert "Реестру услуг за апрель 2019 года (версия 1)" in text
    # the first paragraph of the body: the registry as delivered, what is wrong by kind, the deadline
    first = next(p.text for p in doc.paragraphs if p.text.startswith("В соответствии с пунктами 8 и 11"))
    assert "Реестре услуг за апрель 2019 года (версия 1, файл «v1.xlsx», поступил 01.05.2019)" in first
    assert "3 строки с ошибками заполнения (3 ошибки)" in first
    assert "5 строк без подтверждения актами оказанных услуг" in first
    assert "всего 6 строк не учитываются при формировании отчета" in first
    assert "Просим не позднее 06.05.2019" in first
    # Russian only: no rule code, no folder of ours, no anonymous signature line
    assert not [code for code in RULE_TITLES if code in text]
    assert "registry/" not in text and "____" not in text
    assert "email" not in text.lower()  # warnings are not errors to correct
    # the appendix: every row left out with its row number in the operator's file and the reason
    *summary, appendix = [[[c.text for c in row.cells] for row in table.rows] for table in doc.tables[1:]]
    assert appendix == [["№ строки", "Графа", "Значение", "Причина"], *map(list, EXPECTED_ROWS)]
    assert summary == [[["Причина", "Строк"], ["Неверный контрольный разряд ИИН/БИН", "2"],
                        ["Неизвестная область / город", "1"], ["Услуга не подтверждена актом", "3"],
                        ["Дата услуги не совпадает с датой в акте", "1"], ["Перечень услуг не совпадает с актом", "1"]]]
    assert not any(value in text for value in PERSONAL_VALUES)


def test_letter_is_a4_portrait_with_margins_and_tables_within_them(built):
    data_dir, _, _ = built
    doc = Document(str(data_dir / "letters/2019-04/v1/letter.docx"))
    for section in doc.sections:
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
        text_width = section.page_width - section.left_margin - section.right_margin
        assert Mm(150) < text_width < Mm(180)
    for table in doc.tables:
        widths = [int(col.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}w"))
                  for col in table._tbl.tblGrid]
        assert sum(widths) * 635 <= text_width + Mm(0.5)  # twentieths of a point to EMU


def test_the_signatory_comes_from_the_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("MONITORING_SIGNATORY_NAME", "Б. Т. Жумабаева")
    monkeypatch.setenv("MONITORING_SIGNATORY_POSITION", "Заместитель Председателя Правления")
    monkeypatch.setenv("MONITORING_EXECUTOR_PHONE", "+7 (727) 000-00-01")
    letter = Letter(period="2019-04", version=1, source_file="registry/2019-04/v1 (1).xlsx", received_at=RECEIVED,
                    letter_date=LETTER_DATE, correction_due_at=correction_due_for(LETTER_DATE),
                    errors=(ErrorRow(12, "unknown_region", "Неизвестная область / город", "m", "Область", "Луна"),))
    doc = Document(str(write_letter(tmp_path, letter).letter))
    [signature] = [[c.text for c in row.cells] for t in doc.tables[:1] for row in t.rows]
    assert signature == ["Заместитель Председателя Правления", "Б. Т. Жумабаева"]
    assert "+7 (727) 000-00-01" in _text(doc)
    assert "файл «v1 (1).xlsx»" in _text(doc)  # the file as the operator named it


def test_annex_lists_every_row_left_out(built):
    data_dir, _, _ = built
    workbook = CalamineWorkbook.from_path(str(data_dir / "letters/2019-04/v1/annex.xlsx"))
    rows = workbook.get_sheet_by_index(0).to_python()
    assert rows[0] == ["№ строки в файле оператора", "Графа", "Значение", "Причина", "Описание"]
    assert [(str(int(r[0])), r[1], r[2], r[3]) for r in rows[1:]] == EXPECTED_ROWS
    assert all(r[4] for r in rows[1:])
    assert "пункт 11" in rows[-1][4]
    assert not any(value in str(rows) for value in PERSONAL_VALUES)
    assert not [code for code in RULE_TITLES if code in str(rows)]


def test_files_are_owner_only(built):
    data_dir, _, _ = built
    letters = data_dir / "letters"
    for folder in (letters, letters / "2019-04", letters / "2019-04/v1"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in ("letter.docx", "annex.xlsx"):
        assert stat.S_IMODE((letters / "2019-04/v1" / name).stat().st_mode) == 0o600


def test_rerun_replaces_the_letter_and_keeps_its_date(built):
    data_dir, warehouse, first = built
    with duckdb.connect(str(warehouse)) as con:
        again = produce_letters(con, data_dir / "letters", PRODUCED_LATE + timedelta(days=30))
        stored = con.execute(
            "select letter_number, letter_date, produced_at, error_rows from correspondence.letters").fetchall()
    assert again == first  # same number, date and first production time
    assert stored == [("Д-2019-04-v1", LETTER_DATE, PRODUCED_LATE, 3)]
    assert not [p for p in (data_dir / "letters").rglob(".*")]  # no temporary folder left


def test_letters_sent_mart_has_no_personal_data(built):
    _, warehouse, _ = built
    dbt(warehouse, "run", "--select", "letters_sent")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select letter_number, version, error_rows, correction_version, correction_status "
                           "from marts.letters_sent").fetchall()
        everything = str(con.execute("select * from marts.letters_sent").fetchall())
    # v2 came on 3 May, within the correction deadline (6 May).
    assert rows == [("Д-2019-04-v1", 1, 3, 2, "corrected_in_time")]
    assert not any(value in everything for value in (*PERSONAL_VALUES, "Марс"))


def test_dagster_asset_reports_counts_and_paths_only(built, tmp_path):
    data_dir, warehouse, _ = built
    result = dg.materialize(
        [notification_letters],
        resources={"monitoring": MonitoringSettings(data_dir=str(data_dir)),
                   "warehouse": DuckDBResource(database=str(warehouse))},
    )
    [materialization] = result.asset_materializations_for_node("letters__notification_letters")
    metadata = {k: v.value for k, v in materialization.metadata.items()}
    assert metadata["letters"] == 1 and metadata["error_rows"] == 3 and metadata["errors"] == 3
    assert metadata["by_letter"][0]["path"].endswith("letters/2019-04/v1/letter.docx")
    logged = json.dumps(metadata, default=str) + "".join(
        str(e.message) for e in result.all_events)
    assert not any(value in logged for value in (*PERSONAL_VALUES, "Марс"))


def test_a_letter_produced_on_time_carries_its_production_date(tmp_path):
    produced = RECEIVED + timedelta(hours=2)
    day = letter_date(RECEIVED, produced)
    assert day == date(2019, 5, 1)  # produced the day of receipt (a holiday, but that is its date)
    due = correction_due_for(day)
    assert due.date() == CAL.add_working_days(date(2019, 5, 1), 3) == date(2019, 5, 4)
    letter = Letter(period="2019-04", version=3, source_file="registry/2019-04/v3.xlsx", received_at=RECEIVED,
                    letter_date=day, correction_due_at=due,
                    errors=[ErrorRow(12, "unknown_region", "Неизвестная область / город", "m", "Область",
                                     "Луна")])
    files = write_letter(tmp_path, letter)
    text = _text(Document(str(files.letter)))
    assert "от 01.05.2019" in text and "не позднее 04.05.2019" in text
    assert "1 строка с ошибками заполнения (1 ошибка)" in text and "всего 1 строка не учитывается" in text


def test_letters_written_by_worker_processes(tmp_path):
    """Two registries with errors: produce_letters hands the two letters to two forked writers
    (as the asset does); each letter names its own file's rows, and the folders are owner-only."""
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        load_registry(con, "2019-04", 1, RECEIVED, [{}, {"region": "Марс"}])
        load_registry(con, "2019-05", 1, datetime(2019, 6, 3, 10, tzinfo=ALMATY), [{}, {}, {"region": "Луна"}])
        load_rows(con, "acts", "2019-04", 1, RECEIVED, acts_rows("2019-04", [0, 1]))
        load_rows(con, "acts", "2019-05", 1, RECEIVED, acts_rows("2019-05", [0, 1, 2]))
        write_registry_deadlines(con, datetime(2019, 7, 1, tzinfo=ALMATY))
    build_models(warehouse, "+int_registry_rule_violations", "+int_registry_services_confirmed")
    with forked_workers(2) as writers, duckdb.connect(str(warehouse)) as con:
        records = produce_letters(con, tmp_path / "letters", PRODUCED_LATE, writers=writers)
    assert [r["letter_number"] for r in records] == ["Д-2019-04-v1", "Д-2019-05-v1"]
    for month, row, value in (("2019-04", 5, "Марс"), ("2019-05", 6, "Луна")):
        folder = tmp_path / "letters" / month / "v1"
        appendix = [[c.text for c in r.cells] for r in Document(str(folder / "letter.docx")).tables[-1].rows]
        assert appendix[1:] == [[str(row), "Область / город республиканского значения и столицы", value,
                                 "Неизвестная область / город"]]
        annex = CalamineWorkbook.from_path(str(folder / "annex.xlsx")).get_sheet_by_index(0).to_python()
        assert [(int(r[0]), r[2], r[3]) for r in annex[1:]] == [(row, value, "Неизвестная область / город")]
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_an_unchanged_letter_is_not_written_again(tmp_path):
    """A build whose letter comes out the same keeps the files (the .docx carries the letter's
    fingerprint); a changed letter — here another signatory — is written again."""
    letter = Letter(period="2019-04", version=1, source_file="registry/2019-04/v1.xlsx", received_at=RECEIVED,
                    letter_date=LETTER_DATE, correction_due_at=correction_due_for(LETTER_DATE),
                    errors=(ErrorRow(12, "unknown_region", "Неизвестная область / город", "m", "Область", "Луна"),))
    first = write_letter(tmp_path, letter)
    written = {name: (first.folder / name).stat().st_mtime_ns for name in ("letter.docx", "annex.xlsx")}
    again = write_letter(tmp_path, letter)
    assert again == first
    assert {name: (first.folder / name).stat().st_mtime_ns for name in written} == written
    signed = write_letter(tmp_path, letter, LetterSettings(signatory_name="А. Сейтказиева"))
    assert "А. Сейтказиева" in _text(Document(str(signed.letter)))
    assert (signed.folder / "letter.docx").stat().st_mtime_ns != written["letter.docx"]


def test_a_notice_with_no_row_to_list_has_no_annex(tmp_path):
    """A late registry with nothing else wrong: the letter alone, kept as it is by the next build;
    an empty annex left by an earlier build is removed with the letter rewritten."""
    due = datetime(2019, 5, 1, 23, 59, 59, tzinfo=ALMATY)
    letter = Letter(period="2019-04", version=1, source_file="registry/2019-04/v1.xlsx", received_at=RECEIVED,
                    letter_date=LETTER_DATE, correction_due_at=correction_due_for(LETTER_DATE), late_due_at=due)
    first = write_letter(tmp_path, letter)
    assert first.annex is None and sorted(p.name for p in first.folder.iterdir()) == ["letter.docx"]
    text = _text(Document(str(first.letter)))
    assert "с нарушением срока" in text and "приложени" not in text.lower()
    written = first.letter.stat().st_mtime_ns
    assert write_letter(tmp_path, letter) == first and first.letter.stat().st_mtime_ns == written
    (first.folder / "annex.xlsx").write_bytes(b"")  # as an earlier build left it
    assert write_letter(tmp_path, letter) == first
    assert sorted(p.name for p in first.folder.iterdir()) == ["letter.docx"]


def test_error_rows_are_the_rows_python_docx_writes_cell_by_cell():
    # the letter's tables are filled as XML text (thousands of cells a year); python-docx's
    # add_row() and cell.text, the slow way, must give the same table, element for element
    from docx.shared import Cm
    from lxml import etree

    from orchestration.outputs.letters import _append_rows

    rows = [("3", "ИИН/БИН клиента", "12345 — не 12 цифр"), ("17", "Пол\tклиента", "строка\nвторая"),
            ("250", "—", "  пробелы по краям  "), ("9", "<&>", "«кавычки» & 'апостроф'")]

    def table(doc):
        grid = doc.add_table(rows=0, cols=3)
        for column, width in zip(grid.columns, (2, 5, 9), strict=True):
            column.width = Cm(width)
        return grid

    slow, fast = Document(), Document()
    by_hand = table(slow)
    for values in rows:
        for cell, value in zip(by_hand.add_row().cells, values, strict=True):
            cell.text = value
    written = table(fast)
    _append_rows(written, rows)
    assert len(written.rows) == len(rows)
    assert etree.tostring(written._tbl, method="c14n") == etree.tostring(by_hand._tbl, method="c14n")
    assert [[cell.text for cell in row.cells] for row in written.rows] == [list(values) for values in rows]


def test_a_late_registry_is_told_it_is_late_and_left_out(tmp_path):
    """Clause 10: July's registry came on 5 August, after its deadline (Thursday 1 August 2019, a working
    day, by hand); August's v2 corrects a letter in time (not late, though after 1 September); September's
    v2 is a resubmission no letter asked for, after the deadline (late). The letters say so, and their
    decision is int_registry_timeliness's (late_registry), built afterwards from the deadlines.
    June's registry, on time, has a row no act confirms (clause 11): a notice too. Every letter is in
    the register correspondence.letters with its kind; the notices open no correction window."""
    warehouse = tmp_path / "warehouse.duckdb"
    at = lambda *args: datetime(*args, tzinfo=ALMATY)  # noqa: E731
    with duckdb.connect(str(warehouse)) as con:
        load_registry(con, "2019-06", 1, at(2019, 7, 1, 10), [{}, {}, {}])
        load_rows(con, "acts", "2019-06", 1, at(2019, 7, 1, 10), acts_rows("2019-06", [0, 1]))
        load_registry(con, "2019-07", 1, at(2019, 8, 5, 10), [{}, {}])
        load_registry(con, "2019-08", 1, at(2019, 8, 30, 10), [{}, {"region": "Марс"}])
        load_registry(con, "2019-08", 2, at(2019, 9, 3, 10), [{}, {}])
        load_registry(con, "2019-09", 1, at(2019, 9, 30, 10), [{}, {}])
        load_registry(con, "2019-09", 2, at(2019, 10, 3, 10), [{}, {}])
        for period, arrived in (("2019-07", at(2019, 8, 5, 10)), ("2019-08", at(2019, 8, 30, 10)),
                                ("2019-09", at(2019, 9, 30, 10))):
            load_rows(con, "acts", period, 1, arrived, acts_rows(period, [0, 1]))
    build_models(warehouse, "+int_registry_rule_violations", "+int_registry_services_confirmed")
    produced = at(2019, 10, 10, 9)
    with duckdb.connect(str(warehouse)) as con:
        records = produce_letters(con, tmp_path / "letters", produced)
        write_registry_deadlines(con, produced)
    build_models(warehouse, "stg_raw__batches", "int_registry_timeliness")
    dbt(warehouse, "run", "--select", "letters_sent")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        judged_late = {batch for (batch,) in con.execute(
            "select batch_id from intermediate.int_registry_timeliness where violation_kind = 'late_registry'")
            .fetchall()}
        recorded = con.execute(
            "select letter_number, kind, registry_late, act_rows, error_rows, produced_at, "
            "timezone('Asia/Almaty', correction_due_at)::date from correspondence.letters order by period").fetchall()
        deadlines = {batch: (source, day, due.astimezone(ALMATY).date()) for batch, source, day, due in con.execute(
            "select batch_id, letter_date_source, letter_date, correction_due_at "
            "from correspondence.registry_deadlines "
            "where batch_id in ('registry/2019-06/v1', 'registry/2019-07/v1')").fetchall()}
        sent = [n for (n,) in con.execute("select letter_number from marts.letters_sent").fetchall()]
    assert judged_late == {"registry/2019-07/v1", "registry/2019-09/v2"}
    assert {r["batch_id"] for r in records if r["registry_late"]} == judged_late
    by_number = {r["letter_number"]: r for r in records}
    assert set(by_number) == {"Д-2019-06-v1", "Д-2019-07-v1", "Д-2019-08-v1", "Д-2019-09-v2"}
    # the register holds every letter sent, the notices with no correction deadline; August's
    # correction is due 3 working days after its letter's due date (Monday 2 September, by hand:
    # 3, 4, 5 September)
    assert recorded == [
        ("Д-2019-06-v1", "notice", False, 1, 0, produced, None),
        ("Д-2019-07-v1", "notice", True, 0, 0, produced, None),
        ("Д-2019-08-v1", "correction", False, 0, 1, produced, date(2019, 9, 5)),
        ("Д-2019-09-v2", "notice", True, 0, 0, produced, None),
    ]
    # only the letter asking for a correction is awaited: the notices' versions keep the dates they
    # would have with no letter — the letter's due date (the working day after arrival) and 3 working
    # days after it, by hand: June's 1 July -> 2 July -> 5 July; July's 5 August -> 6 August -> 9 August
    assert deadlines == {"registry/2019-06/v1": ("letter_due", date(2019, 7, 2), date(2019, 7, 5)),
                         "registry/2019-07/v1": ("letter_due", date(2019, 8, 6), date(2019, 8, 9))}
    assert sent == ["Д-2019-08-v1"]
    # a later build keeps every letter's first production time, the notices' too
    with duckdb.connect(str(warehouse)) as con:
        produce_letters(con, tmp_path / "letters", produced + timedelta(days=40))
        again = con.execute("select letter_number, produced_at from correspondence.letters order by period").fetchall()
    assert again == [(number, produced) for number, *_ in recorded]
    june = _text(Document(str(tmp_path / "letters/2019-06/v1/letter.docx")))
    assert "1 строка без подтверждения актами оказанных услуг" in june and "Просим" not in june
    july = Document(str(tmp_path / "letters/2019-07/v1/letter.docx"))
    first = next(p.text for p in july.paragraphs if p.text.startswith("Сообщаем"))
    assert "Реестр услуг за июль 2019 года (версия 1, файл «v1.xlsx», поступил 05.08.2019)" in first
    assert "с нарушением срока, установленного пунктом 7" in first and "не позднее 01.08.2019" in first
    assert "с пунктом 10 Методики не включается в отчет" in first
    assert "Просим" not in _text(july)  # nothing to correct: nothing asked
    # no row to list: the letter alone, no appendix, no annex, and the letter mentions none
    for folder in ("2019-07/v1", "2019-09/v2"):
        assert sorted(p.name for p in (tmp_path / "letters" / folder).iterdir()) == ["letter.docx"]
        text = _text(Document(str(tmp_path / "letters" / folder / "letter.docx"))).lower()
        assert "приложени" not in text and "электронной таблиц" not in text
    assert {r["letter_number"] for r in records if r["annex_path"] is None} == {"Д-2019-07-v1", "Д-2019-09-v2"}
    # June's notice lists its row: with its annex
    assert sorted(p.name for p in (tmp_path / "letters/2019-06/v1").iterdir()) == ["annex.xlsx", "letter.docx"]
    september = _text(Document(str(tmp_path / "letters/2019-09/v2/letter.docx")))
    assert "(версия 2, файл «v2.xlsx», поступил 03.10.2019)" in september and "не позднее 01.10.2019" in september
    august = _text(Document(str(tmp_path / "letters/2019-08/v1/letter.docx")))
    assert "с нарушением срока" not in august
