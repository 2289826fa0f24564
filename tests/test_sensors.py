"""The landing sensor: one run per new or changed file content, never twice for the same bytes."""

import os

import dagster as dg

from orchestration.defs.resources import MonitoringSettings
from orchestration.defs.sensors import landing_files_sensor


def _evaluate(data_dir, cursor=None):
    context = dg.build_sensor_context(cursor=cursor,
                                      resources={"monitoring": MonitoringSettings(data_dir=str(data_dir))})
    result = landing_files_sensor(context)
    return result, context.cursor


def _write(path, content: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def test_new_file_runs_once_touch_does_not_change_does(tmp_path):
    registry = tmp_path / "landing/registry/2019-03/v1.csv"
    _write(registry, b"a;b\n1;2\n")
    _write(tmp_path / "landing/acts/2019-03.csv", b"x\n")
    _write(tmp_path / "landing/phone_survey/2019-Q1.csv", b"y\n")

    requests, cursor = _evaluate(tmp_path)
    assert sorted((r.partition_key, r.tags["monitoring/input"]) for r in requests) == [
        ("2019-03", "acts"), ("2019-03", "phone_survey"), ("2019-03", "registry")]
    registry_request = next(r for r in requests if r.tags["monitoring/input"] == "registry")
    assert registry_request.asset_selection == [dg.AssetKey(["raw", "registry_rows"]), dg.AssetKey(["raw", "batches"])]

    again, cursor = _evaluate(tmp_path, cursor)
    assert isinstance(again, dg.SkipReason)

    os.utime(registry, ns=(1, 1))  # same bytes, new mtime: hashed again, nothing launched
    touched, cursor = _evaluate(tmp_path, cursor)
    assert isinstance(touched, dg.SkipReason)

    _write(registry, b"a;b\n1;3\n")
    changed, cursor = _evaluate(tmp_path, cursor)
    assert [r.partition_key for r in changed] == ["2019-03"]
    assert changed[0].run_key != registry_request.run_key


def test_month_outside_the_programme_is_launched_once_in_the_latest_month_to_be_recorded(tmp_path):
    from orchestration.defs.sensors import monitoring_partition_keys

    _write(tmp_path / "landing/registry/2017-05/v1.csv", b"a\n")
    (request,), cursor = _evaluate(tmp_path)
    # No partition is 2017-05: the latest month's ingestion records the file as rejected (once).
    assert request.partition_key == monitoring_partition_keys()[-1]
    again, _ = _evaluate(tmp_path, cursor)
    assert isinstance(again, dg.SkipReason)


def test_a_month_delivered_early_is_launched_once_its_partition_exists(tmp_path, monkeypatch):
    import orchestration.defs.sensors as sensors

    _write(tmp_path / "landing/registry/2019-03/v1.csv", b"a\n")
    monkeypatch.setattr(sensors, "monitoring_partition_keys", lambda: ["2019-01", "2019-02"])
    early, cursor = _evaluate(tmp_path)
    assert isinstance(early, dg.SkipReason) and "1 file(s)" in early.skip_message
    monkeypatch.setattr(sensors, "monitoring_partition_keys", lambda: ["2019-01", "2019-02", "2019-03"])
    later, _ = _evaluate(tmp_path, cursor)
    assert [r.partition_key for r in later] == ["2019-03"]
