"""The landing sensor and the build that follows an ingestion: no duplicate work (issue 23).

Files are ingested the way `make demo` does (run_year's ingestion stage) or the way the daemon
does after a sensor tick (the requested run executed on the instance); the sensors are evaluated
through Dagster's own tick evaluation on that instance, with a fresh cursor where it matters.
"""

from __future__ import annotations

import json
import os
import shutil

import dagster as dg
import pytest
from fixtures_bad_inputs import acts_rows, data_row, form_rows, questionnaire_rows, write_csv, write_xlsx

from orchestration.defs.runner import QUIET, run_stages
from orchestration.defs.sensors import FILES_TAG, INGESTION_TAG, files_tag
from orchestration.ingestion.ledger import LOADED, REFUSED, REJECTED, read_ledger
from orchestration.settings import DEV_HMAC_KEY, Settings
from orchestration.tools.run_year import year_stages

LANDING = "landing_files_sensor"
BUILD = "build_after_ingestion"


class Deployment:
    """A data folder, its code location and a Dagster instance: what `make dev` runs on."""

    def __init__(self, root, instance: dg.DagsterInstance) -> None:
        from orchestration.defs.definitions import build_definitions

        self.settings = Settings(data_dir=root, hmac_key=DEV_HMAC_KEY)
        self.settings.landing_dir.mkdir(parents=True, exist_ok=True)
        self.definitions = build_definitions(self.settings)
        self.instance = instance
        self.cursors: dict[str, str | None] = {}

    def path(self, relative: str):
        path = self.settings.landing_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def tick(self, name: str, *, fresh: bool = False) -> dg.SensorExecutionData:
        """One tick of the sensor as the daemon evaluates it (its cursor kept between ticks)."""
        sensor = self.definitions.resolve_sensor_def(name)
        context = dg.build_sensor_context(instance=self.instance, cursor=None if fresh else self.cursors.get(name),
                                          sensor_name=name, definitions=self.definitions,
                                          resources=dict(self.definitions.resources or {}))
        data = sensor.evaluate_tick(context)
        self.cursors[name] = data.cursor
        return data

    def launch(self, request: dg.RunRequest, launcher: tuple[str, str] = ("dagster/sensor_name", LANDING)) -> str:
        """Execute a requested ingestion on the instance, tagged as the daemon tags a sensor's
        (or a schedule's) run."""
        result = self.definitions.resolve_job_def("ingest_landing_files").execute_in_process(
            instance=self.instance, partition_key=request.partition_key, run_config=QUIET,
            tags={**request.tags, launcher[0]: launcher[1]},
            asset_selection=list(request.asset_selection) if request.asset_selection else None)
        assert result.success
        return result.run_id

    def ledger(self):
        return read_ledger(self.settings.ledger_path, self.settings.warehouse_path)


def waiting_build(instance: dg.DagsterInstance, job: dg.JobDefinition, status: dg.DagsterRunStatus) -> dg.DagsterRun:
    """A build the daemon has created and not yet started (NOT_STARTED: a queued run needs a code
    location's origin, which an in-process instance has not; the sensor treats both alike), or
    started with no step begun (its status set by the events Dagster records for it)."""
    run = instance.create_run_for_job(job, status=dg.DagsterRunStatus.NOT_STARTED)
    events = [dg.DagsterEventType.RUN_STARTING, dg.DagsterEventType.RUN_START]
    for event_type in events if status == dg.DagsterRunStatus.STARTED else []:
        instance.report_dagster_event(dg.DagsterEvent(event_type.value, job_name=job.name), run.run_id)
    run = instance.get_run_by_id(run.run_id)
    assert run is not None and run.status == status
    return run


def registry(n: int) -> list[list[object]]:
    return form_rows([data_row(i) for i in range(n)])


def rejected_registry() -> list[list[object]]:
    return [["not the registry form"], ["a", "b"], [1, 2]]


@pytest.fixture
def demo(tmp_path):
    """A small year ingested as `make demo` ingests it: one run over the months (run_year's stage),
    with one file refused for its name and one rejected by its contract."""
    with dg.instance_for_test() as instance:
        deployment = Deployment(tmp_path / "data", instance)
        for month in ("2019-01", "2019-02", "2019-03"):
            write_xlsx(deployment.path(f"registry/{month}/v1.xlsx"), registry(3))
        write_xlsx(deployment.path("registry/2019-03/v2.xlsx"), rejected_registry())
        write_xlsx(deployment.path("registry/2019-02/final.xlsx"), registry(1))
        write_xlsx(deployment.path("acts/2019-03.xlsx"), acts_rows())
        write_csv(deployment.path("questionnaires/2019-03.csv"), questionnaire_rows())
        ingest = [stage for stage in year_stages(2019, last_month=3) if stage.job == "ingest_landing_files"]
        run_stages(ingest, instance=instance, definitions=deployment.definitions)
        yield deployment


