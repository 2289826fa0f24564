"""One report table as a WordprocessingML ``w:tbl``, written as XML text and parsed once.

python-docx locates a cell by recomputing the whole table's cell grid on every `cell()`,
`row.cells` or `column.cells` call, and each formatting setter searches the element for its
schema position; filling and merging the 30-odd regional tables that way was most of the
.docx time. Even element-by-element lxml adds up over the tens of thousands of elements of a
report (docs/performance.md). So each table is written as text —
the merges as they end up (``gridSpan`` across a column group, ``vMerge`` down the two header
rows), the elements in schema order — and parsed in one call: the same table the cell-by-cell
calls produced, for Word, LibreOffice and python-docx, at a fraction of the cost.
"""

from __future__ import annotations

from dataclasses import dataclass

from docx.document import Document as DocumentObject
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Cm

from orchestration.outputs.docx_text import cell_text_xml
from orchestration.outputs.reports.tables import ReportTable

HEADER_FILL = "E7EEF6"
KEEP_TOGETHER_ROWS = 26  # a table of at most this many rows moves whole to the next page
CELL_MARGINS_TWIPS = (("left", 57), ("right", 57), ("top", 15), ("bottom", 15))
LONG_TEXT = 12  # a text column holding a longer text is left-aligned, not centred


@dataclass(frozen=True)
class GridCell:
    """One ``w:tc``: its text and look, how many grid columns it spans, its vertical merge."""

    text: str
    bold: bool = False
    align: str = "left"  # 'left' | 'right' | 'center'
    indent_cm: float = 0.0
    span: int = 1
    merge: str | None = None  # None | 'restart' (top of a vertical merge) | 'continue' (below it)


def add_grid(
    doc: DocumentObject,
    table: ReportTable,
    columns: list[int],
    widths_cm: list[float],
    font: float,
    style_id: str | None,
    keep_with_notes: bool = False,
) -> None:
    """Append ``table`` (the stub and the value ``columns``) at the given widths and font size.

    ``style_id`` is the id of the "Table Grid" style, looked up once per document by the caller.
    ``keep_with_notes``: the last row keeps with the paragraph after it, so a table's footnotes
    are printed on its (last) page, never a page later (issue 22).
    """
    twips = [Cm(width).twips for width in widths_cm]
    rows = [(cells, True) for cells in _header_rows(table, columns)]
    rows += [(cells, False) for cells in _body_rows(table, columns)]
    keep_together = len(rows) <= KEEP_TOGETHER_ROWS
    size = round(font * 2)  # w:sz is in half-points
    body = "".join(
        _row(cells, twips, size, is_header,
             (keep_together and index < len(rows) - 1) or (keep_with_notes and index == len(rows) - 1))
        for index, (cells, is_header) in enumerate(rows)
    )
    style = f'<w:tblStyle w:val="{style_id}"/>' if style_id else ""
    margins = "".join(f'<w:{side} w:w="{value}" w:type="dxa"/>' for side, value in CELL_MARGINS_TWIPS)
    grid = "".join(f'<w:gridCol w:w="{width}"/>' for width in twips)
    xml = (
        f"<w:tbl {nsdecls('w')}><w:tblPr>{style}"
        '<w:tblW w:type="auto" w:w="0"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/>'
        f"<w:tblCellMar>{margins}</w:tblCellMar>"
        '<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" w:noHBand="0" '
        'w:noVBand="1" w:val="04A0"/>'
        f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>{body}</w:tbl>"
    )
    placeholder = doc.add_table(rows=0, cols=len(twips))._tbl  # python-docx puts it in the body
    placeholder.getparent().replace(placeholder, parse_xml(xml))


def _header_rows(table: ReportTable, columns: list[int]) -> list[list[GridCell]]:
    """One header row, or two when columns are grouped: the group over its columns' labels;
    the stub and an ungrouped column span both rows."""

    def head(text: str, span: int = 1, merge: str | None = None) -> GridCell:
        return GridCell(text, bold=True, align="center", span=span, merge=merge)

    labels = [table.columns[c].label for c in columns]
    if not any(table.columns[c].group for c in columns):
        return [[head(table.stub), *[head(label) for label in labels]]]
    top, bottom = [head(table.stub, merge="restart")], [GridCell("", merge="continue")]
    position = 0
    while position < len(columns):
        group = table.columns[columns[position]].group
        end = position + 1
        while group and end < len(columns) and table.columns[columns[end]].group == group:
            end += 1
        if group:
            top.append(head(group, span=end - position))
            bottom.extend(head(label) for label in labels[position:end])
        else:
            top.append(head(labels[position], merge="restart"))
            bottom.append(GridCell("", merge="continue"))
        position = end
    return [top, bottom]


def _body_rows(table: ReportTable, columns: list[int]) -> list[list[GridCell]]:
    """Row label, then the values: numbers right, short texts centred, and left the texts of a
    column holding a long one, so a column of sentences reads as text."""
    long_text = {
        c
        for c in columns
        if any(r.cells[c].kind == "text" and len(r.cells[c].text()) > LONG_TEXT for r in table.rows)
    }
    rows = []
    for row in table.rows:
        cells = [GridCell(row.label, bold=row.total, indent_cm=0.35 * row.level)]
        for column in columns:
            cell = row.cells[column]
            align = "right" if cell.kind != "text" else "left" if column in long_text else "center"
            cells.append(GridCell(cell.text(), bold=row.total, align=align))
        rows.append(cells)
    return rows


def _row(cells: list[GridCell], twips: list[int], size: int, is_header: bool, keep_with_next: bool) -> str:
    """A ``w:tr`` that never splits across pages; header rows repeat on every page and are shaded."""
    flags = "<w:cantSplit/><w:tblHeader/>" if is_header else "<w:cantSplit/>"
    shading = f'<w:shd w:val="clear" w:color="auto" w:fill="{HEADER_FILL}"/>' if is_header else ""
    keep = "<w:keepNext/>" if keep_with_next else ""
    out = [f"<w:tr><w:trPr>{flags}</w:trPr>"]
    column = 0
    for cell in cells:
        width = sum(twips[column : column + cell.span])
        column += cell.span
        span = f'<w:gridSpan w:val="{cell.span}"/>' if cell.span > 1 else ""
        merge = {None: "", "restart": '<w:vMerge w:val="restart"/>', "continue": "<w:vMerge/>"}[cell.merge]
        out.append(
            f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{span}{merge}{shading}'
            '<w:vAlign w:val="center"/></w:tcPr>'
        )
        if cell.merge == "continue":  # its text is the cell above's
            out.append("<w:p/></w:tc>")
            continue
        indent = f' w:left="{Cm(cell.indent_cm).twips}"' if cell.indent_cm else ""
        bold = "<w:b/>" if cell.bold else '<w:b w:val="0"/>'
        out.append(
            f'<w:p><w:pPr>{keep}<w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>'
            f'<w:ind{indent} w:firstLine="0"/><w:jc w:val="{cell.align}"/></w:pPr>'
            f'<w:r><w:rPr>{bold}<w:sz w:val="{size}"/></w:rPr>{cell_text_xml(cell.text)}</w:r></w:p></w:tc>'
        )
    out.append("</w:tr>")
    return "".join(out)
