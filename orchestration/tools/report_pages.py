"""Look at a report the way its reader does: every page rendered, measured and read (issue 22).

The numbers of a report are tested against the database elsewhere; this checks the form a
ministry reader sees — pages that are nearly empty, tables wider than their page, charts whose
caption does not say which period they show, English words on the page. A PDF (LibreOffice's,
pdf.py) is rendered page by page to PNG with poppler's ``pdftoppm`` and its text read with
``pdftotext``; the .docx is read for what the PDF no longer says (table grids, page sizes).

Run it by hand on a report folder to get the PNGs and the findings::

    python -m orchestration.tools.report_pages data/reports/2019-final /tmp/pages

Pure code: subprocess, Pillow and python-docx, no Dagster.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn
from PIL import Image

DPI = 50  # enough to see where the ink is, cheap to render
INK = 200  # a pixel darker than this (0–255 grey) is ink
# The text area of a page at the report's margins: 2 cm at the top; at the bottom 1.5 cm and the
# footer with the page number above it, which is not content.
TOP_MARGIN_CM, BOTTOM_CM = 2.0, 2.4
MONTH_STEMS = ("январ", "феврал", "март", "апрел", "ма", "июн", "июл", "август", "сентябр", "октябр",
               "ноябр", "декабр")
PERIOD = re.compile(r"(" + "|".join(MONTH_STEMS) + r")[а-я]*(–[а-я]+)? \d{4}", re.IGNORECASE)
# The Kazakh edition names a period '2019 жылғы қаңтар–наурыз' (issue 25).
KAZAKH_MONTHS = ("қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз", "қыркүйек", "қазан",
                 "қараша", "желтоқсан")
PERIOD_KK = re.compile(r"\d{4}\s?жылғы (" + "|".join(KAZAKH_MONTHS) + r")(–(" + "|".join(KAZAKH_MONTHS) + r"))?")
# The letters of Kazakh that Russian lacks: a font without them prints empty boxes (issue 25).
KAZAKH_LETTERS = "әғқңөұүһіӘҒҚҢӨҰҮҺІ"
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9.\-]*")
# Latin a reader may see: the sample size of a survey figure ('н/д (n = 3)'), e-mail addresses
# and the letters of the OKED sections (A … U).
LATIN_ALLOWED = re.compile(r"^(n|[A-U]|e-mail)$")
E_MAIL = re.compile(r"\S+@\S+\.\S+")


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    png: Path
    filled: float  # share of the text area's height down to the last line of ink
    text: str
    landscape: bool

    @property
    def first_line(self) -> str:
        return next((line.strip() for line in self.text.splitlines() if line.strip()), "")


def tools_missing() -> list[str]:
    """The poppler programs this module needs that are not installed (``make office`` installs them)."""
    return [tool for tool in ("pdftoppm", "pdftotext") if shutil.which(tool) is None]


def render(pdf: Path, out_dir: Path, dpi: int = DPI) -> list[Page]:
    """Every page of ``pdf`` as out_dir/page-<n>.png, with how full it is and its text."""
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(out_dir / "page")], check=True)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    texts = text.split("\f")
    pngs = sorted(out_dir.glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    pages = []
    for number, png in enumerate(pngs, start=1):
        with Image.open(png) as image:
            grey = image.convert("L")
            filled, landscape = _filled(grey, dpi), grey.width > grey.height
        pages.append(Page(number, png, filled, texts[number - 1] if number <= len(texts) else "", landscape))
    return pages


def _filled(grey: Image.Image, dpi: int) -> float:
    """How far down the text area the ink reaches (0: empty, 1: to the footer)."""
    width, height = grey.size
    per_cm = dpi / 2.54
    top, bottom = round(TOP_MARGIN_CM * per_cm), height - round(BOTTOM_CM * per_cm)
    pixels = grey.load()
    last = None
    for y in range(bottom - 1, top - 1, -1):
        if any(pixels[x, y] < INK for x in range(0, width, 2)):
            last = y
            break
    if last is None:
        return 0.0
    return (last - top + 1) / (bottom - top)


def section_ends(pages: list[Page]) -> set[int]:
    """Pages after which a new section starts: a numbered section or subsection ('3.3. …': a
    table kept whole moves to the next page with its heading), an annex, or a change of
    orientation (the statistical section is landscape) — and the last page."""
    ends = {pages[-1].number} if pages else set()
    for page, following in zip(pages, pages[1:], strict=False):
        starts_section = re.match(r"^(\d\.(\d+\.)? |Приложение |Содержание|[А-ЯӘ] қосымшасы|Мазмұны)",
                                  following.first_line)
        if starts_section or page.landscape != following.landscape:
            ends.add(page.number)
    return ends


def nearly_empty(pages: list[Page], limit: float = 0.7) -> list[Page]:
    """Pages more than ``limit`` empty, other than the title page and the ends of sections."""
    ends = section_ends(pages)
    return [p for p in pages if p.number != 1 and p.number not in ends and 1 - p.filled > limit]


def orphan_notes(pages: list[Page]) -> list[Page]:
    """Pages that open with a table's footnote ('¹ Итог по республике…'): the note went to the
    page after its table."""
    return [p for p in pages if p.first_line[:1] in ("¹", "²")]


@dataclass(frozen=True)
class PdfFont:
    name: str
    type: str
    embedded: bool


def pdf_fonts(pdf: Path) -> list[PdfFont]:
    """The fonts a PDF uses, as poppler's ``pdffonts`` lists them (is each embedded?)."""
    lines = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout.splitlines()
    header = lines[0]
    type_at, emb_at = header.index("type"), header.index("emb")
    fonts = []
    for line in lines[2:]:
        if line.strip():
            fonts.append(PdfFont(line[:type_at].strip(), line[type_at:header.index("encoding")].strip(),
                                 line[emb_at:emb_at + 3].strip() == "yes"))
    return fonts


