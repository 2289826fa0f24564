"""The late-registry sensor: alerts once per month whose deadline passed with no registry."""

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from orchestration.defs.assets.deadlines import OVERDUE_KEY, overdue_registries
from orchestration.defs.resources import MonitoringSettings
from orchestration.defs.sensors import overdue_registries_sensor
from orchestration.rules.timeliness import EVALUATION_TIME_ENV, EVALUATION_TIME_TAG, overdue_months

ALMATY = ZoneInfo("Asia/Almaty")


def _deliver(data_dir, period: str) -> None:
    path = data_dir / "landing" / "registry" / period / "v1.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"a;b\n1;2\n")


def _evaluate(monkeypatch, data_dir, when: str, cursor=None):
    monkeypatch.setenv(EVALUATION_TIME_ENV, when)
    context = dg.build_sensor_context(cursor=cursor,
                                      resources={"monitoring": MonitoringSettings(data_dir=str(data_dir))})
    return overdue_registries_sensor(context), context.cursor


def test_sensor_decisions_around_the_march_deadline(monkeypatch, tmp_path):
    _deliver(tmp_path, "2019-01")
    _deliver(tmp_path, "2019-02")

    # 1 April 23:00: March's registry is due by the end of the day: nothing to say.
    before, cursor = _evaluate(monkeypatch, tmp_path, "2019-04-01T23:00:00+06:00")
    assert isinstance(before, dg.SkipReason)

    # Just after midnight (Almaty): March is overdue, raised once.
    after, cursor = _evaluate(monkeypatch, tmp_path, "2019-04-02T00:00:01+06:00", cursor)
    assert isinstance(after, dg.RunRequest)
    assert after.run_key == "overdue-registries:2019-03"
    assert after.tags["monitoring/overdue_months"] == "2019-03"
    assert after.tags[EVALUATION_TIME_TAG] == "2019-04-02T00:00:01+06:00"

    # Next tick, same situation: no second alert.
    again, cursor = _evaluate(monkeypatch, tmp_path, "2019-04-02T00:15:00+06:00", cursor)
    assert isinstance(again, dg.SkipReason) and "2019-03" in again.skip_message

    # A day later the file has arrived: nothing overdue, nothing raised.
    _deliver(tmp_path, "2019-03")
    arrived, cursor = _evaluate(monkeypatch, tmp_path, "2019-04-03", cursor)
    assert isinstance(arrived, dg.SkipReason)
    assert overdue_months(datetime(2019, 4, 3, tzinfo=ALMATY), {"2019-01", "2019-02", "2019-03"}) == []

    # April's deadline passes with nothing: a new alert for the new month only.
    may, cursor = _evaluate(monkeypatch, tmp_path, "2019-05-02", cursor)
    assert isinstance(may, dg.RunRequest) and may.run_key == "overdue-registries:2019-04"


def test_a_bare_date_means_the_start_of_that_day_in_almaty(monkeypatch, tmp_path):
    _deliver(tmp_path, "2019-01")
    # 2 March 00:00 Almaty is after the end of 1 March: February is overdue.
    result, _ = _evaluate(monkeypatch, tmp_path, "2019-03-02")
    assert isinstance(result, dg.RunRequest) and result.run_key == "overdue-registries:2019-02"


def test_the_alert_asset_fails_its_check_naming_the_month(tmp_path):
    _deliver(tmp_path, "2019-01")
    result = dg.materialize(
        [overdue_registries],
        resources={"monitoring": MonitoringSettings(data_dir=str(tmp_path))},
        tags={EVALUATION_TIME_TAG: "2019-03-05T09:00:00+06:00"},
        raise_on_error=False,
    )
    assert result.success  # a failed check is an alert, not a crashed run
    [check] = result.get_asset_check_evaluations()
    assert check.asset_key == OVERDUE_KEY and not check.passed
    assert check.severity == dg.AssetCheckSeverity.ERROR
    assert "2019-02" in check.description
    assert check.metadata["overdue_months"].value == ["2019-02"]
