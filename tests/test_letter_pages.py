"""The sample year's letters to the operator as a reader sees them (issue 22, "Look at it"): every
page rendered by LibreOffice and pdftoppm (orchestration/outputs/render_pages.py) and checked as
the operator's clerk would read it — A4, the registry and the deadline on page 1, Russian only, no
page left nearly blank, nothing past the margins — and every row left out listed with its reason.

The expectations come from the warehouse, not from the letters' code: the correction deadline from
correspondence.letters (its letters asking for a correction), the late registries and their deadline
from int_registry_timeliness, the rows left out from int_registry_exclusions (the report's own
account of what is not counted).
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

import duckdb
import pytest
from docx import Document
from python_calamine import CalamineWorkbook

from orchestration.outputs.render_pages import latin_words, render_pages
from orchestration.outputs.reports.pdf import PdfConverter
from orchestration.reference import seed_rows

ALMATY = ZoneInfo("Asia/Almaty")
A4_MM = (210.0, 297.0)
LEFT_MARGIN_MM, RIGHT_MARGIN_MM = 30.0, 15.0
MAX_EMPTY_SHARE = 0.70
# Latin a reader accepts in a Russian letter: the outgoing number's version mark, an e-mail
# (masked), an OKED section letter; the file as the operator named it is added per letter.
ALLOWED_LATIN = (re.compile(r"Д-\d{4}-\d{2}-v\d+"), re.compile(r"[\w.*+-]+@[\w*-]+(\.[\w*-]+)+"),
                 re.compile(r"[A-U]"))
REASONS = {row["rule_id"]: row["title_ru"] for row in seed_rows("validation_rules") if row["kind"] in ("row", "act")}


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def sample_letters(pipeline_run, tmp_path_factory):
    """Every letter of the sample year rendered, with what the warehouse says about its registry."""
    settings = pipeline_run.settings
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        files = dict(con.execute("select batch_id, source_file from raw.batches where input = 'registry'").fetchall())
        corrections = {batch: due.astimezone(ALMATY).date() for batch, due in con.execute(
            "select batch_id, correction_due_at from correspondence.letters where kind = 'correction'").fetchall()}
        late = {batch: due.astimezone(ALMATY).date() for batch, due in con.execute(
            "select batch_id, due_at from intermediate.int_registry_timeliness "
            "where violation_kind = 'late_registry'").fetchall()}
        left_out: dict[str, set[tuple[int, str]]] = {}
        for batch, row, reason in con.execute(
                "select batch_id, source_row, unnest(reasons) from intermediate.int_registry_exclusions").fetchall():
            if reason in REASONS:
                left_out.setdefault(batch, set()).add((row, REASONS[reason]))
    letters = sorted(settings.letters_dir.glob("*/v*/letter.docx"))
    out = tmp_path_factory.mktemp("letter_pages")
    with PdfConverter(documents=len(letters)) as converter:
        pages = {docx: render_pages(docx, out / f"{docx.parent.parent.name}-{docx.parent.name}", converter=converter)
                 for docx in letters}
    return settings.letters_dir, files, corrections, late, left_out, pages


def _batch(letters_dir: Path, docx: Path) -> str:
    month, version = docx.relative_to(letters_dir).parts[:2]
    return f"registry/{month}/{version}"


def test_a_letter_for_every_registry_with_rows_left_out_or_late(sample_letters):
    letters_dir, _, corrections, late, left_out, pages = sample_letters
    written = {_batch(letters_dir, docx) for docx in pages}
    assert late and corrections  # the sample year has both, or this test proves nothing
    assert written == set(left_out) | set(late)
    assert set(corrections) <= written


def test_every_page_is_a4_and_nothing_runs_past_the_margins(sample_letters):
    *_, pages = sample_letters
    for docx, rendered in pages.items():
        for page in rendered:
            assert page.size_mm == pytest.approx(A4_MM, abs=1), (docx, page.number)
            assert page.ink_left_mm is not None and page.ink_right_mm is not None
            # tables sit a cell padding left of the text (LibreOffice: about 2 mm)
            assert page.ink_left_mm >= LEFT_MARGIN_MM - 4, (docx, page.number)
            assert page.ink_right_mm <= A4_MM[0] - RIGHT_MARGIN_MM + 1, (docx, page.number)


def test_no_page_but_the_last_is_mostly_empty(sample_letters):
    *_, pages = sample_letters
    for docx, rendered in pages.items():
        for page in rendered[:-1]:
            assert page.empty_share <= MAX_EMPTY_SHARE, (docx, page.number, page.empty_share)


def test_page_one_states_the_registry_and_the_deadline(sample_letters):
    letters_dir, files, corrections, late, _, pages = sample_letters
    for docx, rendered in pages.items():
        batch = _batch(letters_dir, docx)
        first = _words(rendered[0].text)
        assert f"файл «{PurePosixPath(files[batch]).name}»" in first, docx
        if batch in corrections:
            assert f"не позднее {corrections[batch]:%d.%m.%Y}" in first, docx
        if batch in late:
            assert "с нарушением срока" in first and f"не позднее {late[batch]:%d.%m.%Y}" in first, docx
            assert "пунктом 10 Методики не включается в отчет" in first, docx
        else:
            assert "с нарушением срока" not in first, docx


def test_russian_only(sample_letters):
    letters_dir, files, *_, pages = sample_letters
    for docx, rendered in pages.items():
        name = PurePosixPath(files[_batch(letters_dir, docx)]).name
        allowed = (*ALLOWED_LATIN, re.compile(re.escape(name)))
        for page in rendered:
            assert latin_words(page.text, allowed) == [], (docx, page.number)


def test_the_appendix_and_the_annex_list_every_row_left_out_with_its_reason(sample_letters):
    letters_dir, _, _, _, left_out, pages = sample_letters
    for docx in pages:
        expected = left_out.get(_batch(letters_dir, docx), set())
        appendix = Document(str(docx)).tables[-1].rows[1:] if expected else []
        assert {(int(row.cells[0].text), row.cells[3].text) for row in appendix} == expected, docx
        if not expected:  # a late registry's notice with no row to list comes without an annex
            assert not docx.with_name("annex.xlsx").exists(), docx
            continue
        annex = CalamineWorkbook.from_path(str(docx.with_name("annex.xlsx"))).get_sheet_by_index(0).to_python()
        assert {(int(row[0]), row[3]) for row in annex[1:]} == expected, docx
