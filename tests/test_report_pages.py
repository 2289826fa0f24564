"""The generated year's reports looked at page by page (issue 22): each PDF LibreOffice wrote is
rendered to PNG with poppler's pdftoppm (``make office`` installs both) and checked for what a
reader would object to — a page left mostly empty inside a section, a table wider than its page,
a chart whose caption does not name its period, an English word on the page.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.outputs.reports.pdf import find_office
from orchestration.tools.report_pages import (
    PERIOD,
    chart_captions,
    latin_words,
    nearly_empty,
    orphan_notes,
    render,
    tools_missing,
    wide_tables,
)

PERIODS = ("2019-Q1", "2019-Q2", "2019-Q3", "2019-final")


@pytest.fixture(scope="module")
def pages(pipeline_run, tmp_path_factory):
    """{period: (pdf pages, docx path)} of the pipeline's reports."""
    assert find_office(), "LibreOffice writes the reports' PDF: run `make office`"
    assert not tools_missing(), f"{tools_missing()} missing: run `make office` (poppler-utils)"
    folder = pipeline_run.settings.reports_dir
    out = tmp_path_factory.mktemp("pages")
    rendered = {}
    for period in PERIODS:
        pdf = folder / period / f"report_{period}.pdf"
        assert pdf.exists(), pdf
        rendered[period] = (render(pdf, out / period), folder / period / f"report_{period}.docx")
    return rendered


@pytest.mark.parametrize("period", PERIODS)
def test_every_page_is_rendered_and_a4(pages, period):
    rendered, _ = pages[period]
    assert len(rendered) > 10
    for page in rendered:
        assert page.png.stat().st_size > 0
        # A4 (21 × 29,7 cm) at 50 dpi: 413,4 × 584,6 pixels, portrait or landscape
        from PIL import Image

        with Image.open(page.png) as image:
            short, long = sorted(image.size)
        assert abs(short - 413.4) < 1 and abs(long - 584.6) < 1, (page.number, short, long)


@pytest.mark.parametrize("period", PERIODS)
def test_no_page_is_mostly_empty_but_the_title_page_and_section_ends(pages, period):
    rendered, _ = pages[period]
    empty = nearly_empty(rendered)
    assert not empty, [(p.number, round(1 - p.filled, 2), p.first_line) for p in empty]


@pytest.mark.parametrize("period", PERIODS)
def test_footnotes_are_on_their_table_s_page(pages, period):
    rendered, _ = pages[period]
    assert any("¹ " in page.text for page in rendered)  # the regional tables carry footnotes
    assert not [(p.number, p.first_line) for p in orphan_notes(rendered)]


@pytest.mark.parametrize("period", PERIODS)
def test_every_table_fits_its_page(pages, period):
    _, docx = pages[period]
    assert not wide_tables(docx)


@pytest.mark.parametrize("period", PERIODS)
def test_every_chart_has_a_caption_naming_its_period(pages, period):
    _, docx = pages[period]
    captions = chart_captions(docx)
    assert len(captions) >= 5
    for caption in captions:
        assert caption.startswith("Рисунок "), caption
        assert PERIOD.search(caption), caption


@pytest.mark.parametrize("period", PERIODS)
def test_no_latin_words_on_any_page(pages, period):
    rendered, _ = pages[period]
    found = {(page.number, word) for page in rendered for word in latin_words(page.text)}
    assert not found, sorted(found)[:10]


def test_the_checks_see_what_they_check(tmp_path):
    """The checker itself: an English word is found, an allowed one is not; an empty page is empty."""
    assert latin_words("Отчет report, н/д (n = 3), e-mail info@damu.kz") == ["report"]
    assert PERIOD.search("Рисунок 1 – Клиенты по регионам, октябрь–ноябрь 2019 г.")
    assert not PERIOD.search("Рисунок 1 – Клиенты по регионам")
    from PIL import Image

    from orchestration.tools.report_pages import _filled

    blank = Image.new("L", (413, 585), 255)
    assert _filled(blank, 50) == 0.0
    for y in range(50, 500):
        blank.putpixel((100, y), 0)
    assert _filled(blank, 50) > 0.9
    assert Path(tmp_path).exists()
