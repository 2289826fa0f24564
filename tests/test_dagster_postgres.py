"""Dagster's instance on PostgreSQL (deploy/dagster-postgres.yaml), on the session's own server.

Each test gets a DAGSTER_HOME holding the deployment's file as dagster.yaml and a database of its
own; the connection comes from the environment (MONITORING_DAGSTER_POSTGRES_URL), as in production.
What a run wrote is read back from PostgreSQL's tables with a plain client, not through Dagster.
"""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import dagster as dg
import psycopg2
import pytest

from orchestration.defs.assets.publish import ANALYTICS_KEY, analytics_database
from orchestration.defs.resources import WAREHOUSE_POOL, MonitoringSettings
from orchestration.settings import PROJECT_ROOT

TESTS = Path(__file__).resolve().parent
CHILD_TIMEOUT = 600
URL_ENV = "MONITORING_DAGSTER_POSTGRES_URL"


@dg.asset(pool=WAREHOUSE_POOL)
def hold_the_warehouse(context: dg.AssetExecutionContext) -> None:
    """Holds the warehouse pool's slot until the test releases it (a file), saying when it started."""
    folder = Path(os.environ["HOLD_FOLDER"])
    (folder / context.run_id).touch()
    deadline = time.monotonic() + CHILD_TIMEOUT
    while not (folder / "release").exists():
        if time.monotonic() > deadline:
            raise RuntimeError("never released")
        time.sleep(0.05)


HOLD = """
import sys
sys.path.insert(0, sys.argv[1])
import dagster as dg
from test_dagster_postgres import hold_the_warehouse
dg.materialize([hold_the_warehouse], instance=dg.DagsterInstance.get())
"""

INGEST_ONE_MONTH = """
import sys
import dagster as dg
from orchestration.defs.definitions import defs
result = defs.resolve_job_def("ingest_landing_files").execute_in_process(
    instance=dg.DagsterInstance.get(), partition_key=sys.argv[1], raise_on_error=False)
sys.exit(0 if result.success else 1)
"""