def pdf_text(pdf: Path) -> str:
    """The text of a PDF (``pdftotext``): what a glyph-less font would have lost."""
    return subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def latin_words(text: str) -> list[str]:
    """Words in Latin letters outside the allow-list (e-mail addresses are allowed)."""
    text = E_MAIL.sub("", text)
    return [w for w in LATIN_WORD.findall(text) if not LATIN_ALLOWED.match(w.rstrip(".-"))]


@dataclass(frozen=True)
class WideTable:
    index: int  # 1-based, in document order
    width_cm: float
    room_cm: float


def wide_tables(docx: Path) -> list[WideTable]:
    """Tables whose column grid is wider than their section's text width."""
    document = Document(str(docx))
    body = document.element.body
    pending: list[int] = []
    widths: dict[int, float] = {}
    room: dict[int, float] = {}
    count = 0

    def close(sect_pr) -> None:
        size, margins = sect_pr.find(qn("w:pgSz")), sect_pr.find(qn("w:pgMar"))
        text_width = int(size.get(qn("w:w"))) - int(margins.get(qn("w:left"))) - int(margins.get(qn("w:right")))
        for index in pending:
            room[index] = text_width / 567
        pending.clear()

    for element in body.iterchildren():
        if element.tag == qn("w:tbl"):
            count += 1
            grid = element.find(qn("w:tblGrid"))
            widths[count] = sum(int(col.get(qn("w:w"))) for col in grid.findall(qn("w:gridCol"))) / 567
            pending.append(count)
        elif element.tag == qn("w:p"):
            properties = element.find(qn("w:pPr"))
            if properties is not None and properties.find(qn("w:sectPr")) is not None:
                close(properties.find(qn("w:sectPr")))
        elif element.tag == qn("w:sectPr"):
            close(element)
    return [WideTable(i, widths[i], room[i]) for i in sorted(widths) if widths[i] > room[i] + 0.01]


def chart_captions(docx: Path) -> list[str]:
    """The caption under every picture of the document (the paragraph after it)."""
    paragraphs = Document(str(docx)).paragraphs
    captions = []
    for index, paragraph in enumerate(paragraphs):
        if paragraph._p.findall(".//" + qn("w:drawing")):
            following = paragraphs[index + 1].text if index + 1 < len(paragraphs) else ""
            captions.append(following)
    return captions


def main(argv: list[str]) -> int:
    folder, out = Path(argv[0]), Path(argv[1])
    for pdf in sorted(folder.glob("*.pdf")):
        pages = render(pdf, out / pdf.stem)
        for page in nearly_empty(pages):
            print(f"{pdf.name}: page {page.number} is {1 - page.filled:.0%} empty")
        for page in orphan_notes(pages):
            print(f"{pdf.name}: page {page.number} opens with a footnote of the table before it")
        for page in pages:
            for word in latin_words(page.text):
                print(f"{pdf.name}: page {page.number}: Latin word {word!r}")
        docx = pdf.with_suffix(".docx")
        if docx.exists():
            for table in wide_tables(docx):
                print(f"{docx.name}: table {table.index} is {table.width_cm:.1f} cm wide, room {table.room_cm:.1f} cm")
            for caption in chart_captions(docx):
                if not (PERIOD.search(caption) or PERIOD_KK.search(caption)):
                    print(f"{docx.name}: chart caption without a period: {caption!r}")
        print(f"{pdf.name}: {len(pages)} pages rendered to {out / pdf.stem}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
