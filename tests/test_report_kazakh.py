"""The reports in the state language (issue 25): report_<period>_kk.docx/.xlsx/.pdf beside the
Russian files, from the same figures, with the seeds' Kazakh names and Kazakh words only.

The session's pipeline year (conftest.pipeline_run) writes both editions (the default of
MONITORING_REPORT_LANGUAGES); every check reads the real files back. The Russian edition is
checked against the analytics database in test_report_pipeline.py; here the Kazakh one is
checked against it, table by table, and against the seed CSVs read here.
"""

from __future__ import annotations

import csv
import inspect
import re
from collections import Counter
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from python_calamine import CalamineWorkbook

from orchestration.outputs.reports import texts_kk, texts_ru
from orchestration.outputs.reports.pdf import find_office
from orchestration.tools.report_pages import (
    KAZAKH_LETTERS,
    PERIOD_KK,
    chart_captions,
    latin_words,
    nearly_empty,
    orphan_notes,
    pdf_fonts,
    pdf_text,
    render,
    tools_missing,
    wide_tables,
)

PERIODS = ("2019-Q1", "2019-Q2", "2019-Q3", "2019-final")
SEEDS = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds"
# Russian words that Kazakh does not have, matched as whole words (lower case): a phrase of the
# Russian edition left in the Kazakh one. Proper names (Даму, Атамекен, Алматы) are not here.
RUSSIAN_WORDS = frozenset({
    "и", "в", "по", "за", "с", "к", "из", "для", "что", "или", "при", "год", "года", "г", "месяц", "месяца",
    "услуг", "услуги", "услуга", "отчет", "отчета", "отчете", "январь", "января", "февраль", "март", "апрель",
    "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь", "декабря", "область", "области",
    "город", "города", "клиентов", "клиенты", "число", "всего", "итого", "таблица", "рисунок", "приложение",
    "регион", "регионам", "показатель", "данные", "реестр", "реестра", "срок", "срока", "пункт", "методики",
    "квартал", "квартала", "доля", "оператора", "предприятий", "лиц", "женщины", "мужчины",
})
WORD = re.compile(r"[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]+")
NUMBER = re.compile(r"\d[\d\u00a0 ]*(?:,\d+)?")
CAPTION = re.compile(r"^(?:Таблица (\d+)|(\d+)-кесте)\b")


def _public(module) -> dict[str, object]:
    return {name: value for name, value in vars(module).items()
            if not name.startswith("_") and not inspect.ismodule(value)
            and getattr(value, "__module__", module.__name__) in (module.__name__, "builtins", None)
            and name not in ("annotations",)}


def test_texts_kk_has_texts_ru_s_names_and_signatures():
    """The layout code takes either module: every name of one is in the other, every function
    takes the same parameters, every table of words has the same keys and length."""
    ru, kk = _public(texts_ru), _public(texts_kk)
    assert set(ru) == set(kk), (sorted(set(ru) - set(kk)), sorted(set(kk) - set(ru)))
    # keyed by the language's own words (the abbreviations and units a phrase looks up)
    own_words = {"CODE_LABELS", "LEGAL_FORM_ABBREVIATIONS", "UNITS_GENITIVE"}
    for name, value in ru.items():
        other = kk[name]
        if callable(value) and not isinstance(value, type):
            assert inspect.signature(value) == inspect.signature(other), name
        elif isinstance(value, dict) and name not in own_words:
            assert set(value) == set(other), name
        elif isinstance(value, tuple):
            assert len(value) == len(other), name
            assert [type(v) for v in value] == [type(v) for v in other], name
        else:
            assert type(value) is type(other), name


def test_kazakh_dates_and_periods_read_as_a_kazakh_civil_servant_writes_them():
    from datetime import date

    from orchestration.outputs.reports.periods import DateRange, parse_period

    nbsp = "\u00a0"
    assert texts_kk.long_date(date(2019, 12, 1)) == f"2019{nbsp}жылғы 1{nbsp}желтоқсан"
    assert texts_kk.range_name(DateRange(date(2019, 1, 1), date(2019, 3, 31))) == f"2019{nbsp}жылғы қаңтар–наурыз"
    final = parse_period("2019-final")
    assert f"2019{nbsp}жылғы 1{nbsp}желтоқсандағы жағдай бойынша" in texts_kk.document_subtitle(final)
    assert texts_kk.table_label(3) == "3-кесте" and texts_kk.figure_label(1) == "1-сурет"
    assert texts_kk.ANNEX_LATE.startswith("А қосымшасы")
    # a numeral takes the singular noun
    summary = texts_kk.registries_summary(12, 10, 2, "2019 жылғы қаңтар", str)
    assert "12 жазба" in summary and "жазбалар бар" not in summary


