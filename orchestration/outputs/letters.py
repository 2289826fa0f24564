"""The agency's notification letter to the operator (R6, clause 8) and its annex of rows left out.

For a registry version with rows left out of the count, the letter tells the operator, in
Russian and on A4, which rows of *their own file* (numbered as Excel shows them) are left out and
why: error-severity rules (clause 8) and rows the acts of services rendered do not confirm
(clause 11); and, where there are rule errors, by when to send a corrected registry (R7, clause 9:
3 working days from the letter). A registry received after its deadline (clause 7) is told that
it is late and left out of the report (clause 10). The first paragraph says all of it: the
registry (month, version, the file as the operator named it, the day received), what is wrong
with counts by kind, and the deadline with its date. It is written to

    <letters_dir>/<YYYY-MM>/v<N>/letter.docx   the letter, its appendix listing the rows
    <letters_dir>/<YYYY-MM>/v<N>/annex.xlsx    every row left out: row, column, value, reason, description

(a late registry's notice with no row to list is the letter alone: no appendix, no annex).

No rule code and no path of ours is printed: the reasons are the Russian titles of
seeds/validation_rules.csv. The letter and the annex are among the few outputs that carry data
about the operator's rows, kept minimal: a value of a personal-data column (input_columns.csv)
is shown masked (``personal.mask``: '9001******23'). The folders are created owner-only (0o700)
and the files 0o600. A version's folder is written whole into a temporary sibling and then swapped in, so a
reader never sees half a letter and a re-run replaces the letter exactly.

The outgoing number is deterministic (``Д-<YYYY-MM>-v<N>``): re-running the pipeline does not
number a letter twice. The letter's date and its correction deadline are decided by
``orchestration.rules.timeliness`` (the letter's due date when it is produced late).

This module is pure: it does not import Dagster or dbt.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import groupby, repeat
from pathlib import Path, PurePosixPath

import duckdb
import xlsxwriter
from docx import Document
from docx.document import Document as DocumentType
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt
from docx.table import Table

from orchestration.outputs.docx_text import cell_text_xml
from orchestration.outputs.safe_text import write_text, xml_text
from orchestration.personal import mask
from orchestration.reference import ColumnSpec, input_columns
from orchestration.rules.calendar import WorkingCalendar
from orchestration.rules.deadlines import (
    DEFAULT_SETTINGS,
    DeadlineSettings,
    is_on_time,
    letter_due_at,
    local_date,
    registry_due_at,
)
from orchestration.rules.timeliness import calendar_covering, correction_due_for, letter_date, month_start
from orchestration.settings import executor, signatory
from orchestration.warehouse.correspondence import ensure_correspondence_schema, replace_tables

DIR_MODE = 0o700
FILE_MODE = 0o600
LETTER_FILE = "letter.docx"
ANNEX_FILE = "annex.xlsx"
_IDENTIFIER = re.compile(rb"<dc:identifier>([0-9a-f]{64})</dc:identifier>")
_CODE_DIGEST = hashlib.sha256(Path(__file__).read_bytes()).digest()  # this module's code, in every fingerprint

MONTHS_RU = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
             "октябрь", "ноябрь", "декабрь")
ANNEX_HEADERS = ("№ строки в файле оператора", "Графа", "Значение", "Причина", "Описание")
EMPTY_VALUE = "(не заполнено)"
WHOLE_ROW = "Строка в целом"
MAX_COLUMNS_SHOWN = 2  # a rule about more columns is about the whole row
NO_COLUMN = "—"

@dataclass(frozen=True)
class LetterSettings:
    """Letterhead and signature. Defaults are the parties named in the methodology; the signatory
    and the executor come from the settings (``orchestration.settings.signatory``, ``executor``)."""

    sender_name: str = "АО «Фонд развития предпринимательства „Даму“»"
    sender_details: str = ""  # address, phone, BIN: printed under the name when set
    addressee_name: str = "НПП РК «Атамекен»"
    addressee_position: str = "Руководителю"
    signatory_position: str = field(default_factory=lambda: signatory().position)
    signatory_name: str = field(default_factory=lambda: signatory().name)
    executor_name: str = field(default_factory=lambda: executor().name)
    executor_phone: str = field(default_factory=lambda: executor().phone)
    methodology_reference: str = (
        "Методики проведения мониторинга осуществления сервисной поддержки ведения действующей "
        "предпринимательской деятельности, утвержденной приказом Министра национальной экономики "
        "Республики Казахстан от 24 июня 2019 года № 59 (далее — Методика)"
    )
    # The letter's own appendix lists at most this many rows per reason; the .xlsx annex lists them all.
    max_rows_per_rule: int = 200


# A4 portrait, the margins of Kazakhstan's record-keeping rules (left 30 mm for binding).
PAGE_MM = (210, 297)
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
TEXT_WIDTH_MM = PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]
# The appendix table: row number, column of the form, value (masked where personal), reason.
APPENDIX_HEADERS = ("№ строки", "Графа", "Значение", "Причина")
APPENDIX_WIDTHS_MM = (17, 50, 38, TEXT_WIDTH_MM - 17 - 50 - 38)
SUMMARY_HEADERS = ("Причина", "Строк")
SUMMARY_WIDTHS_MM = (TEXT_WIDTH_MM - 25, 25)


@dataclass(frozen=True)
class ErrorRow:
    """One reason a row of the operator's file is left out: an error-severity rule (kind 'row')
    or the acts not confirming it (kind 'act', clause 11)."""

    source_row: int  # row number in the operator's own file, as Excel shows it
    rule_id: str  # validation_rules.csv's id: never printed, the title is
    rule_title_ru: str
    message_ru: str
    column_title_ru: str | None = None  # the form's column title; None for a whole-row rule
    value: str | None = None  # the value at fault as the letter shows it (masked where personal)
    rule_order: int = 0
    kind: str = "row"


@dataclass(frozen=True)
class Letter:
    period: str  # 'YYYY-MM'
    version: int
    source_file: str  # the landing file, relative to the landing folder: the name as delivered is its last part
    received_at: datetime
    letter_date: date
    correction_due_at: datetime
    errors: Sequence[ErrorRow] = field(default_factory=tuple)
    # R5 (clause 7) deadline, set when the registry came after it and is left out whole (clause 10)
    late_due_at: datetime | None = None

    @property
    def number(self) -> str:
        return letter_number(self.period, self.version)

    @property
    def file_name(self) -> str:
        """The file as the operator named it (no folder of ours)."""
        return PurePosixPath(self.source_file.replace("\\", "/")).name

    @property
    def is_late(self) -> bool:
        return self.late_due_at is not None

    @property
    def rule_errors(self) -> list[ErrorRow]:
        return [e for e in self.errors if e.kind != "act"]

    @property
    def act_errors(self) -> list[ErrorRow]:
        return [e for e in self.errors if e.kind == "act"]

    @property
    def asks_correction(self) -> bool:
        """Rule errors ask for a corrected registry (clauses 8-9); act mismatches and lateness
        are told, and the rows left out, but ask for nothing the timeliness rules would await."""
        return bool(self.rule_errors)

    @property
    def error_rows(self) -> int:
        return len({e.source_row for e in self.rule_errors})

    @property
    def act_rows(self) -> int:
        return len({e.source_row for e in self.act_errors})

    @property
    def rows_left_out(self) -> int:
        return len({e.source_row for e in self.errors})

    def by_rule(self) -> list[tuple[str, str, list[ErrorRow]]]:
        """(rule_id, title, rows sorted by row number), rules in the seed's order."""
        ordered = sorted(self.errors, key=lambda e: (e.rule_order, e.rule_id, e.source_row))
        return [
            (rule_id, rows[0].rule_title_ru, rows)
            for rule_id, group in groupby(ordered, key=lambda e: e.rule_id)
            for rows in [list(group)]
        ]


