"""The landing layout: which files are found, how they are dated, and bad sidecars."""

import json
from datetime import datetime, timedelta, timezone

import pytest

from orchestration.ingestion.landing import LandingError, discover


def _touch(path, text="x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_discovers_every_input_with_period_version_and_sidecar(tmp_path):
    _touch(tmp_path / "registry/2019-03/v1.xlsx")
    _touch(tmp_path / "registry/2019-03/v2.csv")
    _touch(tmp_path / "registry/2019-03/v2.meta.json", json.dumps({"submitted_at": "2019-04-03T10:15:00+06:00"}))
    _touch(tmp_path / "registry/2019-03/notes.txt")
    _touch(tmp_path / "questionnaires/2019-03.xlsx")
    _touch(tmp_path / "acts/2019-03.csv")
    _touch(tmp_path / "phone_survey/2019-Q1.xlsx")
    found = {(f.input, f.period, f.version): f for f in discover(tmp_path)}
    assert set(found) == {
        ("registry", "2019-03", 1), ("registry", "2019-03", 2), ("questionnaires", "2019-03", 1),
        ("acts", "2019-03", 1), ("phone_survey", "2019-Q1", 1),
    }
    assert found[("registry", "2019-03", 1)].submitted_at is None
    assert found[("registry", "2019-03", 2)].submitted_at == datetime(
        2019, 4, 3, 10, 15, tzinfo=timezone(timedelta(hours=6)))
    # A quarter's phone survey is ingested with the quarter's last month.
    assert found[("phone_survey", "2019-Q1", 1)].month == "2019-03"


@pytest.mark.parametrize("sidecar", ['{"submitted_at": "2019-04-03T10:15:00"}', '{"sent": "x"}', "not json"])
def test_malformed_sidecar_is_an_error_naming_the_file(tmp_path, sidecar):
    _touch(tmp_path / "registry/2019-03/v1.xlsx")
    _touch(tmp_path / "registry/2019-03/v1.meta.json", sidecar)
    with pytest.raises(LandingError, match=r"v1\.meta\.json"):
        discover(tmp_path)