def test_chart_font_carries_the_kazakh_letters():
    """matplotlib draws the charts' labels with charts.FONT's family: every Kazakh letter has a glyph."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    from orchestration.outputs.reports.charts import FONT

    path = font_manager.findfont(font_manager.FontProperties(family=FONT["font.family"]), fallback_to_default=False)
    charmap = FT2Font(path).get_charmap()
    assert not [letter for letter in KAZAKH_LETTERS if ord(letter) not in charmap], path


def test_a_missing_kazakh_name_is_an_error_never_the_russian_name():
    from orchestration.outputs.reports.figures import ContractError, Region, ReportFigures
    from orchestration.outputs.reports.language import KAZAKH, RUSSIAN
    from orchestration.outputs.reports.periods import parse_period

    figures = ReportFigures(parse_period("2019-Q1"), [Region("Акмолинская область", "11", 10, "Ақмола облысы"),
                                                      Region("город Шымкент", "79", 20)],
                            {}, {}, None, None, None, None)
    assert figures.in_language(RUSSIAN).region_name("79") == "город Шымкент"
    with pytest.raises(ContractError, match="region 79"):
        figures.in_language(KAZAKH)
    complete = ReportFigures(figures.period, figures.regions[:1], {}, {}, None, None, None, None)
    kazakh = complete.in_language(KAZAKH)
    assert kazakh.region_name("11") == "Ақмола облысы" and kazakh.region_name(None) == texts_kk.TOTAL_ROW
    assert complete.regions[0].name == "Акмолинская область"  # the Russian figures are not changed


def test_the_languages_setting(monkeypatch):
    from orchestration.settings import report_languages

    monkeypatch.delenv("MONITORING_REPORT_LANGUAGES", raising=False)
    assert report_languages() == ("ru", "kk")
    for value, expected in (("ru", ("ru",)), ("KK", ("kk",)), (" both ", ("ru", "kk"))):
        monkeypatch.setenv("MONITORING_REPORT_LANGUAGES", value)
        assert report_languages() == expected
    monkeypatch.setenv("MONITORING_REPORT_LANGUAGES", "en")
    with pytest.raises(ValueError, match="MONITORING_REPORT_LANGUAGES"):
        report_languages()


# --- the files of the pipeline year ----------------------------------------------------------


@pytest.fixture(scope="module")
def folder(pipeline_run) -> Path:
    return pipeline_run.settings.reports_dir


def _files(folder: Path, period: str, suffix: str) -> tuple[Path, Path]:
    return (folder / period / f"report_{period}{suffix}.docx", folder / period / f"report_{period}{suffix}.xlsx")


def _docx_tables(path: Path) -> dict[int, list[list[str]]]:
    """Each report table's cells by its number; a table split into column parts is one table."""
    document = Document(str(path))
    body = document.element.body
    tables: dict[int, list[list[str]]] = {}
    number = None
    table_iter = iter(document.tables)
    for element in body.iterchildren():
        if element.tag == qn("w:p"):
            text = "".join(t.text or "" for t in element.iter(qn("w:t")))
            match = CAPTION.match(text)
            if match:
                number = int(match.group(1) or match.group(2))
        elif element.tag == qn("w:tbl"):
            table = next(table_iter)
            assert number is not None, "a table without a caption"
            tables.setdefault(number, []).extend([cell.text for cell in row.cells] for row in table.rows)
    return tables


def _numbers(cells: list[list[str]]) -> Counter:
    return Counter(m.group(0).replace("\u00a0", "").replace(" ", "") for row in cells for c in row
                   for m in NUMBER.finditer(c))


def _sheets(path: Path) -> dict[str, list[list]]:
    workbook = CalamineWorkbook.from_path(str(path))
    return {name: workbook.get_sheet_by_name(name).to_python() for name in workbook.sheet_names}