@dataclass(frozen=True)
class LetterFiles:
    folder: Path
    letter: Path
    annex: Path | None  # None: the letter lists no row (a late registry's notice)


def letter_number(period: str, version: int) -> str:
    return f"Д-{period}-v{version}"


def letter_folder(letters_dir: Path, period: str, version: int) -> Path:
    return letters_dir / period / f"v{version}"


def month_name_ru(period: str) -> str:
    """'2019-03' -> 'март 2019 года'."""
    year, month = period.split("-")
    return f"{MONTHS_RU[int(month) - 1]} {year} года"


def format_date(d: date) -> str:
    return d.strftime("%d.%m.%Y")


def plural_ru(n: int, one: str, few: str, many: str) -> str:
    """Russian noun agreement: 1 строка, 2 строки, 5 строк (11-14 take 'many')."""
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def _rows_phrase(n: int) -> str:
    return f"{n} {plural_ru(n, 'строка', 'строки', 'строк')}"


def _errors_phrase(n: int) -> str:
    return f"{n} {plural_ru(n, 'ошибка', 'ошибки', 'ошибок')}"


def _private_dir(path: Path) -> None:
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    os.chmod(path, DIR_MODE)


def what_is_wrong(letter: Letter) -> str:
    """The counts by kind, one clause of a sentence: '53 строки с ошибками заполнения (53 ошибки)
    и 37 строк без подтверждения актами оказанных услуг (…)'."""
    parts = []
    if letter.error_rows:
        n = letter.error_rows
        parts.append(f"{n} {plural_ru(n, 'строка', 'строки', 'строк')} с ошибками заполнения "
                     f"({_errors_phrase(len(letter.rule_errors))})")
    if letter.act_rows:
        n = letter.act_rows
        parts.append(f"{_rows_phrase(n)} без подтверждения актами оказанных услуг (акт отсутствует либо "
                     "не совпадает с реестром по дате или перечню услуг)")
    return " и ".join(parts)


