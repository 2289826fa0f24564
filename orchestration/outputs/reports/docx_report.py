"""Write the report layout as a Russian .docx (the paper form of clause 13).

A4, Times New Roman as in Kazakh official documents, body text justified with a 1.25 cm
first-line indent; the statistical section is landscape so the regional tables fit the
page. Tables too wide even for landscape are split into column parts («продолжение»)
that repeat the region column; header rows repeat on every page and rows never split.
"""

from __future__ import annotations

import io
import math
from datetime import date
from pathlib import Path
from types import ModuleType

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from orchestration import settings
from orchestration.outputs.reports.docx_grid import add_grid
from orchestration.outputs.reports.layout import (
    Chart,
    Heading,
    Orientation,
    PageBreak,
    Paragraph,
    ReportLayout,
    Signature,
    TableBlock,
)
from orchestration.outputs.reports.tables import ReportTable

FONT = "Times New Roman"
A4 = (Cm(21.0), Cm(29.7))
MARGINS = {"left": Cm(2.0), "right": Cm(1.5), "top": Cm(2.0), "bottom": Cm(1.5)}
MIN_NUMBER_COLUMN_CM = 1.55  # "123 456¹" at 8 pt with cell padding
CHART_WIDTH_CM = {True: 20.0, False: 16.0}


def write_docx(layout: ReportLayout, path: Path, generated: date) -> None:
    texts = layout.texts
    doc = Document()
    _styles(doc, texts.LANGUAGE_TAG)
    section = doc.sections[0]
    _geometry(section, landscape=False)
    _page_numbers(section)
    _title_page(doc, layout, generated)
    # the id python-docx's `table.style` setter would look up for every table, looked up once
    grid_style = doc.part.get_style_id(doc.styles["Table Grid"], WD_STYLE_TYPE.TABLE)
    landscape = False
    findings = 0
    page_break = False
    for index, block in enumerate(layout.blocks):
        following = layout.blocks[index + 1] if index + 1 < len(layout.blocks) else None
        if isinstance(block, Heading):
            heading = doc.add_heading(block.text, level=block.level)
            heading.paragraph_format.page_break_before = page_break
            page_break = False
        elif isinstance(block, Paragraph):
            findings = findings + 1 if block.style == "finding" else 0
            _paragraph(doc, block, findings, keep_with_next=isinstance(following, TableBlock | Chart))
        elif isinstance(block, TableBlock):
            _table(doc, block.table, _content_width_cm(landscape), grid_style, texts)
        elif isinstance(block, Chart):
            _chart(doc, block, landscape, texts)
        elif isinstance(block, Orientation):
            landscape = block.landscape
            _geometry(doc.add_section(WD_SECTION.NEW_PAGE), landscape)
        elif isinstance(block, Signature):
            _signature(doc, texts)
        elif isinstance(block, PageBreak):
            page_break = True  # carried by the next heading, so no empty paragraph opens the page
    properties = doc.core_properties
    properties.title = f"{texts.DOCUMENT_TITLE} {texts.document_subtitle(layout.period)}"
    properties.author = texts.ORGANISATION
    properties.last_modified_by = texts.ORGANISATION
    properties.language = texts.LANGUAGE_TAG
    properties.comments = ""
    doc.save(str(path))


# --- page and styles --------------------------------------------------------------------


def _content_width_cm(landscape: bool) -> float:
    page = A4[1] if landscape else A4[0]
    return (page - MARGINS["left"] - MARGINS["right"]) / Cm(1)


def _geometry(section, landscape: bool) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (A4[1], A4[0]) if landscape else A4
    for side, value in MARGINS.items():
        setattr(section, f"{side}_margin", value)


def _times(rpr, language_tag: str) -> None:
    """Explicit Times New Roman and the edition's language (ru-RU, kk-KZ) on a run-properties
    element, dropping theme fonts.

    The default template takes fonts from its theme (Calibri, Cambria); an explicit name would
    lose to them in some renderers, so the theme attributes are removed, not overridden.
    """
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), language_tag)
    lang.set(qn("w:eastAsia"), language_tag)


def _set_font(element_style, size: float, language_tag: str, bold: bool | None = None) -> None:
    font = element_style.font
    font.name = FONT
    font.size = Pt(size)
    font.color.rgb = RGBColor(0, 0, 0)
    if bold is not None:
        font.bold = bold
    _times(element_style.element.get_or_add_rPr(), language_tag)