def test_each_period_has_the_kazakh_docx_xlsx_and_pdf_beside_the_russian_ones(folder, pipeline_run):
    assert find_office(), "LibreOffice writes the reports' PDF: run `make office`"
    for period in PERIODS:
        for suffix in ("", "_kk"):
            for extension in ("docx", "xlsx", "pdf"):
                latest = folder / period / f"report_{period}{suffix}.{extension}"
                assert latest.stat().st_size > 0, latest
                revision = max((p for p in (folder / period).glob("r*") if p.is_dir()), key=lambda p: int(p.name[1:]))
                assert (revision / latest.name).read_bytes() == latest.read_bytes()


def test_one_revision_is_recorded_for_both_editions(pipeline_run):
    """reported_figures is filed once per revision: the two languages are one revision."""
    import duckdb

    from orchestration.outputs.reports.vintages import FIGURES_TABLE, REVISIONS_TABLE, SCHEMA

    with duckdb.connect(str(pipeline_run.settings.warehouse_path), read_only=True) as con:
        revisions = con.execute(f"select report_period, count(*) from {SCHEMA}.{REVISIONS_TABLE} "
                                "group by report_period").fetchall()
        doubled = con.execute(
            "select count(*) from (select report_period, revision, table_name, scope, region_code, row_key, measure "
            f"from {SCHEMA}.{FIGURES_TABLE} group by all having count(*) > 1)").fetchone()[0]
    assert sorted(revisions) == [(period, 1) for period in sorted(PERIODS)]
    assert doubled == 0


@pytest.mark.parametrize("period", PERIODS)
def test_every_figure_of_the_kazakh_edition_equals_the_russian_one_table_by_table(folder, period):
    ru_docx, ru_xlsx = _files(folder, period, "")
    kk_docx, kk_xlsx = _files(folder, period, "_kk")
    ru_tables, kk_tables = _docx_tables(ru_docx), _docx_tables(kk_docx)
    assert len(ru_tables) > 20 and sorted(ru_tables) == sorted(kk_tables)
    for number, cells in ru_tables.items():
        assert _numbers(kk_tables[number]) == _numbers(cells), f"docx table {number}"
    ru_sheets, kk_sheets = _sheets(ru_xlsx), _sheets(kk_xlsx)
    assert len(ru_sheets) == len(kk_sheets)
    for (ru_name, ru_rows), (kk_name, kk_rows) in zip(ru_sheets.items(), kk_sheets.items(), strict=True):
        assert len(ru_rows) == len(kk_rows), (ru_name, kk_name)
        for r, (ru_row, kk_row) in enumerate(zip(ru_rows, kk_rows, strict=True)):
            ru_figures = [v for v in ru_row if isinstance(v, int | float) and not isinstance(v, bool)]
            kk_figures = [v for v in kk_row if isinstance(v, int | float) and not isinstance(v, bool)]
            assert kk_figures == ru_figures, (kk_name, r)


def test_kazakh_sheet_names_are_at_most_31_characters_and_kazakh(folder):
    for period in PERIODS:
        names = list(_sheets(_files(folder, period, "_kk")[1]))
        assert names[0] == texts_kk.CONTENTS_SHEET
        assert all(len(name) <= 31 for name in names), names
        assert len(set(names)) == len(names)
        assert texts_kk.SCORECARD_SHEET in names
        assert all(re.fullmatch(r"\d+-кесте", name) for name in names[1:] if name != texts_kk.SCORECARD_SHEET)


def _seed_names() -> tuple[set[str], dict[str, str]]:
    """Every Kazakh name of the seeds, and Russian name → Kazakh name (the _ru/_kk twins)."""
    kazakh: set[str] = set()
    pairs: dict[str, str] = {}
    for path in SEEDS.glob("*.csv"):
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                for column, value in row.items():
                    if column.endswith("_kk") and value:
                        kazakh.add(value)
                        twin = row.get(column[: -len("_kk")] + "_ru") or (
                            row.get("name_ru") if column == "name_kk" else None)
                        if twin:
                            pairs[twin] = value
    return kazakh, pairs


