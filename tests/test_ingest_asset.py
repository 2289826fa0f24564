"""The ingestion asset's contract with the UI: what it shows per file (how the file was read,
what was normalised, counted) and what it never shows (personal data), and that its keys
and check stay what the sensors, jobs and dbt sources rely on."""

from __future__ import annotations

import re

import dagster as dg
import pytest
from fixtures_bad_inputs import (
    IIN,
    REGISTRY_V1,
    TITLES,
    TWELVE_DIGITS,
    DataFolder,
    acts_rows,
    build_base,
    data_row,
    form_rows,
    questionnaire_rows,
    write_csv,
    write_xlsx,
)

from orchestration.defs.assets.ingest import BATCHES_KEY, RAW_KEYS, landing_files
from orchestration.ingestion import load
from orchestration.personal import looks_personal, mask_personal
from orchestration.reference import INPUTS

PHONE = "87011112233"
EMAIL = "aigul.ivanova@mail.kz"
NAME = "Иванова Айгуль Сериковна"
OUTCOME_KEYS = {"file", "status", "rows", "sheet", "encoding", "delimiter", "header_row", "extra_columns",
                "counts", "notes"}


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> DataFolder:
    return build_base(tmp_path_factory.mktemp("base"))


@pytest.fixture
def folder(base, tmp_path) -> DataFolder:
    return DataFolder.copy_of(base, tmp_path / "data")


def personal_rows(n: int) -> list[list[object]]:
    rows = []
    for i in range(n):
        row = data_row(i, iin=f"{900101300100 + i:012d}")
        row[4], row[20], row[21] = f"{NAME} {i}", f"{PHONE[:-2]}{i:02d}", f"{i}.{EMAIL}"
        rows.append(row)
    return rows


def test_asset_keys_and_check_are_unchanged():
    assert set(landing_files.keys) == {*(RAW_KEYS[name] for name in INPUTS), BATCHES_KEY}
    assert RAW_KEYS["registry"] == dg.AssetKey(["raw", "registry_rows"])
    (check,) = landing_files.check_specs
    assert (check.name, check.asset_key) == ("landing_files_accepted", BATCHES_KEY)


def test_each_loaded_file_shows_how_it_was_read(folder):
    titles = [*TITLES, "Примечание"]
    rows = [data_row(1) + ["ок"], [None], data_row(2) + [None]]
    write_xlsx(folder.path("registry/2019-03/v2.xlsx"), form_rows(rows, titles))
    write_csv(folder.path("registry/2019-03/v3.csv"), form_rows([data_row(3)], title=False, numbers=False),
              encoding="cp1251", delimiter=",")
    run = folder.ingest()
    xlsx, csv_file = run.files()
    assert set(xlsx) == OUTCOME_KEYS and set(csv_file) == OUTCOME_KEYS
    assert {k: xlsx[k] for k in ("file", "status", "rows", "sheet", "encoding", "delimiter", "header_row",
                                 "extra_columns")} == {
        "file": "registry/2019-03/v2.xlsx", "status": "loaded", "rows": 2, "sheet": "Реестр",
        "encoding": None, "delimiter": None, "header_row": 2, "extra_columns": ["Примечание"]}
    assert xlsx["counts"] == {"rows_above_header": 1, "number_row": 1, "empty_rows": 1, "extra_columns": 1}
    assert xlsx["notes"] == [
        "sheet 'Реестр' read (the only sheet)",
        "header found on row 2; 1 row(s) above it skipped as titles",
        "row 3 holds the column numbers (1, 2, 3 …) and is skipped",
        "1 empty row(s) skipped",
        "extra columns kept in extra_columns: «Примечание»"]
    assert (csv_file["encoding"], csv_file["delimiter"], csv_file["header_row"], csv_file["counts"]) == (
        "cp1251", ",", 1, {})
    metadata = run.metadata()
    assert (metadata["files_loaded"], metadata["files_rejected"], metadata["rows_loaded"]) == (2, 0, 3)
    assert metadata["normalisations"] == xlsx["counts"]  # summed over the files of the month


def test_normalisations_are_summed_over_the_files_of_the_month(folder):
    for version in (2, 3):
        write_xlsx(folder.path(f"registry/2019-03/v{version}.xlsx"),
                   form_rows([data_row(1), [None], data_row(2)]))
    run = folder.ingest()
    assert run.metadata()["normalisations"] == {"rows_above_header": 2, "number_row": 2, "empty_rows": 2}


def test_metadata_and_logs_of_a_loaded_file_hold_no_personal_data(folder):
    rows = personal_rows(20)
    # A header cell an operator typed an IIN into: the title becomes an extra column's name.
    titles = [*TITLES, f"ИИН руководителя {IIN}", EMAIL]
    write_xlsx(folder.path("registry/2019-03/v2.xlsx"), form_rows([r + ["x", "y"] for r in rows], titles))
    run = folder.ingest()
    outcome = run.file()
    assert outcome["status"] == "loaded" and outcome["rows"] == 20
    assert outcome["extra_columns"] == ["ИИН руководителя 0612******12", "aigu***************kz"]
    text = run.all_metadata_text()
    assert TWELVE_DIGITS.search(text) is None
    assert PHONE[:-2] not in text and EMAIL not in text and NAME not in text
    # ... while raw keeps every value as delivered (personal data lives there only).
    assert folder.raw("iin_bin", "registry/2019-03/v2")[:2] == ["900101300100", "900101300101"]