def test_after_a_demo_a_fresh_landing_sensor_launches_nothing(demo):
    ledger = demo.ledger()
    assert {name: entry.status for name, entry in ledger.items()} == {
        "registry/2019-01/v1.xlsx": LOADED, "registry/2019-02/v1.xlsx": LOADED, "registry/2019-03/v1.xlsx": LOADED,
        "registry/2019-03/v2.xlsx": REJECTED, "registry/2019-02/final.xlsx": REFUSED,
        "acts/2019-03.xlsx": LOADED, "questionnaires/2019-03.csv": LOADED}

    first = demo.tick(LANDING, fresh=True)
    assert first.run_requests == [] and "accounted for" in first.skip_message
    # The cursor is a digest of the look, not the files' state (which is in the ledger).
    cursor = json.loads(first.cursor)
    assert set(cursor) == {"digest", "files", "waiting"} and cursor["files"] == 7 and len(first.cursor) < 100
    again = demo.tick(LANDING)
    assert again.run_requests == [] and "unchanged" in again.skip_message
    # The build sensor starting on this instance (its first tick) asks for nothing either.
    assert demo.tick(BUILD, fresh=True).run_requests == []
    assert [run.job_name for run in demo.instance.get_runs()] == ["ingest_landing_files"]


def test_a_new_file_is_ingested_once_then_built_once(demo):
    demo.tick(LANDING), demo.tick(BUILD)  # the daemon's ticks before the file arrives
    write_xlsx(demo.path("registry/2019-03/v3.xlsx"), registry(4))

    [request] = demo.tick(LANDING).run_requests
    assert request.partition_key == "2019-03" and request.tags[FILES_TAG] == "registry/2019-03/v3.xlsx"
    assert request.asset_selection == [dg.AssetKey(["raw", "registry_rows"]), dg.AssetKey(["raw", "batches"])]
    # A fresh cursor before the run: the same request, which the daemon launches once (its run key).
    [same] = demo.tick(LANDING, fresh=True).run_requests
    assert same.run_key == request.run_key

    ingestion = demo.launch(request)
    assert demo.ledger()["registry/2019-03/v3.xlsx"].run_id == ingestion
    assert demo.tick(LANDING).run_requests == [] and demo.tick(LANDING, fresh=True).run_requests == []

    [build] = demo.tick(BUILD).run_requests
    assert build.tags[INGESTION_TAG] == ingestion and build.tags[FILES_TAG] == "registry/2019-03/v3.xlsx"
    assert demo.tick(BUILD).run_requests == []  # the ingestion is not looked at twice


def test_a_build_queued_or_started_suppresses_another(demo):
    demo.tick(LANDING), demo.tick(BUILD)
    build_job = demo.definitions.resolve_job_def("build_warehouse")
    for version, status in ((3, dg.DagsterRunStatus.NOT_STARTED), (4, dg.DagsterRunStatus.STARTED), (5, None)):
        write_xlsx(demo.path(f"registry/2019-03/v{version}.xlsx"), registry(version))
        [request] = demo.tick(LANDING).run_requests
        demo.launch(request)
        if status is None:  # the other build was cancelled: this ingestion gets its own
            assert len(demo.tick(BUILD).run_requests) == 1
            continue
        other = waiting_build(demo.instance, build_job, status)
        data = demo.tick(BUILD)
        assert data.run_requests == [] and f"build {other.run_id[:8]}" in data.skip_message
        demo.instance.report_run_canceled(other)


def test_an_ingestion_that_only_rejected_files_requests_no_build(demo):
    demo.tick(LANDING), demo.tick(BUILD)
    write_xlsx(demo.path("registry/2019-03/v3.xlsx"), rejected_registry())
    [request] = demo.tick(LANDING).run_requests
    demo.launch(request)
    assert demo.ledger()["registry/2019-03/v3.xlsx"].status == REJECTED
    data = demo.tick(BUILD)
    assert data.run_requests == [] and "loaded nothing new" in data.skip_message
    # The same rejected bytes delivered again (a copy with a new time) launch nothing.
    shutil.copy(demo.path("registry/2019-03/v3.xlsx"), demo.path("registry/2019-03/v3.copy"))
    os.replace(demo.path("registry/2019-03/v3.copy"), demo.path("registry/2019-03/v3.xlsx"))
    assert demo.tick(LANDING).run_requests == []


def test_a_scheduled_ingestion_is_built_even_with_nothing_new(demo):
    """The monthly schedule re-ingests the month after its deadline: the build that follows evaluates
    the deadlines then, so it runs though no file changed; the same re-run by hand builds nothing."""
    demo.tick(BUILD)
    demo.launch(dg.RunRequest(partition_key="2019-03"), ("dagster/schedule_name", "monthly_ingestion"))
    [build] = demo.tick(BUILD).run_requests
    assert FILES_TAG not in build.tags
    demo.launch(dg.RunRequest(partition_key="2019-03"), ("monitoring/launched_by", "hand"))
    assert "loaded nothing new" in demo.tick(BUILD).skip_message


