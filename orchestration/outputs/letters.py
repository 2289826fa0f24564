"""The agency's notification letter to the operator (R6, clause 8) and its annex of error rows.

For a registry version whose validation found error-severity defects, the letter tells the
operator, in Russian, which rows of *their own file* are wrong and how, and by when to send
a corrected registry (R7, clause 9: 3 working days from the letter). It is written to

    <letters_dir>/<YYYY-MM>/v<N>/letter.docx   the letter
    <letters_dir>/<YYYY-MM>/v<N>/annex.xlsx    every error row: row, column, value, rule, message

The letter and the annex are among the few outputs that carry personal data (the values at
fault: an IIN, a birth date...), so the folders are created owner-only (0o700) and the files
0o600. A version's folder is written whole into a temporary sibling and then swapped in, so a
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
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import groupby, repeat
from pathlib import Path

import duckdb
import xlsxwriter
from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt
from docx.table import Table

from orchestration.outputs.docx_text import cell_text_xml
from orchestration.outputs.safe_text import write_text, xml_text
from orchestration.reference import input_columns
from orchestration.rules.deadlines import DEFAULT_SETTINGS, DeadlineSettings, letter_due_at, local_date
from orchestration.rules.timeliness import calendar_covering, correction_due_for, letter_date
from orchestration.warehouse.correspondence import ensure_correspondence_schema, replace_tables

DIR_MODE = 0o700
FILE_MODE = 0o600
LETTER_FILE = "letter.docx"
ANNEX_FILE = "annex.xlsx"
_IDENTIFIER = re.compile(rb"<dc:identifier>([0-9a-f]{64})</dc:identifier>")
_CODE_DIGEST = hashlib.sha256(Path(__file__).read_bytes()).digest()  # this module's code, in every fingerprint

MONTHS_RU = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
             "октябрь", "ноябрь", "декабрь")
ANNEX_HEADERS = ("№ строки в файле оператора", "Графа", "Значение", "Код правила", "Правило",
                 "Описание ошибки")
EMPTY_VALUE = "(не заполнено)"
NO_COLUMN = "—"

@dataclass(frozen=True)
class LetterSettings:
    """Letterhead and signature. Defaults are the parties named in the methodology."""

    sender_name: str = "АО «Фонд развития предпринимательства «Даму»»"
    sender_details: str = ""  # address, phone, BIN: printed under the name when set
    addressee_name: str = "НПП РК «Атамекен»"
    addressee_position: str = "Руководителю"
    signatory_position: str = "Уполномоченное лицо"
    signatory_name: str = "________________"
    methodology_reference: str = (
        "Методики проведения мониторинга осуществления сервисной поддержки ведения действующей "
        "предпринимательской деятельности (приказ Министра национальной экономики Республики "
        "Казахстан от 24 июня 2019 года № 59)"
    )
    # The letter's tables list at most this many rows per rule; the annex lists them all.
    max_rows_per_rule: int = 200


@dataclass(frozen=True)
class ErrorRow:
    """One error-severity violation of one row of the operator's file."""

    source_row: int  # row number in the operator's own file, as Excel shows it
    rule_id: str
    rule_title_ru: str
    message_ru: str
    column_title_ru: str | None = None  # the form's column title; None for a whole-row rule
    value: str | None = None  # the value at fault, as received (personal data possible)
    rule_order: int = 0


@dataclass(frozen=True)
class Letter:
    period: str  # 'YYYY-MM'
    version: int
    source_file: str
    received_at: datetime
    letter_date: date
    correction_due_at: datetime
    errors: Sequence[ErrorRow] = field(default_factory=tuple)

    @property
    def number(self) -> str:
        return letter_number(self.period, self.version)

    @property
    def error_rows(self) -> int:
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
    annex: Path


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