@pytest.mark.parametrize("period", PERIODS)
def test_every_reference_value_of_the_kazakh_edition_is_the_seed_s_kazakh_name(folder, period):
    """The statistics tables' row labels (regions, sectors, legal forms, services…) in the Kazakh
    workbook are the seeds' Kazakh names, and where the Russian label is a seed's Russian name,
    the Kazakh label is that row's Kazakh twin."""
    kazakh, pairs = _seed_names()
    assert len(kazakh) > 100
    ru_sheets, kk_sheets = _sheets(_files(folder, period, "")[1]), _sheets(_files(folder, period, "_kk")[1])
    totals = {texts_kk.TOTAL_ROW, texts_kk.TOTAL_COLUMN}
    checked = 0
    for (_, ru_rows), (name, kk_rows) in zip(ru_sheets.items(), kk_sheets.items(), strict=True):
        title = str(kk_rows[0][0]).partition(" – ")[2] if kk_rows and kk_rows[0] else ""
        if not any(t and title.startswith(t) for pair in texts_kk.TABLE_TITLES.values() for t in pair):
            continue  # not a table of the statistics section
        for ru_row, kk_row in zip(ru_rows, kk_rows, strict=True):
            ru_label, kk_label = (str(ru_row[0]).strip(), str(kk_row[0]).strip()) if ru_row else ("", "")
            if ru_label in pairs:
                assert kk_label == pairs[ru_label], (name, ru_label, kk_label)
                checked += 1
            elif kk_label and ru_row and any(isinstance(v, int | float) for v in kk_row[1:]) \
                    and kk_label not in totals:
                assert kk_label in kazakh, (name, kk_label)
                checked += 1
    assert checked > 50


def _kazakh_text(period: str, folder: Path) -> str:
    docx, xlsx = _files(folder, period, "_kk")
    document = Document(str(docx))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.footer.paragraphs]
    parts += [str(v) for rows in _sheets(xlsx).values() for row in rows for v in row if isinstance(v, str)]
    return "\n".join(parts)


@pytest.mark.parametrize("period", PERIODS)
def test_no_russian_words_in_the_kazakh_edition(folder, period):
    # the annexes are lettered А, Б, В, Г, Д in both languages ('В қосымшасы'): not the word «в»
    text = re.sub(r"\b[А-Я] (және [А-Я] )?қосымша", "", _kazakh_text(period, folder))
    found = Counter(w for w in (m.group(0).lower() for m in WORD.finditer(text)) if w in RUSSIAN_WORDS)
    assert not found, found.most_common(10)
    assert any(letter in text for letter in "әғқңөұүі")


# --- the Kazakh PDF -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kazakh_pages(folder, tmp_path_factory):
    assert not tools_missing(), f"{tools_missing()} missing: run `make office` (poppler-utils)"
    out = tmp_path_factory.mktemp("kk-pages")
    return {period: render(folder / period / f"report_{period}_kk.pdf", out / period) for period in PERIODS}


@pytest.mark.parametrize("period", PERIODS)
def test_the_kazakh_pdf_embeds_its_fonts_and_misses_no_glyph(folder, period):
    pdf = folder / period / f"report_{period}_kk.pdf"
    fonts = pdf_fonts(pdf)
    assert fonts and all(font.embedded for font in fonts), fonts
    assert any("LiberationSerif" in font.name or "TimesNewRoman" in font.name for font in fonts), fonts
    printed = pdf_text(pdf)
    assert "\ufffd" not in printed and ".notdef" not in printed
    written = _kazakh_text(period, folder)
    used = {letter for letter in KAZAKH_LETTERS if letter in written}
    assert len(used) >= 6, used
    assert not [letter for letter in used if letter not in printed], used


@pytest.mark.parametrize("period", PERIODS)
def test_the_kazakh_pages_fit_and_are_filled(kazakh_pages, folder, period):
    pages = kazakh_pages[period]
    assert len(pages) > 10
    assert not [(p.number, round(1 - p.filled, 2), p.first_line) for p in nearly_empty(pages)]
    assert not [(p.number, p.first_line) for p in orphan_notes(pages)]
    assert not {(p.number, w) for p in pages for w in latin_words(p.text)}
    docx = folder / period / f"report_{period}_kk.docx"
    assert not wide_tables(docx)
    captions = chart_captions(docx)
    assert len(captions) >= 5
    for caption in captions:
        assert re.match(r"\d+-сурет – ", caption), caption
        assert PERIOD_KK.search(caption), caption
