"""Landing reliability through the real ingestion asset: nothing delivered is ignored, one bad
file never stops the others, a half-uploaded file never counts (issue 21).

Each test drops files where the operator would, materialises the month with ``landing_files``
and reads back the warehouse: loaded batches, ``raw.rejected_files`` and the check.
"""

from __future__ import annotations

import json

import dagster as dg
import pytest
import xlwt
from fixtures_bad_inputs import (
    DataFolder,
    build_base,
    data_row,
    form_rows,
    write_csv,
    write_xlsx,
)

from orchestration.defs.resources import MonitoringSettings
from orchestration.defs.sensors import landing_files_sensor, overdue_registries_sensor

ROWS = 4


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> DataFolder:
    return build_base(tmp_path_factory.mktemp("base"))


@pytest.fixture
def folder(base, tmp_path) -> DataFolder:
    return DataFolder.copy_of(base, tmp_path / "data")


def registry(n: int = ROWS) -> list[list[object]]:
    return form_rows([data_row(i) for i in range(n)])


def write_xls(path, rows: list[list[object]]) -> None:
    """An Excel 97-2003 workbook, as older accounting systems still export."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Реестр")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    book.save(str(path))


def write_unicode_text(path, rows: list[list[object]]) -> None:
    """Excel's "Unicode text (*.txt)": UTF-16 with a byte-order mark, tab-delimited, CRLF."""
    text = "".join("\t".join("" if v is None else str(v) for v in row) + "\r\n" for row in rows)
    path.write_bytes(text.encode("utf-16"))


WRITERS = {".xlsx": write_xlsx, ".xls": write_xls, ".txt": write_unicode_text, ".csv": write_csv}


@pytest.mark.parametrize(("name", "month", "batch_id"), [
    ("registry/2019-03/V2.XLSX", "2019-03", "registry/2019-03/v2"),
    ("registry/2019-03/v2 (1).xlsx", "2019-03", "registry/2019-03/v2"),
    ("registry/2019-5/v1.xlsx", "2019-05", "registry/2019-05/v1"),
    ("registry/2019-10 /v1.xlsx", "2019-10", "registry/2019-10/v1"),
    ("registry/2019-03/v2.xls", "2019-03", "registry/2019-03/v2"),
    ("registry/2019-03/v2.txt", "2019-03", "registry/2019-03/v2"),
])
def test_a_file_named_as_a_person_would_is_loaded_whole(folder, name, month, batch_id):
    suffix = "." + name.rsplit(".", 1)[1].lower()
    WRITERS[suffix](folder.path(name), registry())
    run = folder.ingest(month)
    outcome = run.file()
    assert outcome["status"] == "loaded" and outcome["rows"] == ROWS, outcome
    assert run.check_passed
    assert (batch_id, name, ROWS) in folder.batches()
    assert folder.raw("enterprise_name", batch_id) == [f"ТОО «Ромашка {i}»" for i in range(ROWS)]


def test_two_files_for_one_version_are_both_rejected_and_neither_loaded(folder):
    write_xlsx(folder.path("registry/2019-03/v2.xlsx"), registry(2))
    write_xlsx(folder.path("registry/2019-03/v02.xlsx"), registry(3))
    run = folder.ingest()
    assert not run.check_passed
    assert {o["file"] for o in run.files()} == {"registry/2019-03/v2.xlsx", "registry/2019-03/v02.xlsx"}
    assert all(o["status"] == "rejected" for o in run.files())
    assert not [b for b in folder.batches() if b[0] == "registry/2019-03/v2"]
    assert {source for source, _ in folder.rejections()} == {"registry/2019-03/v2.xlsx", "registry/2019-03/v02.xlsx"}


def test_a_bad_sidecar_of_another_month_does_not_stop_this_month(folder):
    write_xlsx(folder.path("registry/2019-04/v1.xlsx"), registry(2))
    folder.path("registry/2019-04/v1.meta.json").write_text("{not json")
    write_xlsx(folder.path("registry/2019-03/v2.xlsx"), registry())
    run = folder.ingest("2019-03")
    assert run.check_passed and run.file()["status"] == "loaded"
    assert ("registry/2019-03/v2", "registry/2019-03/v2.xlsx", ROWS) in folder.batches()


def test_a_bad_sidecar_or_name_rejects_that_file_alone_and_the_month_loads_the_rest(folder):
    write_xlsx(folder.path("registry/2019-04/v1.xlsx"), registry(2))
    folder.path("registry/2019-04/v1.meta.json").write_text('{"submitted_at": "2019-05-03T10:00:00"}')
    write_xlsx(folder.path("registry/2019-04/v3000000000.xlsx"), registry(2))
    write_xlsx(folder.path("registry/2019-04/v2.xlsx"), registry())
    folder.path("registry/2019-04/v2.meta.json").write_text(json.dumps({"submitted_at": "2019-05-06T09:00:00+06:00"}))
    run = folder.ingest("2019-04")
    by_file = {o["file"]: o for o in run.files()}
    assert by_file["registry/2019-04/v2.xlsx"]["status"] == "loaded"
    assert by_file["registry/2019-04/v1.xlsx"]["reason"].startswith(
        "registry/2019-04/v1.xlsx: файл не загружен: registry/2019-04/v1.meta.json: время submitted_at")
    assert "вне допустимых пределов" in by_file["registry/2019-04/v3000000000.xlsx"]["reason"]
    assert not run.check_passed and len(run.check_rejections) == 2
    assert [b for b in folder.batches() if b[0].startswith("registry/2019-04")] == [
        ("registry/2019-04/v2", "registry/2019-04/v2.xlsx", ROWS)]
    rejected = {source for source, _ in folder.rejections()}
    assert {"registry/2019-04/v1.xlsx", "registry/2019-04/v3000000000.xlsx"} <= rejected


