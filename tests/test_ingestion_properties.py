"""Properties of the ingestion over generated damage (issue 21), with hypothesis.

Any cut of a valid registry (.csv or .xlsx) at any byte, and any control characters inserted
anywhere in it, go through the ingestion's own functions (``load.read_checked`` then
``load.ingest_file``, in memory and through the spool the asset uses for several files) into a
real DuckDB warehouse. Whatever the damage: nothing raises, no reader bug shows up as an
"unexpected" error, and the file is either rejected (its reason in ``raw.rejected_files``, no
row of it loaded) or loaded whole: exactly the rows the damaged file holds, never more, with
the values written. The expected rows are counted from the bytes, not by the readers.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_readers import data_row, form_rows, write_csv, write_xlsx

from orchestration.ingestion.cells import CONTROL_CHARS
from orchestration.ingestion.landing import sha256_of
from orchestration.ingestion.load import ingest_file, read_checked
from orchestration.warehouse.raw import Batch, relative_to_landing

ROWS = 6
FORM_ROWS = 3  # title, header, column numbers
NAMES = [f"ТОО «Ромашка {i}»" for i in range(ROWS)]
PROPERTY = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
# C0 but tab and line breaks, DEL, C1: what cells.CONTROL_CHARS removes (written out here)
CONTROLS = [chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]]


def registry() -> list[list[object]]:
    return form_rows([data_row(i) for i in range(ROWS)])


@pytest.fixture(scope="module")
def whole_csv(tmp_path_factory) -> bytes:
    return write_csv(tmp_path_factory.mktemp("csv") / "v2.csv", registry()).read_bytes()


@pytest.fixture(scope="module")
def whole_xlsx(tmp_path_factory) -> bytes:
    return write_xlsx(tmp_path_factory.mktemp("xlsx") / "v2.xlsx", registry()).read_bytes()


def ingest(content: bytes, suffix: str, spooled: bool) -> tuple[dict[str, object], list[tuple], list[tuple]]:
    """One delivery of ``content`` as registry 2019-03 v2 through read_checked and ingest_file into
    a fresh warehouse file: the outcome, the rows loaded (source_row, enterprise_name) and the
    rejections recorded."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        path = root / "landing" / "registry" / "2019-03" / f"v2{suffix}"
        path.parent.mkdir(parents=True)
        path.write_bytes(content)
        source = relative_to_landing(path, root / "landing")
        spool = root / ".spool"
        spool.mkdir()
        checked = read_checked(path, "registry", source, spool if spooled else None)
        batch = Batch("registry", "2019-03", 2, source, sha256_of(path), None, datetime.now(UTC))
        con = duckdb.connect(str(root / "warehouse.duckdb"))
        try:
            outcome = ingest_file(con, batch, checked, logging.getLogger("test"))
            loaded = con.execute("select source_row, enterprise_name, region, iin_bin, extra_columns "
                                 "from raw.registry_rows where batch_id = 'registry/2019-03/v2' "
                                 "order by source_row").fetchall()
            rejected = con.execute("select source_file, reason from raw.rejected_files").fetchall()
        finally:
            con.close()
        assert not any(spool.iterdir()), "a spool file left behind"
    return outcome, loaded, rejected


def assert_whole_or_rejected(outcome, loaded, rejected, expected_rows: int | None) -> None:
    """Rejected with its reason recorded and nothing loaded, or loaded whole: ``expected_rows``
    data rows (None: the file must be rejected)."""
    assert outcome["status"] in ("loaded", "rejected"), outcome
    if outcome["status"] == "rejected":
        assert "unexpected" not in str(outcome["reason"]), outcome  # a reader bug, not a bad file
        assert rejected == [("registry/2019-03/v2" + Path(outcome["file"]).suffix, outcome["reason"])]
        assert loaded == []
        return
    assert expected_rows is not None, f"a damaged file was loaded: {outcome}"
    assert rejected == []
    assert outcome["rows"] == len(loaded) == expected_rows <= ROWS
    assert [row[0] for row in loaded] == list(range(FORM_ROWS + 1, FORM_ROWS + 1 + expected_rows))
    assert [row[1] for row in loaded] == NAMES[:expected_rows]
    assert all(row[2] == "г. Алматы" and row[3] == "061211600012" and row[4] is None for row in loaded)


def csv_rows_held(content: bytes) -> int | None:
    """Data rows a cut CSV holds whole, counted from its bytes; None when it must be rejected: the
    last line is cut (no line break at the end) or the header is incomplete."""
    if not content.endswith((b"\n", b"\r")):
        return None
    lines = content.replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n")
    if lines < 2:  # the title alone: no header
        return None
    return max(0, lines - FORM_ROWS)