def write_docx(letter: Letter, settings: LetterSettings, path: Path, fingerprint: str) -> None:
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(12)
    props = doc.core_properties
    props.author = settings.sender_name
    props.title = f"Письмо-уведомление № {letter.number}"
    stamp = datetime.combine(letter.letter_date, datetime.min.time())
    props.created = props.modified = stamp
    props.last_modified_by = settings.sender_name
    props.revision = 1
    props.identifier = fingerprint  # letter_fingerprint: write_letter compares it before writing

    doc.add_paragraph(settings.sender_name).runs[0].bold = True
    if settings.sender_details:
        doc.add_paragraph(settings.sender_details)
    doc.add_paragraph(f"Исх. № {letter.number} от {format_date(letter.letter_date)}")
    doc.add_paragraph(f"{settings.addressee_position} {settings.addressee_name}")

    month = month_name_ru(letter.period)
    subject = doc.add_paragraph(f"О замечаниях к Реестру услуг за {month} (версия {letter.version})")
    subject.runs[0].bold = True
    by_rule = letter.by_rule()
    doc.add_paragraph(
        f"В соответствии с пунктом 8 {settings.methodology_reference} сообщаем, что при проверке "
        f"Реестра услуг за {month}, версия {letter.version} (файл «{xml_text(letter.source_file)}», "
        f"поступил {format_date(local_date(letter.received_at))}), выявлены неправильно внесенные "
        f"и (или) некачественно заполненные данные: {_errors_phrase(len(letter.errors))} "
        f"в {letter.error_rows} {plural_ru(letter.error_rows, 'строке', 'строках', 'строках')} файла "
        f"по {len(by_rule)} "
        f"{plural_ru(len(by_rule), 'правилу', 'правилам', 'правилам')} проверки."
    )
    doc.add_paragraph(
        "Номера строк указаны по файлу Реестра услуг, представленному оператором (как их "
        "показывает Excel). Полный перечень ошибок приведен в приложении."
    )
    for index, (rule_id, title, rows) in enumerate(by_rule, start=1):
        row_numbers = sorted({e.source_row for e in rows})
        doc.add_paragraph(
            f"{index}. {title} (код {rule_id}): {_errors_phrase(len(rows))}, "
            f"{_rows_phrase(len(row_numbers))}."
        ).runs[0].bold = True
        doc.add_paragraph("Строки: " + ", ".join(str(n) for n in row_numbers))
        shown = rows[: settings.max_rows_per_rule]
        table = doc.add_table(rows=1, cols=3)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, ("№ строки", "Графа", "Значение"), strict=True):
            cell.text = text
        _append_rows(table, [(str(e.source_row), xml_text(e.column_title_ru or NO_COLUMN), _value_text(e))
                             for e in shown])
        if len(rows) > len(shown):
            doc.add_paragraph(f"Остальные ошибки по этому правилу ({len(rows) - len(shown)}) — в приложении.")

    correction_day = local_date(letter.correction_due_at)
    doc.add_paragraph(
        f"Согласно пункту 9 Методики просим в течение 3 (трех) рабочих дней со дня поступления "
        f"настоящего письма, не позднее {format_date(correction_day)}, устранить замечания и "
        f"представить исправленный Реестр услуг за {month} через информационную систему "
        f"оператора нефинансовой поддержки."
    )
    doc.add_paragraph(
        "Приложение: перечень ошибок Реестра услуг "
        f"({ANNEX_FILE}, {_errors_phrase(len(letter.errors))})."
    )
    doc.add_paragraph(f"{settings.signatory_position}    {settings.signatory_name}")
    doc.save(str(path))


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
    """The annex: every error, by row; more errors than a sheet holds continue on the next sheet
    («Ошибки (2)», …), each with the header."""
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
            write_text(sheet, row, 3, error.rule_id, quoted_format=quoted)
            write_text(sheet, row, 4, error.rule_title_ru, quoted_format=quoted)
            write_text(sheet, row, 5, error.message_ru, quoted_format=quoted)
        sheet.set_column(0, 0, 14)
        sheet.set_column(1, 2, 40)
        sheet.set_column(3, 3, 24)
        sheet.set_column(4, 5, 60)
        sheet.freeze_panes(1, 0)
    workbook.close()


def letter_fingerprint(letter: Letter, settings: LetterSettings) -> str:
    """What a letter's files are made of: its content, the letterhead and this module's code.

    Kept in the .docx (its ``identifier`` property), so that a build whose letter would come
    out the same leaves the files as they are instead of writing them again.
    """
    return hashlib.sha256(_CODE_DIGEST + repr((letter, settings)).encode("utf-8")).hexdigest()


def _written_fingerprint(folder: Path) -> str | None:
    """The fingerprint in the folder's .docx, if both files are there."""
    if not (folder / ANNEX_FILE).is_file():
        return None
    try:
        with zipfile.ZipFile(folder / LETTER_FILE) as docx:
            found = _IDENTIFIER.search(docx.read("docProps/core.xml"))
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    return found.group(1).decode() if found else None