def test_rejection_of_a_file_full_of_personal_data_shows_none_of_it(folder):
    # A registry whose header has lost a required column: the reason names the column, never a cell.
    titles = [t for t in TITLES if t != "Возраст клиента"]
    rows = [r[:8] + r[9:] for r in personal_rows(30)]
    write_csv(folder.path("registry/2019-03/v2.csv"), form_rows(rows, titles))
    run = folder.ingest()
    reason = str(run.file()["reason"])
    assert reason == ("registry/2019-03/v2.csv, row 2, column «Возраст клиента»: required column missing "
                      "from the header: «Возраст клиента»")
    text = run.all_metadata_text() + "\n".join(r for _, r in folder.rejections())
    assert TWELVE_DIGITS.search(text) is None and NAME not in text and EMAIL not in text


def test_an_unexpected_reader_failure_rejects_the_file_without_its_message(folder, monkeypatch):
    def broken(path, input_name):
        raise ValueError(f"could not convert {IIN} ({NAME}) in row 7")

    monkeypatch.setattr(load, "read_input", broken)
    write_xlsx(folder.path(REGISTRY_V1), form_rows([data_row()]))
    before = folder.checksums()
    run = folder.ingest()
    assert run.file() == {"file": REGISTRY_V1, "status": "rejected", "reason": (
        "registry/2019-03/v1.xlsx: the file could not be read (unexpected ValueError); it was not loaded — "
        "report this to the engineers")}
    assert not run.check_passed
    assert folder.checksums() == before
    text = run.all_metadata_text()
    assert IIN not in text and NAME not in text


@pytest.mark.parametrize(("text", "masked"), [
    ("registry/2019-03/v1.xlsx, row 5: 900101300123", "registry/2019-03/v1.xlsx, row 5: 9001******23"),
    ("phone 87011112233, e-mail a.b@mail.kz", "phone 8701*****33, e-mail a.b@*****kz"),
    ("rows 50002 and 2019-03-01 stay", "rows 50002 and 2019-03-01 stay"),
])
def test_mask_personal(text, masked):
    assert mask_personal(text) == masked


@pytest.mark.parametrize(("value", "personal"), [
    ("0612 1160 0012", True), ("+7 (701) 111-22-33", True), ("x@y.kz", True), ("ЭЦП", False), ("7", False),
    ("01.03.2019", False)])
def test_looks_personal(value, personal):
    assert looks_personal(value) is personal


def test_no_metadata_value_is_shaped_like_an_identifier_after_a_whole_month(folder):
    # Registry, acts and questionnaires of one month, each file with personal data in it.
    write_xlsx(folder.path("registry/2019-03/v2.xlsx"), form_rows(personal_rows(10)))
    write_xlsx(folder.path("acts/2019-03.xlsx"), acts_rows(10))
    write_csv(folder.path("questionnaires/2019-03.csv"), questionnaire_rows(n=10))
    run = folder.ingest(inputs=("registry", "acts", "questionnaires"))
    assert [f["status"] for name in ("registry", "acts", "questionnaires") for f in run.files(name)] == [
        "loaded"] * 3
    for event in run.result.get_asset_materialization_events():
        for value in event.materialization.metadata.values():
            assert not re.search(r"\d{9,}|@", repr(value.value)), (event.asset_key, value)


def test_a_contract_failure_in_a_late_block_rejects_the_streamed_file_and_leaves_no_rows(tmp_path, monkeypatch):
    # Large CSVs are checked and spooled block by block: a bad score far into the file must
    # still reject the whole file (naming its row), and the blocks already written must go.
    from orchestration.ingestion import readers
    monkeypatch.setattr(readers, "CSV_BLOCK_BYTES", 2048)
    monkeypatch.setattr(readers, "CSV_PART_BYTES", 1)
    rows = questionnaire_rows(n=60)
    rows[50][8] = "9"  # score_usefulness on row 51 of the file (the header is row 1)
    path = write_csv(tmp_path / "2019-03.csv", rows)
    spool = tmp_path / "spool"
    status, message = load.read_checked(path, "questionnaires", "questionnaires/2019-03.csv", spool)
    assert status == "rejected"
    assert "row 51" in message and "not a score 1-5" in message
    assert list(spool.iterdir()) == []
    rows[50][8] = "5"
    status, result = load.read_checked(write_csv(tmp_path / "2019-03.csv", rows), "questionnaires",
                                          "questionnaires/2019-03.csv", spool)
    assert status == "read" and result.file_rows == 60
    with result.rows.open() as reader:
        assert reader.read_all().column("score_usefulness").to_pylist() == ["5"] * 60
    result.rows.remove()