def cut_points(whole: bytes) -> st.SearchStrategy[int]:
    """Any byte, with the ends of lines (and the byte between \\r and \\n) drawn often."""
    line_ends = [i + 1 for i, byte in enumerate(whole) if byte in b"\r\n"]
    return st.one_of(st.integers(0, len(whole)), st.sampled_from(line_ends))


@PROPERTY
@given(data=st.data(), spooled=st.booleans())
def test_a_csv_cut_at_any_byte_is_rejected_or_loaded_whole(whole_csv, data, spooled):
    cut = data.draw(cut_points(whole_csv), label="cut")
    content = whole_csv[:cut]
    outcome, loaded, rejected = ingest(content, ".csv", spooled)
    expected = csv_rows_held(content)
    assert_whole_or_rejected(outcome, loaded, rejected, expected)
    if expected is not None:
        assert outcome["status"] == "loaded", outcome  # a file cut at a line's end holds whole rows


@PROPERTY
@given(cut=st.integers(0, 1 << 20), spooled=st.booleans())
def test_an_xlsx_cut_at_any_byte_is_rejected_and_the_whole_one_loaded(whole_xlsx, cut, spooled):
    cut = min(cut, len(whole_xlsx))
    outcome, loaded, rejected = ingest(whole_xlsx[:cut], ".xlsx", spooled)
    whole = cut == len(whole_xlsx)
    assert_whole_or_rejected(outcome, loaded, rejected, ROWS if whole else None)
    assert outcome["status"] == ("loaded" if whole else "rejected")


def insert(text: str, insertions: list[tuple[int, str]]) -> str:
    for position, character in sorted(insertions, reverse=True):
        position = min(position, len(text))
        if text[position - 1:position + 1] == "\r\n":
            position -= 1  # not between the two characters of one line break
        text = text[:position] + character + text[position:]
    return text


insertions = st.lists(st.tuples(st.integers(0, 1 << 12), st.sampled_from(CONTROLS)), min_size=1, max_size=8)


def test_the_controls_drawn_are_those_removed():
    assert all(CONTROL_CHARS.fullmatch(c) for c in CONTROLS)
    assert not any(CONTROL_CHARS.fullmatch(c) for c in "\t\n\r ")


@PROPERTY
@given(added=insertions, spooled=st.booleans())
def test_control_characters_anywhere_in_a_csv_are_removed_and_every_row_loaded(whole_csv, added, spooled):
    text = insert(whole_csv.decode("utf-8"), added)
    outcome, loaded, rejected = ingest(text.encode("utf-8"), ".csv", spooled)
    assert_whole_or_rejected(outcome, loaded, rejected, ROWS)
    assert outcome["status"] == "loaded", outcome


def write_xlsx_with(path: Path, rows: list[list[object]]) -> None:
    """An .xlsx as xlsxwriter writes it: control characters in text as Excel's '_xHHHH_' escapes."""
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Реестр")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write_string(r, c, str(value)) if isinstance(value, str) else sheet.write(r, c, value)
    workbook.close()


@PROPERTY
@given(data=st.data(), spooled=st.booleans())
def test_control_characters_in_any_workbook_cell_are_removed_and_every_row_loaded(data, spooled):
    rows = registry()
    cells = [(r, c) for r, row in enumerate(rows) for c, value in enumerate(row) if isinstance(value, str)]
    chosen = data.draw(st.lists(st.sampled_from(cells), min_size=1, max_size=6, unique=True), label="cells")
    for r, c in chosen:
        text = rows[r][c]
        position = data.draw(st.integers(0, len(text)), label="position")
        rows[r][c] = text[:position] + data.draw(st.sampled_from(CONTROLS), label="control") + text[position:]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "v2.xlsx"
        write_xlsx_with(path, rows)
        content = path.read_bytes()
    outcome, loaded, rejected = ingest(content, ".xlsx", spooled)
    assert_whole_or_rejected(outcome, loaded, rejected, ROWS)
    assert outcome["status"] == "loaded", outcome


@pytest.mark.parametrize("spooled", [False, True])
def test_a_csv_ending_with_an_end_of_file_mark_is_not_taken_for_a_cut_one(whole_csv, spooled):
    """Old DOS-era tools end a text file with Ctrl+Z (\\x1a) after the last line break."""
    outcome, loaded, rejected = ingest(whole_csv + b"\x1a", ".csv", spooled)
    assert_whole_or_rejected(outcome, loaded, rejected, ROWS)
    assert outcome["status"] == "loaded" and outcome["counts"]["empty_rows"] == 1, outcome