def test_sensors_never_raise_because_of_one_file(folder, monkeypatch):
    write_xlsx(folder.path("registry/2019-04/v1.xlsx"), registry(2))
    folder.path("registry/2019-04/v1.meta.json").write_text("{not json")
    write_xlsx(folder.path("registry/2019-05/v1.xlsx"), registry(2))
    resources = {"monitoring": MonitoringSettings(data_dir=str(folder.root))}
    requests = landing_files_sensor(dg.build_sensor_context(resources=resources))
    # Both months launch: 2019-04's run records the bad sidecar, 2019-05's loads its file.
    assert sorted(r.partition_key for r in requests) == ["2019-04", "2019-05"]
    monkeypatch.setenv("MONITORING_EVALUATION_TIME", "2019-07-01T09:00:00+06:00")
    overdue = overdue_registries_sensor(dg.build_sensor_context(resources=resources))
    # The delivered months are received (even the one whose sidecar is bad); 2019-06 is not yet due.
    months = overdue.tags["monitoring/overdue_months"].split(",") if isinstance(overdue, dg.RunRequest) else []
    assert "2019-04" not in months and "2019-05" not in months


def test_a_file_outside_every_input_folder_is_recorded_once(folder):
    folder.path("Реестр за март.xlsx").write_bytes(b"x")
    run = folder.ingest()
    assert not run.check_passed
    (reason,) = run.check_rejections
    assert reason.startswith("Реестр за март.xlsx: файл лежит вне папок входных данных")
    again = folder.ingest()
    assert again.check_passed
    assert [source for source, _ in folder.rejections()] == ["Реестр за март.xlsx"]


def test_a_link_to_a_registry_outside_landing_is_rejected_without_its_absolute_path(folder, tmp_path):
    outside = tmp_path / "elsewhere" / "v2.xlsx"
    outside.parent.mkdir()
    write_xlsx(outside, registry())
    folder.path("registry/2019-03/v2.xlsx").symlink_to(outside)
    run = folder.ingest()
    (outcome,) = run.files()
    assert outcome["status"] == "rejected" and outcome["file"] == "registry/2019-03/v2.xlsx"
    assert str(tmp_path) not in run.all_metadata_text()
    assert not [b for b in folder.batches() if b[0] == "registry/2019-03/v2"]




def test_a_csv_cut_while_being_copied_is_rejected_naming_the_row_and_v1_stays(folder, tmp_path):
    whole = write_csv(tmp_path / "whole.csv", registry(100)).read_bytes()
    lines = whole.split(b"\r\n")
    # Cut just after a ';' in the middle of data row 52 (file line 52: title, header, numbers, rows).
    cut = len(b"\r\n".join(lines[:51])) + 2 + lines[51].index(b";") + 1
    folder.path("registry/2019-03/v2.csv").write_bytes(whole[:cut])
    v1_before = folder.raw("enterprise_name")
    run = folder.ingest()
    (outcome,) = run.files()
    assert outcome["status"] == "rejected"
    assert outcome["reason"].startswith("registry/2019-03/v2.csv, row 52: the file ends in the middle of a line")
    assert not [b for b in folder.batches() if b[0] == "registry/2019-03/v2"]
    assert folder.raw("enterprise_name") == v1_before


def test_an_unclosed_quote_is_rejected_naming_its_row(folder, tmp_path):
    text = write_csv(tmp_path / "whole.csv", registry(6)).read_bytes().decode("utf-8")
    lines = text.split("\r\n")
    lines[5] = lines[5].replace("ТОО «Ромашка 2»", '"ТОО «Ромашка 2»', 1)  # data row 3 of 6 (file row 6)
    folder.path("registry/2019-03/v2.csv").write_text("\r\n".join(lines), encoding="utf-8")
    run = folder.ingest()
    (outcome,) = run.files()
    assert outcome["status"] == "rejected", outcome
    assert outcome["reason"].startswith("registry/2019-03/v2.csv, row 6: a quote opened in this row is not closed")
    assert not [b for b in folder.batches() if b[0] == "registry/2019-03/v2"]


def test_a_workbook_over_the_row_limit_is_rejected_before_it_is_read(folder, monkeypatch):
    monkeypatch.setenv("MONITORING_MAX_SHEET_ROWS", "5")
    write_xlsx(folder.path("registry/2019-03/v2.xlsx"), registry(ROWS))  # 3 form rows + 4 data rows
    run = folder.ingest()
    (outcome,) = run.files()
    assert outcome["status"] == "rejected"
    assert "spans 7 rows, more than the 5 allowed (setting MONITORING_MAX_SHEET_ROWS)" in outcome["reason"]
