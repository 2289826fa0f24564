"""Write the report's tables as an .xlsx, the data carrier of clause 13.

One sheet per table of the document, with the same number, title, headers and figures, so
the workbook and the .docx agree by construction. Counts are real numbers (not text) with
a thousands format; a footnote mark is part of the number format, so the cell stays a
number a reader can sum. Header rows are frozen and the contents sheet lists every table.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import xlsxwriter

from orchestration.outputs.reports.layout import ReportLayout
from orchestration.outputs.reports.tables import ReportTable

NUMBER_FORMATS = {"int": "#,##0", "score": "0.0", "share": "0.0%", "mean": "#,##0.0"}


def sheet_name(table: ReportTable, texts: ModuleType) -> str:
    """'Таблица 12' / '12-кесте', or the sheet the table shares with others (the operator's scorecard)."""
    return table.sheet or texts.table_label(table.number)


def write_xlsx(layout: ReportLayout, path: Path) -> None:
    texts = layout.texts
    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties(
        {
            "title": f"{texts.DOCUMENT_TITLE} {texts.document_subtitle(layout.period)}",
            "author": texts.ORGANISATION,
            "company": texts.ORGANISATION,
        }
    )
    styles = _Styles(workbook)
    contents = workbook.add_worksheet(texts.CONTENTS_SHEET)
    contents.write(0, 0, texts.DOCUMENT_TITLE, styles.title)
    contents.write(1, 0, texts.document_subtitle(layout.period))
    contents.write_row(3, 0, [texts.TABLE, texts.CONTENTS_TITLE_HEADER], styles.header)
    contents.set_column(0, 0, 14)
    contents.set_column(1, 1, 110)
    shared: dict[str, tuple[object, int]] = {}  # a shared sheet → (the sheet, its next free row)
    for index, table in enumerate(layout.tables):
        name = sheet_name(table, texts)
        contents.write_url(4 + index, 0, f"internal:'{name}'!A1", string=texts.table_label(table.number))
        contents.write(4 + index, 1, table.title if table.sheet is None else texts.on_sheet(table.title, name))
        if table.sheet is None:
            _sheet(workbook.add_worksheet(name), table, styles, texts)
            continue
        sheet, row = shared.get(name) or (workbook.add_worksheet(name), 0)
        shared[name] = (sheet, _sheet(sheet, table, styles, texts, row, freeze=False) + 2)
    workbook.close()


class _Styles:
    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        base = {"font_name": "Times New Roman", "font_size": 10}
        self.workbook = workbook
        self.title = workbook.add_format({**base, "bold": True, "font_size": 12})
        self.unit = workbook.add_format({**base, "italic": True})
        self.note = workbook.add_format({**base, "font_size": 9})
        self.header = workbook.add_format(
            {
                **base,
                "bold": True,
                "text_wrap": True,
                "align": "center",
                "valign": "vcenter",
                "border": 1,
                "bg_color": "#E7EEF6",
            }
        )
        self.text = workbook.add_format({**base, "border": 1, "text_wrap": True, "valign": "vcenter"})
        self.cache: dict[tuple[str, str, bool, int], xlsxwriter.format.Format] = {}

    def value(self, kind: str, marks: str, bold: bool, indent: int = 0) -> xlsxwriter.format.Format:
        key = (kind, marks, bold, indent)
        if key not in self.cache:
            spec = {
                "font_name": "Times New Roman",
                "font_size": 10,
                "border": 1,
                "bold": bold,
                "valign": "vcenter",
            }
            if kind in NUMBER_FORMATS:
                spec["num_format"] = NUMBER_FORMATS[kind] + (f'"{marks}"' if marks else "")
            else:
                spec["text_wrap"] = True
            if indent:
                spec["indent"] = indent
            self.cache[key] = self.workbook.add_format(spec)
        return self.cache[key]


def _sheet(sheet, table: ReportTable, styles: _Styles, texts: ModuleType, first_row: int = 0,
           freeze: bool = True) -> int:
    """Write ``table`` from ``first_row`` on; returns the row after its last note. Several
    tables share a sheet (``freeze=False``: no frozen header, the widths of the widest)."""
    sheet.write(first_row, 0, f"{texts.table_label(table.number)} – {table.title}", styles.title)
    if table.unit:
        sheet.write(first_row + 1, 0, f"({table.unit})", styles.unit)
    top = first_row + 3
    last = len(table.columns)
    if table.grouped:
        sheet.merge_range(top, 0, top + 1, 0, table.stub, styles.header)
        start = 0
        while start < last:
            group = table.columns[start].group
            end = start
            while end + 1 < last and group and table.columns[end + 1].group == group:
                end += 1
            if group:
                if end > start:
                    sheet.merge_range(top, start + 1, top, end + 1, group, styles.header)
                else:
                    sheet.write(top, start + 1, group, styles.header)
                for column in range(start, end + 1):
                    sheet.write(top + 1, column + 1, table.columns[column].label, styles.header)
            else:
                sheet.merge_range(
                    top, start + 1, top + 1, start + 1, table.columns[start].label, styles.header
                )
            start = end + 1
        first_data = top + 2
    else:
        sheet.write_row(top, 0, [table.stub, *[c.label for c in table.columns]], styles.header)
        first_data = top + 1
    for offset, row in enumerate(table.rows):
        line = first_data + offset
        sheet.write_string(line, 0, row.label, styles.value("text", "", row.total, row.level))
        for index, cell in enumerate(row.cells, start=1):
            style = styles.value(cell.kind, cell.marks, row.total)
            if cell.value is None:
                sheet.write_blank(line, index, None, style)
            elif cell.kind == "text":
                sheet.write_string(line, index, str(cell.value), style)
            else:
                sheet.write_number(line, index, cell.value, style)
    for offset, note in enumerate(table.notes):
        sheet.write(first_data + len(table.rows) + 1 + offset, 0, note, styles.note)
    if freeze:
        sheet.freeze_panes(first_data, 1)
        sheet.set_column(1, last, 14)
    else:
        sheet.set_column(1, max(last, 9), 14)
    sheet.set_column(0, 0, 34)
    sheet.set_row(top, 45 if table.grouped else 32)
    return first_data + len(table.rows) + 1 + len(table.notes)
