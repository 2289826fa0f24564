"""The landing layout: every file under the landing folder is taken, waiting, or not taken with
a reason; names are read as a person means them; one file's problem never stops the others."""

import json
import os
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from orchestration.ingestion.landing import scan

NOW = datetime(2019, 5, 20, 12, 0, tzinfo=UTC)


def _touch(path, text="x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _taken(found):
    return {(f.input, f.period, f.version): f for f in found.files}


def _reasons(found, landing):
    return {u.path.relative_to(landing).as_posix(): u.reason for u in found.unaccepted}


def test_discovers_every_input_with_period_version_and_sidecar(tmp_path):
    _touch(tmp_path / "registry/2019-03/v1.xlsx")
    _touch(tmp_path / "registry/2019-03/v2.csv")
    _touch(tmp_path / "registry/2019-03/v2.meta.json", json.dumps({"submitted_at": "2019-04-03T10:15:00+06:00"}))
    _touch(tmp_path / "questionnaires/2019-03.xlsx")
    _touch(tmp_path / "acts/2019-03.csv")
    _touch(tmp_path / "phone_survey/2019-Q1.xlsx")
    found = scan(tmp_path, NOW)
    taken = _taken(found)
    assert set(taken) == {
        ("registry", "2019-03", 1), ("registry", "2019-03", 2), ("questionnaires", "2019-03", 1),
        ("acts", "2019-03", 1), ("phone_survey", "2019-Q1", 1),
    }
    assert found.unaccepted == [] and found.waiting == []
    assert taken[("registry", "2019-03", 1)].submitted_at is None
    assert taken[("registry", "2019-03", 2)].submitted_at == datetime(
        2019, 4, 3, 10, 15, tzinfo=timezone(timedelta(hours=6)))
    # A quarter's phone survey is ingested with the quarter's last month.
    assert taken[("phone_survey", "2019-Q1", 1)].month == "2019-03"


@pytest.mark.parametrize(("relative", "period", "version"), [
    ("registry/2019-03/V1.XLSX", "2019-03", 1),
    ("registry/2019-03/v1 (1).xlsx", "2019-03", 1),  # a browser's second download of v1
    ("registry/2019-03/v02.csv", "2019-03", 2),
    ("registry/2019-5/v1.xlsx", "2019-05", 1),
    ("registry/2019-10 /v1.xlsx", "2019-10", 1),
    ("registry/2019-03/v1.xls", "2019-03", 1),
    ("registry/2019-03/v1.txt", "2019-03", 1),  # Excel's "Unicode text" export
    ("questionnaires/2019-3.CSV", "2019-03", 1),
    ("phone_survey/2019-q2.xlsx", "2019-Q2", 1),
])
def test_names_are_read_as_a_person_means_them_and_the_reading_is_noted(tmp_path, relative, period, version):
    _touch(tmp_path / relative)
    found = scan(tmp_path, NOW)
    assert found.unaccepted == []
    (taken,) = found.files
    assert (taken.period, taken.version) == (period, version)
    canonical = relative.split("/")[-1] in {"v1.xls", "v1.txt"}
    assert bool(taken.notes) is not canonical  # a name read loosely says how it was read


def test_two_files_for_one_version_are_both_refused_by_name(tmp_path):
    _touch(tmp_path / "registry/2019-03/v2.xlsx")
    _touch(tmp_path / "registry/2019-03/v02.xlsx")
    _touch(tmp_path / "registry/2019-03/v1.xlsx")
    found = scan(tmp_path, NOW)
    assert set(_taken(found)) == {("registry", "2019-03", 1)}
    reasons = _reasons(found, tmp_path)
    assert set(reasons) == {"registry/2019-03/v2.xlsx", "registry/2019-03/v02.xlsx"}
    for reason in reasons.values():
        assert "несколько файлов («registry/2019-03/v02.xlsx», «registry/2019-03/v2.xlsx»)" in reason
    assert {u.version for u in found.unaccepted} == {2}


def test_every_file_is_accounted_for_with_a_reason_in_russian(tmp_path):
    names = {
        "registry/2019-03/v3000000000.xlsx": "номер версии 3000000000 вне допустимых пределов",
        "registry/2019-03/v0.xlsx": "номер версии 0 вне допустимых пределов",
        "registry/2019-03/реестр_март.xlsx": "не является номером версии",
        "registry/2019-03/notes.txt": "не является номером версии",
        "registry/2019-03/v1.pdf": "формат файла «.pdf» не поддерживается",
        "registry/май 2019/v1.xlsx": "папка «май 2019» не названа отчётным месяцем",
        "registry/v1.xlsx": "должен лежать в папке месяца",
        "registry/2019-03/old/v1.xlsx": "должен лежать в папке месяца",
        "acts/март.xlsx": "не является периодом в виде ГГГГ-ММ",
        "anketa/2019-03.xlsx": "вне папок входных данных",
        "readme.docx": "вне папок входных данных",
        "registry/2019-04/v9.meta.json": "сопроводительный файл без файла данных",
    }
    for name in names:
        _touch(tmp_path / name)
    # Files an upload or Excel leaves while working: neither data nor errors.
    for name in ("registry/2019-03/v2.xlsx.part", "registry/2019-03/~$v1.xlsx", "acts/2019-03.csv.tmp",
                 "registry/2019-03/.v3.xlsx.swp"):
        _touch(tmp_path / name)
    found = scan(tmp_path, NOW)
    assert found.files == []
    reasons = _reasons(found, tmp_path)
    assert set(reasons) == set(names)
    for name, words in names.items():
        assert reasons[name].startswith(f"{name}: ") and words in reasons[name], reasons[name]


@pytest.mark.parametrize(("sidecar", "words"), [
    ('{"submitted_at": "2019-04-03T10:15:00"}', "без смещения от UTC"),
    ('{"sent": "x"}', "нет поля submitted_at"),
    ("not json", "не является корректным JSON"),
    ('{"submitted_at": "вчера"}', "не читается как дата и время"),
    ('{"submitted_at": "2019-02-27T10:00:00+06:00"}', "раньше начала отчётного месяца 2019-03"),
    ('{"submitted_at": "2019-05-21T10:00:00+06:00"}', "ещё не наступило"),
])
def test_a_bad_sidecar_refuses_its_own_file_only_naming_the_sidecar_with_its_folder(tmp_path, sidecar, words):
    _touch(tmp_path / "registry/2019-03/v1.xlsx")
    _touch(tmp_path / "registry/2019-03/v1.meta.json", sidecar)
    _touch(tmp_path / "registry/2019-03/v2.xlsx")
    _touch(tmp_path / "registry/2019-04/v1.xlsx")
    found = scan(tmp_path, NOW)
    assert set(_taken(found)) == {("registry", "2019-03", 2), ("registry", "2019-04", 1)}
    (refused,) = found.unaccepted
    assert (refused.input, refused.period, refused.version, refused.month) == ("registry", "2019-03", 1, "2019-03")
    assert refused.reason.startswith("registry/2019-03/v1.xlsx: файл не загружен: registry/2019-03/v1.meta.json: ")
    assert words in refused.reason


def test_a_file_still_changing_waits_and_is_taken_once_it_has_settled(tmp_path):
    path = _touch(tmp_path / "registry/2019-03/v1.csv")
    changed = max(path.stat().st_mtime, path.stat().st_ctime)
    waiting = scan(tmp_path, NOW, settle_seconds=60, clock=lambda: changed + 59)
    assert waiting.files == [] and waiting.unaccepted == [] and waiting.waiting == [path]
    settled = scan(tmp_path, NOW, settle_seconds=60, clock=lambda: changed + 60)
    assert [f.path for f in settled.files] == [path]


def test_a_copy_that_keeps_an_old_mtime_still_waits(tmp_path):
    path = _touch(tmp_path / "registry/2019-03/v1.csv")
    os.utime(path, (time.time() - 86400, time.time() - 86400))  # as `cp -p` or Explorer leave it
    assert scan(tmp_path, NOW, settle_seconds=60).waiting == [path]


def test_a_link_to_a_file_outside_the_landing_folder_is_refused_without_its_target(tmp_path):
    outside = _touch(tmp_path / "elsewhere/secret.xlsx")
    landing = tmp_path / "landing"
    (landing / "registry/2019-03").mkdir(parents=True)
    (landing / "registry/2019-03/v1.xlsx").symlink_to(outside)
    found = scan(landing, NOW)
    assert found.files == []
    (refused,) = found.unaccepted
    assert refused.reason == ("registry/2019-03/v1.xlsx: это ссылка на файл вне папки приёма; положите в "
                              "папку сам файл")
    assert str(tmp_path) not in refused.reason and "elsewhere" not in refused.reason