def test_same_bytes_launch_nothing_new_bytes_do(demo):
    path = demo.path("registry/2019-01/v1.xlsx")
    os.utime(path, ns=(1, 1))  # same bytes, new time: hashed, found in the ledger
    assert demo.tick(LANDING, fresh=True).run_requests == []
    before = path.read_bytes()
    write_xlsx(path, registry(5))
    [request] = demo.tick(LANDING).run_requests
    assert (request.partition_key, request.tags[FILES_TAG]) == ("2019-01", "registry/2019-01/v1.xlsx")
    demo.launch(request)
    path.write_bytes(before)  # the first content back: a new request, not one the daemon saw already
    [back] = demo.tick(LANDING).run_requests
    assert back.tags[FILES_TAG] == "registry/2019-01/v1.xlsx" and back.run_key != request.run_key
    demo.launch(back)
    assert demo.tick(LANDING, fresh=True).run_requests == []


def test_a_refused_file_that_becomes_acceptable_is_ingested(demo):
    """Refused because two files claim one version: the same bytes are taken once the other goes."""
    write_xlsx(demo.path("registry/2019-02/v2.xlsx"), registry(2))
    write_csv(demo.path("registry/2019-02/v2.csv"), registry(2))
    [request] = demo.tick(LANDING).run_requests
    demo.launch(request)
    assert demo.ledger()["registry/2019-02/v2.xlsx"].status == REFUSED
    assert demo.tick(LANDING).run_requests == []
    demo.path("registry/2019-02/v2.csv").unlink()
    [request] = demo.tick(LANDING).run_requests
    assert request.tags[FILES_TAG] == "registry/2019-02/v2.xlsx"


def test_files_tag_is_short_and_masked():
    assert files_tag(["registry/2019-03/v2.xlsx", "acts/2019-03.xlsx"]) == \
        "acts/2019-03.xlsx, registry/2019-03/v2.xlsx"
    many = files_tag([f"registry/2019-{m:02d}/v1.xlsx" for m in range(1, 13)], limit=80)
    assert len(many) <= 80 and many.endswith("… (+10)") and many.startswith("registry/2019-01/v1.xlsx, ")
    assert "061211600012" not in files_tag(["landing/061211600012.xlsx"])
    assert files_tag(["x" * 300]) == "… (+1)"


def test_a_month_delivered_early_is_launched_once_its_partition_exists(tmp_path, monkeypatch):
    import orchestration.defs.sensors as sensors

    with dg.instance_for_test() as instance:
        deployment = Deployment(tmp_path / "data", instance)
        write_xlsx(deployment.path("registry/2019-03/v1.xlsx"), registry(1))
        monkeypatch.setattr(sensors, "monitoring_partition_keys", lambda: ["2019-01", "2019-02"])
        early = deployment.tick(LANDING)
        assert early.run_requests == [] and "1 file(s)" in early.skip_message
        monkeypatch.setattr(sensors, "monitoring_partition_keys", lambda: ["2019-01", "2019-02", "2019-03"])
        assert [r.partition_key for r in deployment.tick(LANDING).run_requests] == ["2019-03"]


def test_month_outside_the_programme_is_launched_in_the_latest_month_and_recorded_once(tmp_path):
    from orchestration.defs.sensors import monitoring_partition_keys

    with dg.instance_for_test() as instance:
        deployment = Deployment(tmp_path / "data", instance)
        write_xlsx(deployment.path("registry/2017-05/v1.xlsx"), registry(1))
        [request] = deployment.tick(LANDING).run_requests
        # No partition is 2017-05: the latest month's ingestion records the file as refused (once).
        assert request.partition_key == monitoring_partition_keys()[-1]
        deployment.launch(request)
        assert deployment.ledger()["registry/2017-05/v1.xlsx"].status == REFUSED
        assert deployment.tick(LANDING, fresh=True).run_requests == []


def test_the_ledger_describes_its_own_warehouse_only(demo):
    """Written whole (no temporary file left beside it); with the warehouse deleted it describes
    nothing, so every file is new again."""
    assert [p.name for p in demo.settings.data_dir.iterdir() if p.name.startswith(".landing_ledger")] == []
    assert demo.tick(LANDING, fresh=True).run_requests == []
    for path in demo.settings.data_dir.glob("warehouse.duckdb*"):
        path.unlink()
    requests = demo.tick(LANDING).run_requests
    assert sorted((r.partition_key, r.tags["monitoring/input"]) for r in requests) == [
        ("2019-01", "registry"), ("2019-02", "registry"), ("2019-03", "acts"), ("2019-03", "questionnaires"),
        ("2019-03", "registry")]