def _clauses(letter: Letter) -> str:
    """The clauses the faults fall under: 8 (rule errors), 11 (rows the acts do not confirm)."""
    if letter.rule_errors and letter.act_errors:
        return "пунктами 8 и 11"
    return "пунктом 8" if letter.rule_errors else "пунктом 11"


def first_paragraph(letter: Letter, settings: LetterSettings) -> str:
    """The registry, what is wrong in one sentence, and what follows with its date."""
    month = month_name_ru(letter.period)
    received = format_date(local_date(letter.received_at))
    registry = (f"за {month} (версия {letter.version}, файл «{xml_text(letter.file_name)}», "
                f"поступил {received})")
    sentences = []
    if letter.is_late:
        due = format_date(local_date(letter.late_due_at))  # type: ignore[arg-type]
        sentences.append(
            f"Сообщаем, что Реестр услуг {registry} представлен с нарушением срока, установленного "
            f"пунктом 7 {settings.methodology_reference}, — не позднее {due} включительно, и в соответствии "
            "с пунктом 10 Методики не включается в отчет по мониторингу.")
        if letter.errors:
            sentences.append(f"Кроме того, в реестре выявлены {what_is_wrong(letter)}.")
        if letter.act_errors:
            sentences.append("Строки, не подтвержденные актами оказанных услуг, исключаются из Реестра услуг "
                             "(пункт 11 Методики).")
    else:
        sentences.append(
            f"В соответствии с {_clauses(letter)} {settings.methodology_reference} сообщаем, что в Реестре "
            f"услуг {registry} выявлены {what_is_wrong(letter)}; всего {_rows_phrase(letter.rows_left_out)} "
            f"не {plural_ru(letter.rows_left_out, 'учитывается', 'учитываются', 'учитываются')} при "
            "формировании отчета по мониторингу.")
    if letter.asks_correction:
        correction_day = format_date(local_date(letter.correction_due_at))
        sentences.append(
            f"Просим не позднее {correction_day} (3 рабочих дня со дня поступления настоящего письма, "
            "пункт 9 Методики) устранить замечания и представить исправленный Реестр услуг.")
    return " ".join(sentences)


def _page_setup(doc: DocumentType) -> None:
    """A4 portrait with the margins of record-keeping (``PAGE_MM``, ``MARGINS_MM``)."""
    for section in doc.sections:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
        section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
        section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])


def _table(doc: DocumentType, headers: Sequence[str], widths_mm: Sequence[float]) -> Table:
    """A bordered table of fixed column widths that add up to the text width at most."""
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.autofit = False
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
    for cell, text, width in zip(table.rows[0].cells, headers, widths_mm, strict=True):
        cell.width = Mm(width)
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    return table


def _paragraph(doc: DocumentType, text: str, *, bold: bool = False, indent: bool = True,
               align: WD_ALIGN_PARAGRAPH | None = WD_ALIGN_PARAGRAPH.JUSTIFY, size: float | None = None) -> None:
    paragraph = doc.add_paragraph()
    run = paragraph.add_run(text)
    run.bold = bold
    if size is not None:
        run.font.size = Pt(size)
    paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Mm(12.5)