@pytest.fixture
def postgres_home(tmp_path, postgres_server, postgres_database, monkeypatch):
    """A DAGSTER_HOME with deploy/dagster-postgres.yaml, its storage in a new database."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "deploy" / "dagster-postgres.yaml", home / "dagster.yaml")
    monkeypatch.setenv(URL_ENV, postgres_server.url(postgres_database))
    return home, postgres_server.dsn(postgres_database)


def _instance(home: Path) -> dg.DagsterInstance:
    with mock.patch.dict(os.environ, {"DAGSTER_HOME": str(home)}):
        return dg.DagsterInstance.from_config(str(home))


def _start(script: str, args: list[str], home: Path, data_dir: Path, log: Path, **env: str) -> subprocess.Popen:
    environment = {**os.environ, "DAGSTER_HOME": str(home), "MONITORING_DATA_DIR": str(data_dir),
                   "MONITORING_DEMO": "1", "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
                   **env}
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-c", script, *args], cwd=PROJECT_ROOT, env=environment,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _finish(child: subprocess.Popen, log: Path) -> None:
    try:
        code = child.wait(timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        child.kill()
        raise AssertionError(f"child did not finish:\n{log.read_text()[-3000:]}") from None
    assert code == 0, f"child failed ({code}):\n{log.read_text()[-3000:]}"


def _rows(dsn: str, query: str, args: list | None = None) -> list[tuple]:
    with psycopg2.connect(dsn) as con, con.cursor() as cur:
        cur.execute(query, args)
        rows = cur.fetchall()
    con.close()
    return rows


def test_a_real_jobs_run_and_its_events_are_in_postgresql(pipeline_run, postgres_home, tmp_path):
    home, dsn = postgres_home
    data_dir, log = tmp_path / "data", tmp_path / "child.log"
    for input_folder in pipeline_run.settings.landing_dir.iterdir():
        for item in input_folder.iterdir():
            if item.name.startswith("2019-02"):
                target = data_dir / "landing" / input_folder.name / item.name
                target.parent.mkdir(parents=True, exist_ok=True)
                (shutil.copytree if item.is_dir() else shutil.copy2)(item, target)
    _finish(_start(INGEST_ONE_MONTH, ["2019-02"], home, data_dir, log), log)

    [(run_id, status)] = _rows(dsn, "select run_id, status from runs where pipeline_name = 'ingest_landing_files'")
    assert status == "SUCCESS"
    events = _rows(dsn, "select dagster_event_type, asset_key from event_logs where run_id = %s", [run_id])
    types = [event_type for event_type, _ in events]
    assert dg.DagsterEventType.RUN_START.value in types and dg.DagsterEventType.RUN_SUCCESS.value in types
    materialised = {key for event_type, key in events if event_type == dg.DagsterEventType.ASSET_MATERIALIZATION.value}
    assert any('"raw"' in key and "registry" in key for key in materialised), materialised
    assert _rows(dsn, "select count(*) from event_logs where run_id = %s and partition = '2019-02'", [run_id])[0][0] > 0
    assert not (home / "history").exists()  # no SQLite storage beside it
    with _instance(home) as instance:  # and Dagster reads it back from there
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.SUCCESS


def test_the_publish_asset_on_postgresql_storage_publishes_the_marts_to_postgresql(
        pipeline_run, postgres_home, marts_dsn, tmp_path, monkeypatch):
    home, dsn = postgres_home
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(pipeline_run.settings.warehouse_path, data_dir / "warehouse.duckdb")
    monkeypatch.setenv("MONITORING_POSTGRES_DSN", marts_dsn)
    with _instance(home) as instance:
        result = dg.materialize([analytics_database], instance=instance,
                                resources={"monitoring": MonitoringSettings(data_dir=str(data_dir))})
        assert result.success
    published = result.asset_materializations_for_node(analytics_database.op.name)[0].metadata["tables"].data
    tables = _rows(marts_dsn, "select tablename from pg_tables where schemaname = 'marts'")
    assert {name for (name,) in tables} == set(published) and "fct_services" in published
    for table in ("fct_services", "i1_clients_by_region", "report_revisions"):
        assert _rows(marts_dsn, f"select count(*) from marts.{table}")[0][0] == published[table]
    keys = _rows(dsn, "select asset_key from event_logs where run_id = %s and dagster_event_type = "
                      "'ASSET_MATERIALIZATION'", [result.run_id])
    assert [key for (key,) in keys] == [ANALYTICS_KEY.to_string()]


def test_two_runs_at_once_the_second_waits_for_the_warehouse_slot(postgres_home, tmp_path):
    home, _ = postgres_home
    folder, log = tmp_path / "hold", tmp_path / "children.log"
    folder.mkdir()
    with _instance(home) as instance:
        instance.get_runs(limit=1)  # the storage created before the children start, as a deployment's is
    first = _start(HOLD, [str(TESTS)], home, tmp_path, log, HOLD_FOLDER=str(folder))
    second = None
    try:
        deadline = time.monotonic() + CHILD_TIMEOUT
        while not list(folder.iterdir()):
            assert first.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline
            time.sleep(0.05)
        [first_run] = [path.name for path in folder.iterdir()]
        second = _start(HOLD, [str(TESTS)], home, tmp_path, log, HOLD_FOLDER=str(folder))
        with _instance(home) as instance:
            while not (info := instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL)).pending_run_ids:
                assert second.poll() is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline
                time.sleep(0.05)
            # the second run is waiting for the slot the first holds, and has not started its step
            assert info.slot_count == 1 and info.active_run_ids == {first_run}
            [second_run] = info.pending_run_ids
            assert second_run != first_run and [path.name for path in folder.iterdir()] == [first_run]
        (folder / "release").touch()
        _finish(first, log)
        _finish(second, log)
    finally:
        (folder / "release").touch()
        for child in (first, second):
            if child is not None and child.poll() is None:
                child.kill()
    with _instance(home) as instance:
        def storage_id(run_id: str, event_type: dg.DagsterEventType) -> int:
            [record] = instance.get_records_for_run(run_id, of_type=event_type).records
            return record.storage_id

        # the second run's step started only after the first run's step had finished
        assert (storage_id(second_run, dg.DagsterEventType.STEP_START)
                > storage_id(first_run, dg.DagsterEventType.STEP_SUCCESS))
        assert {path.name for path in folder.iterdir()} == {first_run, second_run, "release"}