def write_letter(letters_dir: Path, letter: Letter, settings: LetterSettings | None = None) -> LetterFiles:
    """Write the letter and its annex into ``<letters_dir>/<YYYY-MM>/v<N>/``, replacing it whole,
    unless the files there are already this letter's (same fingerprint)."""
    settings = settings or LetterSettings()
    target = letter_folder(letters_dir, letter.period, letter.version)
    fingerprint = letter_fingerprint(letter, settings)
    if _written_fingerprint(target) == fingerprint:
        return LetterFiles(folder=target, letter=target / LETTER_FILE, annex=target / ANNEX_FILE)
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
        write_annex(letter, staging / ANNEX_FILE)
        for name in (LETTER_FILE, ANNEX_FILE):
            os.chmod(staging / name, FILE_MODE)
        # A directory cannot be renamed over a non-empty one: move the old letter aside first.
        if target.exists():
            os.replace(target, retired)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(retired, ignore_errors=True)
    return LetterFiles(folder=target, letter=target / LETTER_FILE, annex=target / ANNEX_FILE)


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


def _error_rows_sql() -> str:
    """Every error-severity row violation with the raw value(s) of the column(s) at fault."""
    form = [spec.name for spec in input_columns("registry")]
    return f"""
with violations as (
    select batch_id, source_row, rule_id, rule_sort_order, column_name, message_ru
    from intermediate.int_registry_rule_violations
    where severity = 'error'
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


def pending_letters(
    con: duckdb.DuckDBPyConnection,
    now: datetime,
    settings: DeadlineSettings = DEFAULT_SETTINGS,
) -> list[PendingLetter]:
    """One letter per registry version with error-severity violations.

    A letter already produced for the very same file keeps its first production time (and so
    its date and number): re-running the pipeline does not re-date a letter. Needs the dbt
    models (int_registry_rule_violations) built.
    """
    titles = {spec.name: spec.title_ru for spec in input_columns("registry")}
    previous = dict(
        ((batch_id, sha), produced_at)
        for batch_id, sha, produced_at in con.execute(
            "select batch_id, source_sha256, produced_at from correspondence.letters").fetchall()
    )
    grouped: dict[str, list[tuple]] = {}
    for row in con.execute(_error_rows_sql()).fetchall():
        grouped.setdefault(row[0], []).append(row)
    years = [int(rows[0][1][:4]) for rows in grouped.values()] + [local_date(now, settings).year]
    calendar = calendar_covering(years)
    letters: list[PendingLetter] = []
    for batch_id, rows in grouped.items():
        _, period, version, source_file, sha, arrived_at = rows[0][:6]
        produced_at = previous.get((batch_id, sha), now)
        day = letter_date(arrived_at, produced_at, settings, calendar)
        errors = tuple(
            ErrorRow(
                source_row=source_row,
                rule_id=rule_id,
                rule_title_ru=title_ru,
                message_ru=message_ru,
                column_title_ru="; ".join(titles.get(c, c) for c in columns) if columns else None,
                value="; ".join(v or EMPTY_VALUE for v in values) if columns else None,
                rule_order=rule_order,
            )
            for *_, source_row, rule_id, rule_order, title_ru, message_ru, columns, values in rows
        )
        letters.append(PendingLetter(
            batch_id=batch_id,
            source_sha256=sha,
            letter=Letter(
                period=period, version=version, source_file=source_file, received_at=arrived_at,
                letter_date=day, correction_due_at=correction_due_for(day, settings, calendar), errors=errors,
            ),
            produced_at=produced_at,
            letter_due_at=letter_due_at(arrived_at, settings, calendar),
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
    """Write every letter, drop the folders of versions that no longer have errors, and replace
    correspondence.letters with one row per letter (no personal data). Returns those rows.

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
            "correction_due_at": letter.correction_due_at,
            "error_rows": letter.error_rows,
            "error_count": len(letter.errors),
            "rule_count": len(letter.by_rule()),
            "path": str(files.letter),
            "annex_path": str(files.annex),
        })
    remove_stale_letters(letters_dir, {(r["period"], r["version"]) for r in records})
    replace_tables(con, {"letters": records})
    return records