def write_docx(letter: Letter, settings: LetterSettings, path: Path, fingerprint: str) -> None:
    doc = Document()
    _page_setup(doc)
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(13)
    normal.paragraph_format.space_after = Pt(0)
    props = doc.core_properties
    props.author = settings.sender_name
    props.title = f"Письмо-уведомление № {letter.number}"
    stamp = datetime.combine(letter.letter_date, datetime.min.time())
    props.created = props.modified = stamp
    props.last_modified_by = settings.sender_name
    props.revision = 1
    props.identifier = fingerprint  # letter_fingerprint: write_letter compares it before writing

    _paragraph(doc, settings.sender_name, bold=True, indent=False, align=WD_ALIGN_PARAGRAPH.LEFT)
    if settings.sender_details:
        _paragraph(doc, settings.sender_details, indent=False, align=WD_ALIGN_PARAGRAPH.LEFT, size=11)
    _paragraph(doc, f"Исх. № {letter.number} от {format_date(letter.letter_date)}", indent=False,
               align=WD_ALIGN_PARAGRAPH.LEFT)
    _paragraph(doc, "", indent=False)
    _paragraph(doc, f"{settings.addressee_position}\n{settings.addressee_name}", bold=True, indent=False,
               align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, "", indent=False)

    month = month_name_ru(letter.period)
    subject = (f"О представлении Реестра услуг за {month} с нарушением срока" if letter.is_late
               else f"О замечаниях к Реестру услуг за {month} (версия {letter.version})")
    _paragraph(doc, subject, bold=True, indent=False, align=WD_ALIGN_PARAGRAPH.LEFT)
    _paragraph(doc, "", indent=False)
    _paragraph(doc, first_paragraph(letter, settings))

    by_rule = letter.by_rule()
    if by_rule:
        _paragraph(doc, "Номера строк указаны по файлу, представленному оператором (номер строки листа "
                        "электронной таблицы). Перечень строк с указанием причин приведен в приложении к "
                        "настоящему письму и направляется также в виде электронной таблицы.")
        _paragraph(doc, "")
        n = letter.rows_left_out
        _paragraph(doc, f"Приложение: перечень строк Реестра услуг, не учтенных при формировании отчета "
                        f"({_rows_phrase(n)}).", indent=False, align=WD_ALIGN_PARAGRAPH.LEFT)
    _paragraph(doc, "")
    _paragraph(doc, "")
    signature = doc.add_table(rows=1, cols=2)
    signature.autofit = False
    for cell, text, width, align in zip(signature.rows[0].cells,
                                        (settings.signatory_position, settings.signatory_name),
                                        (TEXT_WIDTH_MM * 0.6, TEXT_WIDTH_MM * 0.4),
                                        (WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.RIGHT), strict=True):
        cell.width = Mm(width)
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
        cell.paragraphs[0].alignment = align
    _paragraph(doc, "", indent=False)
    _paragraph(doc, f"Исп.: {settings.executor_name}\nТел.: {settings.executor_phone}", indent=False,
               align=WD_ALIGN_PARAGRAPH.LEFT, size=10)

    if by_rule:
        doc.add_page_break()
        _paragraph(doc, f"Приложение\nк письму № {letter.number}\nот {format_date(letter.letter_date)}",
                   indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT, size=12)
        _paragraph(doc, "", indent=False)
        _paragraph(doc, f"Перечень строк Реестра услуг за {month} (версия {letter.version}), "
                        "не учтенных при формировании отчета", bold=True, indent=False,
                   align=WD_ALIGN_PARAGRAPH.CENTER)
        _paragraph(doc, "", indent=False)
        summary = _table(doc, SUMMARY_HEADERS, SUMMARY_WIDTHS_MM)
        _append_rows(summary, [(title, str(len({e.source_row for e in rows}))) for _, title, rows in by_rule])
        _set_font(summary, 11)
        _paragraph(doc, "", indent=False)
        table = _table(doc, APPENDIX_HEADERS, APPENDIX_WIDTHS_MM)
        shown: list[ErrorRow] = []
        left: list[tuple[str, int]] = []
        for _, title, rows in by_rule:
            shown += rows[: settings.max_rows_per_rule]
            if len(rows) > settings.max_rows_per_rule:
                left.append((title, len(rows) - settings.max_rows_per_rule))
        shown.sort(key=lambda e: (e.source_row, e.rule_order, e.rule_id))
        _append_rows(table, [(str(e.source_row), xml_text(e.column_title_ru or NO_COLUMN), _value_text(e),
                              e.rule_title_ru) for e in shown])
        _set_font(table, 11)
        for title, more in left:
            _paragraph(doc, f"Еще {_rows_phrase(more)} по причине «{title}» — в электронной таблице, "
                            "прилагаемой к письму.",
                       indent=False, size=12)
    doc.save(str(path))


