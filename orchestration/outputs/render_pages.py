"""Pages as a reader sees them: a .docx rendered by LibreOffice to PDF, each page to PNG by
pdftoppm, and the measures a reader's eye takes of a page (issue 22, "Look at it").

A document can be right in every number and still not be signed: a page left nearly blank, a
table running off the paper, an English word in a Russian letter. Those are seen only on the
printed page, so this module prints it — LibreOffice (``make office``) turns the .docx into a
PDF exactly as the reports' PDFs are made (``reports.pdf.PdfConverter``), and poppler-utils'
``pdftoppm``, ``pdfinfo`` and ``pdftotext`` give each page's picture, paper size and text — and
measures each page:

- ``size_mm``: the paper, from the PDF (A4 is 210 × 297 mm);
- ``empty_share``: the share of the page's height in blank bands taller than ``BLANK_BAND_MM``
  (margins included; the gaps between lines and paragraphs are shorter, so a full page of text
  scores about 0.2 and a page holding only a signature 0.9);
- ``ink_left_mm`` / ``ink_right_mm``: where the leftmost and rightmost ink is, so a table wider
  than the text area shows as ink inside the margins or at the paper's edge;
- ``text``: the page's words (``pdftotext``).

The pictures are for a person to look at: ``python -m orchestration.outputs.render_pages
FILE.docx... --out DIR`` writes DIR/<name>/page-N.png and prints the measures. The document is
copied into the output folder first, so a letter's owner-only folder gets no PDF beside it.

This module is pure: it does not import Dagster or dbt.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from orchestration.outputs.reports.pdf import PdfConverter

MM_PER_INCH = 25.4
POINTS_PER_MM = 72 / MM_PER_INCH
DPI = 60  # enough to see a page's layout; the measures are in millimetres whatever the DPI
INK_LEVEL = 160  # a grey pixel darker than this is ink (0 black, 255 white)
BLANK_BAND_MM = 8.0  # blank bands taller than this (two lines of 13 pt) count as empty
A4_MM = (210.0, 297.0)
TOOLS = ("pdftoppm", "pdfinfo", "pdftotext")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.@/\-]*")
_PAGE_SIZE = re.compile(r"^Page\s+(\d+)\s+size:\s+([\d.]+)\s+x\s+([\d.]+)\s+pts", re.MULTILINE)


class RenderError(RuntimeError):
    """LibreOffice or poppler-utils missing, or a conversion that gave no PDF."""


@dataclass(frozen=True)
class Page:
    number: int
    png: Path
    size_mm: tuple[float, float]
    empty_share: float
    ink_left_mm: float | None  # None: a page with no ink at all
    ink_right_mm: float | None
    text: str


def missing_tools() -> list[str]:
    """The programs rendering needs that are not on PATH (``make office`` installs them)."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if shutil.which("soffice") is None and shutil.which("libreoffice") is None:
        missing.insert(0, "soffice")
    return missing


def to_pdf(docx: Path, out_dir: Path, converter: PdfConverter | None = None) -> Path:
    """The document's PDF in ``out_dir`` (the .docx is copied there and converted)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    copy = out_dir / docx.name
    shutil.copyfile(docx, copy)
    if converter is not None:
        result = converter.convert(copy)
    else:
        with PdfConverter(start_early=False) as own:
            result = own.convert(copy)
    if result.path is None:
        raise RenderError(f"{docx}: {result.message}")
    return result.path


def page_sizes_mm(pdf: Path) -> list[tuple[float, float]]:
    """Each page's paper size in millimetres, from ``pdfinfo``."""
    out = _run(["pdfinfo", "-f", "1", "-l", "100000", str(pdf)])
    return [(round(float(w) / POINTS_PER_MM, 1), round(float(h) / POINTS_PER_MM, 1))
            for _, w, h in _PAGE_SIZE.findall(out)]


def page_text(pdf: Path, number: int) -> str:
    return _run(["pdftotext", "-f", str(number), "-l", str(number), "-layout", str(pdf), "-"])