def _styles(doc: DocumentObject, language_tag: str) -> None:
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    _times(defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")), language_tag)
    normal = doc.styles["Normal"]
    _set_font(normal, 12, language_tag)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.1
    for level, size in ((1, 14), (2, 12), (3, 12)):
        style = doc.styles[f"Heading {level}"]
        _set_font(style, size, language_tag, bold=True)
        style.font.italic = False
        style.paragraph_format.space_before = Pt(14 if level == 1 else 10)
        style.paragraph_format.space_after = Pt(6)
        style.paragraph_format.keep_with_next = True
        linked = doc.styles.element.find(f"{qn('w:style')}[@{qn('w:styleId')}='Heading{level}Char']")
        if linked is not None:  # the character twin of the heading style, still on theme fonts
            _times(linked.find(qn("w:rPr")), language_tag)
            colour = linked.find(qn("w:rPr")).find(qn("w:color"))
            if colour is not None:
                colour.getparent().remove(colour)


def _page_numbers(section) -> None:
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        run = paragraph.add_run()
        run.font.size = Pt(10)
        if kind:
            field = OxmlElement("w:fldChar")
            field.set(qn("w:fldCharType"), kind)
            run._r.append(field)
        else:
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = text
            run._r.append(instruction)


def _title_page(doc: DocumentObject, layout: ReportLayout, generated: date) -> None:
    texts = layout.texts

    def centred(text: str, size: float, bold: bool = False, before: float = 0) -> None:
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_before = Pt(before)
        run = paragraph.add_run(text)
        run.font.size = Pt(size)
        run.bold = bold

    def right(text: str, before: float = 0, size: float = 12) -> None:
        paragraph = doc.add_paragraph()
        paragraph.paragraph_format.left_indent = Cm(9.0)
        paragraph.paragraph_format.space_before = Pt(before)
        paragraph.paragraph_format.space_after = Pt(0)
        paragraph.add_run(text).font.size = Pt(size)

    centred(texts.ORGANISATION, 14, bold=True)
    left = doc.add_paragraph()
    left.paragraph_format.space_before = Pt(18)
    left.add_run(texts.outgoing(generated)).font.size = Pt(11)
    right(settings.report_addressee(texts.LANGUAGE_TAG[:2]), before=18, size=13)
    centred(texts.DOCUMENT_TITLE, 20, bold=True, before=130)
    centred(texts.document_subtitle(layout.period), 14, before=12)
    centred(texts.generated_on(generated), 11, before=24)
    centred(f"{texts.CITY}, {generated.year}", 12, before=200)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    _contents(doc, layout)


def _contents(doc: DocumentObject, layout: ReportLayout) -> None:
    """The table of contents: a Word TOC field over the headings (levels 1–2) whose shown result
    is the list of headings, written here. Word fills in the page numbers on opening (the field
    is marked dirty, settings ask to update fields); LibreOffice, converting to PDF, prints the
    list as written."""
    texts = layout.texts
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(12)
    title.add_run(texts.TOC_TITLE).bold = True
    headings = [b for b in layout.blocks if isinstance(b, Heading) and b.level <= 2]

    def field_char(paragraph, kind: str) -> None:
        field = OxmlElement("w:fldChar")
        field.set(qn("w:fldCharType"), kind)
        if kind == "begin":
            field.set(qn("w:dirty"), "true")
        paragraph.add_run()._r.append(field)

    for index, heading in enumerate(headings):
        paragraph = doc.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(2)
        paragraph.paragraph_format.left_indent = Cm(0.6 * (heading.level - 1))
        if index == 0:
            field_char(paragraph, "begin")
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = 'TOC \\o "1-2" \\h \\z \\u'
            paragraph.add_run()._r.append(instruction)
            field_char(paragraph, "separate")
        paragraph.add_run(heading.text).font.size = Pt(11)
        if index == len(headings) - 1:
            field_char(paragraph, "end")
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    doc.settings.element.append(update)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _signature(doc: DocumentObject, texts: ModuleType) -> None:
    """The signatory (position, a line to sign on, name) and the executor with a phone."""
    language = texts.LANGUAGE_TAG[:2]
    signatory = settings.report_official("signatory", language=language)
    executor = settings.report_official("executor", language=language)
    position = doc.add_paragraph()
    position.paragraph_format.space_before = Pt(30)
    position.paragraph_format.space_after = Pt(0)
    position.paragraph_format.keep_with_next = True
    position.add_run(signatory.position).bold = True
    block = doc.add_paragraph()
    block.paragraph_format.keep_with_next = True
    block.paragraph_format.tab_stops.add_tab_stop(Cm(8.0))
    block.paragraph_format.tab_stops.add_tab_stop(Cm(17.0), WD_TAB_ALIGNMENT.RIGHT)
    block.add_run(f"\t{texts.SIGNATURE_LINE}\t{signatory.name}").bold = True
    line = doc.add_paragraph()
    line.paragraph_format.space_before = Pt(36)
    run = line.add_run(f"{texts.EXECUTOR}: {executor.name}, {executor.position}, {texts.PHONE} {executor.phone}")
    run.font.size = Pt(9)


# --- text -------------------------------------------------------------------------------


def _paragraph(doc: DocumentObject, block: Paragraph, finding_number: int, keep_with_next: bool = False) -> None:
    paragraph = doc.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.keep_with_next = keep_with_next  # an introduction stays on the page of its table or chart
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    if block.style == "finding":
        fmt.left_indent = Cm(0.9)
        fmt.first_line_indent = Cm(-0.6)
        paragraph.add_run(f"{finding_number}.\u00a0{block.text}")
    else:
        fmt.first_line_indent = Cm(1.25)
        paragraph.add_run(block.text)


def _chart(doc: DocumentObject, chart: Chart, landscape: bool, texts: ModuleType) -> None:
    picture = doc.add_paragraph()
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.paragraph_format.keep_with_next = True
    picture.add_run().add_picture(io.BytesIO(chart.png), width=Cm(CHART_WIDTH_CM[landscape]))
    caption = doc.add_paragraph()
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.add_run(f"{texts.figure_label(chart.number)} – {chart.caption}").italic = True


# --- tables -----------------------------------------------------------------------------


def _column_parts(table: ReportTable, width_cm: float) -> list[list[int]]:
    """Split the value columns into parts that fit the width, never splitting a column group."""
    groups: list[list[int]] = []
    for index, column in enumerate(table.columns):
        if groups and column.group and table.columns[groups[-1][0]].group == column.group:
            groups[-1].append(index)
        else:
            groups.append([index])
    stub_cm = min(5.5, width_cm * 0.28)
    fits = max(1, int((width_cm - stub_cm) // MIN_NUMBER_COLUMN_CM))
    parts_needed = math.ceil(len(table.columns) / fits)
    if parts_needed <= 1:
        return [list(range(len(table.columns)))]
    per_part = math.ceil(len(groups) / parts_needed)
    parts = [sum(groups[i : i + per_part], []) for i in range(0, len(groups), per_part)]
    return parts


def _widths(table: ReportTable, columns: list[int], width_cm: float, font: float) -> list[float]:
    """Column widths in cm: each column as wide as its content needs, narrowed only if too wide.

    A narrow table keeps its natural width (centred) instead of stretching two numbers across
    a landscape page. When the natural widths overflow, every column keeps at least its
    longest word (so no header breaks inside a word) and the rest of the width is shared.
    """
    per_char = 0.021 * font  # average width of a Times New Roman character, cm per point size

    def width(chars: int) -> float:
        return chars * per_char + 0.45

    def words(texts: list[str]) -> int:
        return max((len(w) for t in texts for w in t.split()), default=1)

    stub_texts = [r.label for r in table.rows] + [table.stub]
    minimum = [min(6.0, width(words(stub_texts)))]
    # Row labels get up to 9 cm in a table of a few columns (long service names stay on one
    # line), 5.6 cm in a wide regional table where the value columns need the room.
    stub_cap, stub_chars = (9.0, 60) if len(columns) <= 4 else (5.6, 34)
    natural = [min(stub_cap, max(3.0, width(min(stub_chars, max(len(t) for t in stub_texts)))))]
    for c in columns:
        cells = [r.cells[c].text() for r in table.rows] or [""]
        header = table.columns[c].label
        least = max(MIN_NUMBER_COLUMN_CM, width(words([header, *cells])))
        minimum.append(least)
        natural.append(max(least, width(min(24, max(len(t) for t in cells)))))
    if sum(natural) <= width_cm:
        return natural
    stub, low, high = natural[0], minimum[1:], natural[1:]  # row labels keep their width
    room = width_cm - stub
    if sum(low) >= room:
        return [stub, *[w * room / sum(low) for w in low]]
    share = (room - sum(low)) / (sum(high) - sum(low))
    return [stub, *[a + (b - a) * share for a, b in zip(low, high, strict=True)]]


def _table(doc: DocumentObject, table: ReportTable, width_cm: float, grid_style: str | None,
           texts: ModuleType) -> None:
    parts = _column_parts(table, width_cm)
    font = 8.0 if len(parts[0]) > 6 or len(parts) > 1 else 9.0
    for part_number, columns in enumerate(parts):
        caption = f"{texts.table_label(table.number)} – {table.title}"
        if part_number:
            caption = f"{texts.table_label(table.number)} {texts.CONTINUED}"
        _caption(doc, caption, table.unit if part_number == 0 else "")
        last = part_number == len(parts) - 1
        add_grid(doc, table, columns, _widths(table, columns, width_cm, font), font, grid_style,
                 keep_with_notes=last and bool(table.notes))
    for index, note in enumerate(table.notes):
        paragraph = doc.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        paragraph.paragraph_format.keep_with_next = index < len(table.notes) - 1
        paragraph.add_run(note).font.size = Pt(8)
    doc.add_paragraph().paragraph_format.space_after = Pt(0)


def _caption(doc: DocumentObject, text: str, unit: str) -> None:
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.keep_with_next = True
    paragraph.paragraph_format.space_before = Pt(6)
    paragraph.paragraph_format.space_after = Pt(2)
    paragraph.add_run(text).bold = True
    if unit:
        line = doc.add_paragraph()
        line.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        line.paragraph_format.keep_with_next = True
        line.paragraph_format.space_after = Pt(2)
        run = line.add_run(f"({unit})")
        run.italic = True
        run.font.size = Pt(9)