def _set_font(table: Table, size: float) -> None:
    """The table's runs in a smaller size (its rows were written as XML: set the size there too)."""
    for run in table._tbl.iter(qn("w:r")):
        properties = run.find(qn("w:rPr"))
        if properties is None:
            properties = parse_xml(f"<w:rPr {nsdecls('w')}/>")
            run.insert(0, properties)
        properties.append(parse_xml(f'<w:sz {nsdecls("w")} w:val="{int(size * 2)}"/>'))


def _append_rows(table: Table, rows: list[tuple[str, ...]]) -> None:
    """Plain text rows, as ``table.add_row()`` and ``cell.text`` would write them.

    python-docx recomputes the table's cell grid on every ``add_row().cells``, and its
    ``run.text`` builds a run character by character: a letter's tables hold up to 200 rows
    per rule, and filling them that way took most of the letters' time. Here the rows are
    written as XML text at the widths of the table's grid columns (each run's content as
    python-docx writes it: ``docx_text.cell_text_xml``) and parsed in one call.
    """
    widths = [col.get(qn("w:w")) for col in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    cells = []
    for values in rows:
        cells.append("<w:tr>")
        for width, text in zip(widths, values, strict=True):
            run = f"<w:r>{cell_text_xml(text)}</w:r>" if text else ""
            cells.append(f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/></w:tcPr><w:p>{run}</w:p></w:tc>')
        cells.append("</w:tr>")
    parsed = parse_xml(f"<w:tbl {nsdecls('w')}>{''.join(cells)}</w:tbl>")
    table._tbl.extend(list(parsed))


def _value_text(error: ErrorRow) -> str:
    if error.column_title_ru is None:
        return NO_COLUMN
    return xml_text(error.value) if error.value not in (None, "") else EMPTY_VALUE


ANNEX_ROWS_PER_SHEET = 1_048_575  # Excel's 1,048,576 rows, less the header


def write_annex(letter: Letter, path: Path, rows_per_sheet: int = ANNEX_ROWS_PER_SHEET) -> None:
    """The annex: every row left out and why, by row; more than a sheet holds continue on the next
    sheet («Ошибки (2)», …), each with the header. Printed, it is A4 landscape, the columns on one
    page wide."""
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                               "strings_to_urls": False})
    workbook.set_properties({"title": f"Приложение к письму № {letter.number}",
                             "created": datetime.combine(letter.letter_date, datetime.min.time())})
    bold = workbook.add_format({"bold": True})
    quoted = workbook.add_format({"quote_prefix": True})
    ordered = sorted(letter.errors, key=lambda e: (e.source_row, e.rule_order, e.rule_id))
    for part in range(max(1, -(-len(ordered) // rows_per_sheet))):
        sheet = workbook.add_worksheet("Ошибки" if part == 0 else f"Ошибки ({part + 1})")
        for column, title in enumerate(ANNEX_HEADERS):
            sheet.write_string(0, column, title, bold)
        chunk = ordered[part * rows_per_sheet:(part + 1) * rows_per_sheet]
        for row, error in enumerate(chunk, start=1):
            sheet.write_number(row, 0, error.source_row)
            write_text(sheet, row, 1, error.column_title_ru or NO_COLUMN, quoted_format=quoted)
            # Text, never a number: an IIN keeps its leading zero.
            write_text(sheet, row, 2, _value_text(error), quoted_format=quoted)
            write_text(sheet, row, 3, error.rule_title_ru, quoted_format=quoted)
            write_text(sheet, row, 4, error.message_ru, quoted_format=quoted)
        sheet.set_column(0, 0, 14)
        sheet.set_column(1, 2, 40)
        sheet.set_column(3, 4, 60)
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(0)
        sheet.freeze_panes(1, 0)
    workbook.close()


def letter_fingerprint(letter: Letter, settings: LetterSettings) -> str:
    """What a letter's files are made of: its content, the letterhead and this module's code.

    Kept in the .docx (its ``identifier`` property), so that a build whose letter would come
    out the same leaves the files as they are instead of writing them again.
    """
    return hashlib.sha256(_CODE_DIGEST + repr((letter, settings)).encode("utf-8")).hexdigest()


def _written_fingerprint(folder: Path, with_annex: bool) -> str | None:
    """The fingerprint in the folder's .docx, if the files a letter of it consists of are there
    (the annex exactly when ``with_annex``)."""
    if (folder / ANNEX_FILE).is_file() != with_annex:
        return None
    try:
        with zipfile.ZipFile(folder / LETTER_FILE) as docx:
            found = _IDENTIFIER.search(docx.read("docProps/core.xml"))
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    return found.group(1).decode() if found else None


def write_letter(letters_dir: Path, letter: Letter, settings: LetterSettings | None = None) -> LetterFiles:
    """Write the letter and its annex into ``<letters_dir>/<YYYY-MM>/v<N>/``, replacing it whole,
    unless the files there are already this letter's (same fingerprint). A letter that lists no row
    (a late registry's notice) has no annex: an empty table would be sent as if rows were left out."""
    settings = settings or LetterSettings()
    target = letter_folder(letters_dir, letter.period, letter.version)
    with_annex = bool(letter.errors)
    files = LetterFiles(folder=target, letter=target / LETTER_FILE, annex=target / ANNEX_FILE if with_annex else None)
    fingerprint = letter_fingerprint(letter, settings)
    if _written_fingerprint(target, with_annex) == fingerprint:
        return files
    _private_dir(letters_dir)
    _private_dir(target.parent)
    staging = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    retired = target.with_name(f".{target.name}.old-{os.getpid()}")
    for leftover in (staging, retired):
        shutil.rmtree(leftover, ignore_errors=True)
    try:
        staging.mkdir(mode=DIR_MODE)
        os.chmod(staging, DIR_MODE)
        write_docx(letter, settings, staging / LETTER_FILE, fingerprint)
        if with_annex:
            write_annex(letter, staging / ANNEX_FILE)
        for written in staging.iterdir():
            os.chmod(written, FILE_MODE)
        # A directory cannot be renamed over a non-empty one: move the old letter aside first.
        if target.exists():
            os.replace(target, retired)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(retired, ignore_errors=True)
    return files


def remove_stale_letters(letters_dir: Path, keep: set[tuple[str, int]]) -> list[Path]:
    """Delete version folders whose registry no longer has errors (the batch was replaced)."""
    removed: list[Path] = []
    if not letters_dir.is_dir():
        return removed
    for month_dir in sorted(p for p in letters_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for version_dir in sorted(p for p in month_dir.iterdir() if p.is_dir() and p.name.startswith("v")):
            if not version_dir.name[1:].isdigit():
                continue
            if (month_dir.name, int(version_dir.name[1:])) not in keep:
                shutil.rmtree(version_dir)
                removed.append(version_dir)
    return removed


ACT_MESSAGE_RU = {
    "act_missing": "Акт оказанных услуг по данному клиенту и услуге отсутствует (пункт 11 Методики)",
    "act_date_mismatch": "Дата окончания услуги в реестре не совпадает с датой оказания услуги в акте "
                         "(пункт 11 Методики)",
    "act_service_mismatch": "Услуга или ее подвид в реестре не совпадает с указанными в акте на эту дату "
                            "(пункт 11 Методики)",
}


def _error_rows_sql() -> str:
    """Every reason a row is left out with the raw value(s) of the column(s) at fault: the
    error-severity rule violations and the rows the acts do not confirm (clause 11, as
    int_registry_services_confirmed decides it; the column named by validation_rules.csv)."""
    form = [spec.name for spec in input_columns("registry")]
    return f"""
with violations as (
    select batch_id, source_row, rule_id, rule_sort_order, column_name, message_ru
    from intermediate.int_registry_rule_violations
    where severity = 'error'
    union all
    select
        confirmed.batch_id, confirmed.source_row, rules.rule_id, rules.sort_order,
        nullif(rules.column_name, ''), null
    from intermediate.int_registry_services_confirmed as confirmed
    inner join reference.validation_rules as rules on rules.rule_id = confirmed.act_exclusion_reason
),
exploded as (
    select
        batch_id, source_row, rule_id,
        unnest(string_split(column_name, ', ')) as one_column,
        unnest(range(len(string_split(column_name, ', ')))) as position
    from violations
    where column_name is not null
),
wanted_rows as (
    select distinct batch_id, source_row from exploded
),
cells as (
    select batch_id, source_row, one_column, cell_value
    from (
        select registry.batch_id, registry.source_row, {', '.join(f'registry.{c}' for c in form)}
        from raw.registry_rows as registry
        semi join wanted_rows
            on wanted_rows.batch_id = registry.batch_id and wanted_rows.source_row = registry.source_row
    )
    unpivot include nulls (cell_value for one_column in ({', '.join(form)}))
),
valued as (
    select
        exploded.batch_id, exploded.source_row, exploded.rule_id,
        list(exploded.one_column order by exploded.position) as columns,
        list(coalesce(cells.cell_value, '') order by exploded.position) as cell_values
    from exploded
    left join cells
        on cells.batch_id = exploded.batch_id
        and cells.source_row = exploded.source_row
        and cells.one_column = exploded.one_column
    group by all
)
select
    violations.batch_id,
    batches.period,
    batches.version,
    batches.source_file,
    batches.source_sha256,
    least(batches.submitted_at, batches.received_at) as arrived_at,
    violations.source_row,
    violations.rule_id,
    violations.rule_sort_order,
    rules.title_ru,
    violations.message_ru,
    rules.kind,
    valued.columns,
    valued.cell_values
from violations
inner join raw.batches as batches on batches.batch_id = violations.batch_id
inner join reference.validation_rules as rules on rules.rule_id = violations.rule_id
left join valued
    on valued.batch_id = violations.batch_id
    and valued.source_row = violations.source_row
    and valued.rule_id = violations.rule_id
order by batches.period, batches.version, violations.source_row, violations.rule_sort_order
"""


@dataclass(frozen=True)
class PendingLetter:
    """A letter to write, with what correspondence.letters records about it."""

    batch_id: str
    source_sha256: str
    letter: Letter
    produced_at: datetime
    letter_due_at: datetime


@dataclass(frozen=True)
class _Submission:
    batch_id: str
    period: str
    version: int
    source_file: str
    source_sha256: str
    submitted_at: datetime
    arrived_at: datetime


def late_registries(submissions: Sequence[_Submission], corrections_asked: set[str],
                    settings: DeadlineSettings = DEFAULT_SETTINGS,
                    calendar: WorkingCalendar | None = None) -> dict[str, datetime]:
    """The versions left out for lateness (R8, clause 10), with their R5 deadline: submitted after
    it, and either of a month whose first version was late or not a correction a letter asked for
    (``corrections_asked``: versions with rule errors). int_registry_timeliness decides the same
    (its ``late_registry``) from the deadlines written after the letters; a late *correction*
    (clause 9) is not this."""
    late: dict[str, datetime] = {}
    by_period = groupby(sorted(submissions, key=lambda s: (s.period, s.version)), key=lambda s: s.period)
    for period, group in by_period:
        due = registry_due_at(month_start(period), settings, calendar)
        versions = list(group)
        month_late = not is_on_time(versions[0].submitted_at, month_start(period), settings, calendar)
        for previous, version in zip([None, *versions], versions, strict=False):
            if version.submitted_at <= due:
                continue
            if month_late or previous is None or previous.batch_id not in corrections_asked:
                late[version.batch_id] = due
    return late


def _error_row(source_row: int, rule_id: str, rule_order: int, title_ru: str, message_ru: str | None, kind: str,
               cols: list[str] | None, values: list[str] | None, columns: dict[str, ColumnSpec],
               shown: Callable[[str, str | None], str]) -> ErrorRow:
    """One reason as the letter shows it: the column(s) at fault and their values (masked where
    personal); a rule about the whole row (a repeated service: six columns) shows what its
    message says after the column titles instead ('повтор строки 571 …')."""
    message = message_ru or ACT_MESSAGE_RU.get(rule_id, title_ru)
    if cols and len(cols) > MAX_COLUMNS_SHOWN:
        return ErrorRow(source_row, rule_id, title_ru, message, WHOLE_ROW, message.split("»: ", 1)[-1],
                        rule_order, kind)
    return ErrorRow(
        source_row=source_row, rule_id=rule_id, rule_title_ru=title_ru, message_ru=message,
        column_title_ru="; ".join(columns[c].title_ru if c in columns else c for c in cols) if cols else None,
        value="; ".join(shown(c, v) for c, v in zip(cols, values or [], strict=True)) if cols else None,
        rule_order=rule_order, kind=kind)


def pending_letters(
    con: duckdb.DuckDBPyConnection,
    now: datetime,
    settings: DeadlineSettings = DEFAULT_SETTINGS,
) -> list[PendingLetter]:
    """One letter per registry version with rows left out (rule errors, rows the acts do not
    confirm) or left out whole for lateness.

    A letter (a notice too) already produced for the very same file keeps its first production
    time (and so its date and number): re-running the pipeline does not re-date a letter. Needs the dbt
    models of the rule checks (int_registry_rule_violations, int_registry_services_confirmed) built.
    """
    columns = {spec.name: spec for spec in input_columns("registry")}
    previous = dict(
        ((batch_id, sha), produced_at)
        for batch_id, sha, produced_at in con.execute(
            "select batch_id, source_sha256, produced_at from correspondence.letters").fetchall()
    )
    grouped: dict[str, list[tuple]] = {}
    for row in con.execute(_error_rows_sql()).fetchall():
        grouped.setdefault(row[0], []).append(row)
    submissions = [_Submission(*row) for row in con.execute(
        "select batch_id, period, version, source_file, source_sha256, submitted_at, "
        "least(submitted_at, received_at) from raw.batches where input = 'registry' "
        "order by period, version").fetchall()]
    years = [int(s.period[:4]) for s in submissions] + [local_date(now, settings).year]
    calendar = calendar_covering(years)
    asked = {batch_id for batch_id, rows in grouped.items() if any(row[-3] != "act" for row in rows)}
    late = late_registries(submissions, asked, settings, calendar)

    def shown(column: str, value: str | None) -> str:
        if not value:
            return EMPTY_VALUE
        spec = columns.get(column)
        return mask(value) if spec is not None and spec.personal_data else value

    letters: list[PendingLetter] = []
    for submission in submissions:
        rows = grouped.get(submission.batch_id, [])
        if not rows and submission.batch_id not in late:
            continue
        produced_at = previous.get((submission.batch_id, submission.source_sha256), now)
        day = letter_date(submission.arrived_at, produced_at, settings, calendar)
        errors = tuple(
            _error_row(source_row, rule_id, rule_order, title_ru, message_ru, kind, cols, values, columns, shown)
            for *_, source_row, rule_id, rule_order, title_ru, message_ru, kind, cols, values in rows
        )
        letters.append(PendingLetter(
            batch_id=submission.batch_id,
            source_sha256=submission.source_sha256,
            letter=Letter(
                period=submission.period, version=submission.version, source_file=submission.source_file,
                received_at=submission.arrived_at, letter_date=day,
                correction_due_at=correction_due_for(day, settings, calendar), errors=errors,
                late_due_at=late.get(submission.batch_id),
            ),
            produced_at=produced_at,
            letter_due_at=letter_due_at(submission.arrived_at, settings, calendar),
        ))
    return letters


def produce_letters(
    con: duckdb.DuckDBPyConnection,
    letters_dir: Path,
    now: datetime,
    letter_settings: LetterSettings | None = None,
    deadline_settings: DeadlineSettings = DEFAULT_SETTINGS,
    writers: Executor | None = None,
) -> list[dict[str, object]]:
    """Write every letter, drop the folders of versions that no longer need one, and replace
    correspondence.letters with one row per letter (no personal data), the register of letters sent
    to the operator: ``kind`` 'correction' for a letter that asks for a corrected registry (rule
    errors: the only kind the timeliness rules await a correction for), 'notice' for one that only
    tells what is left out (rows the acts do not confirm, a late registry) — a notice states no
    correction deadline (``correction_due_at`` is NULL). Returns the rows recorded, with the count
    of rows left out.

    With ``writers`` (worker processes) the letters are written several at a time: an annex
    of 20,000 error rows and its letter take seconds of Python each at a million rows a month.
    """
    ensure_correspondence_schema(con)
    pending = pending_letters(con, now, deadline_settings)
    letters = [item.letter for item in pending]
    written = (writers.map(write_letter, repeat(letters_dir), letters, repeat(letter_settings))
               if writers is not None and len(letters) > 1
               else (write_letter(letters_dir, letter, letter_settings) for letter in letters))
    records: list[dict[str, object]] = []
    for item, files in zip(pending, written, strict=True):
        letter = item.letter
        records.append({
            "batch_id": item.batch_id,
            "period": letter.period,
            "month": date(int(letter.period[:4]), int(letter.period[5:]), 1),
            "version": letter.version,
            "source_sha256": item.source_sha256,
            "letter_number": letter.number,
            "letter_date": letter.letter_date,
            "produced_at": item.produced_at,
            "letter_due_at": item.letter_due_at,
            "produced_late": item.produced_at > item.letter_due_at,
            "correction_due_at": letter.correction_due_at if letter.asks_correction else None,
            "error_rows": letter.error_rows,
            "error_count": len(letter.rule_errors),
            "rule_count": len({e.rule_id for e in letter.rule_errors}),
            "path": str(files.letter),
            "annex_path": None if files.annex is None else str(files.annex),
            "kind": "correction" if letter.asks_correction else "notice",
            "act_rows": letter.act_rows,
            "registry_late": letter.is_late,
            "rows_left_out": letter.rows_left_out,
        })
    remove_stale_letters(letters_dir, {(r["period"], r["version"]) for r in records})
    replace_tables(con, {"letters": records})
    return records
