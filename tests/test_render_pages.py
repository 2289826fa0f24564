"""The page checker sees what a reader would: US Letter paper, a page left nearly blank, a table
running past the margin, an English word (orchestration/outputs/render_pages.py, real LibreOffice
and poppler-utils on a document made for the purpose)."""

from __future__ import annotations

import re

from docx import Document
from docx.shared import Mm

from orchestration.outputs.render_pages import latin_words, read_pgm, render_pages


def test_a_badly_laid_out_document_is_caught(tmp_path):
    doc = Document()  # python-docx's template: US Letter, 8.5 × 11 inches
    doc.add_paragraph("Одна строка на первой странице, code required_missing.")
    doc.add_page_break()
    for _ in range(40):
        doc.add_paragraph("Полная страница текста " * 8)
    doc.add_page_break()
    wide = doc.add_table(rows=2, cols=2)
    wide.style = "Table Grid"
    wide.autofit = False
    for column in wide.columns:
        column.width = Mm(120)  # 240 mm: wider than the paper
    for cell in wide.rows[0].cells:
        cell.width = Mm(120)
        cell.text = "широкая таблица"
    path = tmp_path / "bad.docx"
    doc.save(str(path))

    pages = render_pages(path, tmp_path / "pages")
    assert len(pages) >= 3 and all(page.png.is_file() for page in pages)
    assert pages[0].size_mm == (215.9, 279.4)  # 8.5 × 11 inches, not A4
    assert pages[0].empty_share > 0.7  # one line on the page
    assert pages[1].empty_share < 0.3  # a full page of text
    assert pages[-1].ink_right_mm is not None and pages[-1].ink_right_mm > 215.9 - 25.4 + 1  # past the margin
    assert latin_words(pages[0].text) == ["code", "required_missing"]


def test_latin_words_outside_the_allow_list():
    text = "Исх. № Д-2019-03-v1, файл «v1 (1).xlsx», e-mail anna****@mail.kz, ОКЭД G, код required_missing"
    allowed = (re.compile(r"Д-\d{4}-\d{2}-v\d+"), re.compile(r"[\w.*+-]+@[\w*-]+(\.[\w*-]+)+"),
               re.compile(r"[A-U]"), re.compile(re.escape("v1 (1).xlsx")))
    assert latin_words(text, allowed) == ["e-mail", "required_missing"]


def test_a_grey_picture_is_read_as_written(tmp_path):
    path = tmp_path / "p.pgm"
    path.write_bytes(b"P5\n# comment\n3 2\n255\n" + bytes([0, 128, 255, 255, 255, 1]))
    assert read_pgm(path) == (3, 2, bytes([0, 128, 255, 255, 255, 1]))