def read_pgm(path: Path) -> tuple[int, int, bytes]:
    """Width, height and grey pixels of a binary PGM (P5, 8 bit), as pdftoppm -gray writes it."""
    data = path.read_bytes()
    fields: list[bytes] = []
    position = 0
    while len(fields) < 4:
        while data[position:position + 1].isspace():
            position += 1
        if data[position:position + 1] == b"#":
            position = data.index(b"\n", position) + 1
            continue
        end = position
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[position:end])
        position = end
    if fields[0] != b"P5" or int(fields[3]) > 255:
        raise RenderError(f"{path}: not an 8-bit binary PGM")
    width, height = int(fields[1]), int(fields[2])
    pixels = data[position + 1:position + 1 + width * height]
    return width, height, pixels


def measure(pgm: Path, size_mm: tuple[float, float]) -> tuple[float, float | None, float | None]:
    """(empty share, leftmost ink in mm, rightmost ink in mm) of one page's grey picture."""
    width, height, pixels = read_pgm(pgm)
    mm_per_row = size_mm[1] / height
    mm_per_column = size_mm[0] / width
    band_rows = BLANK_BAND_MM / mm_per_row
    ink = bytes([INK_LEVEL])
    empty_rows = run = 0
    left: int | None = None
    right: int | None = None
    for row in range(height):
        line = pixels[row * width:(row + 1) * width]
        if min(line) >= INK_LEVEL:
            run += 1
            continue
        if run > band_rows:
            empty_rows += run
        run = 0
        inked = [column for column, value in enumerate(line) if value < ink[0]]
        left = inked[0] if left is None else min(left, inked[0])
        right = inked[-1] if right is None else max(right, inked[-1])
    if run > band_rows:
        empty_rows += run
    return (empty_rows / height,
            None if left is None else round(left * mm_per_column, 1),
            None if right is None else round((right + 1) * mm_per_column, 1))


def render_pages(docx: Path, out_dir: Path, dpi: int = DPI, converter: PdfConverter | None = None) -> list[Page]:
    """Every page of ``docx``: its PNG in ``out_dir`` and its measures."""
    missing = missing_tools()
    if missing:
        raise RenderError(f"missing {', '.join(missing)}: run `make office` (as root on Debian)")
    pdf = to_pdf(docx, out_dir, converter)
    sizes = page_sizes_mm(pdf)
    _run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(out_dir / "page")])
    _run(["pdftoppm", "-r", str(dpi), "-gray", str(pdf), str(out_dir / "grey")])
    pages = []
    for number, size in enumerate(sizes, start=1):
        png = _numbered(out_dir, "page", number, len(sizes), "png")
        pgm = _numbered(out_dir, "grey", number, len(sizes), "pgm")
        empty, left, right = measure(pgm, size)
        pgm.unlink()
        pages.append(Page(number=number, png=png, size_mm=size, empty_share=round(empty, 3),
                          ink_left_mm=left, ink_right_mm=right, text=page_text(pdf, number)))
    return pages


def latin_words(text: str, allowed: Sequence[re.Pattern[str]] = ()) -> list[str]:
    """The words of ``text`` written in Latin letters, once the ``allowed`` patterns are taken out
    wherever they stand as words of their own (a file name may hold spaces: 'v1 (1).xlsx')."""
    for pattern in allowed:
        text = re.sub(rf"(?<![\w-])(?:{pattern.pattern})(?![\w-])", " ", text)
    words = []
    for token in re.findall(r"\S+", text):
        token = token.strip("«»\"'()[],;:.!?")
        if _LATIN_WORD.search(token):
            words.append(token)
    return words


def _numbered(folder: Path, prefix: str, number: int, count: int, suffix: str) -> Path:
    """pdftoppm pads page numbers to the width of the last one: page-1.png, or page-01.png of 10+."""
    return folder / f"{prefix}-{number:0{len(str(count))}d}.{suffix}"


def _run(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RenderError(f"{command[0]} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render .docx pages to PNG and measure them (A4, blank space, "
                                                 "ink inside the margins).")
    parser.add_argument("documents", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True, help="folder for the PDFs and PNGs (one per document)")
    parser.add_argument("--dpi", type=int, default=DPI)
    args = parser.parse_args(argv)
    with PdfConverter(documents=len(args.documents)) as converter:
        for index, docx in enumerate(args.documents, start=1):
            folder = args.out / f"{index:02d}-{docx.parent.name}-{docx.stem}"
            for page in render_pages(docx, folder, args.dpi, converter):
                print(f"{docx} p.{page.number}: {page.size_mm[0]}×{page.size_mm[1]} mm, "
                      f"empty {page.empty_share:.0%}, ink {page.ink_left_mm}–{page.ink_right_mm} mm → {page.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
