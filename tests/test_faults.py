"""Faults: runs killed half-way, two runs at once, a held warehouse, the nothing-lost check.

The real thing runs in child processes — ``python -m orchestration.tools.run_year`` and ingestion
jobs — on their own Dagster instance (a DAGSTER_HOME with the project's dagster.yaml, so the
one-slot ``warehouse`` pool is shared between processes as in production). A child is killed
with SIGKILL at a point observed in the event log it writes as it goes (a file loaded, dbt
models materialised), not at a guessed time.

The reference "uninterrupted run" is the session's pipeline run (tests/pipeline_fixture.py):
the killed chain runs on a byte-identical copy of its landing folder. Tables are compared by
row count and an order-independent checksum of every column except those that record *when*
this copy was loaded rather than *what* was loaded (VOLATILE_COLUMNS, each with its reason).
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import dagster as dg
import duckdb
import pytest

from orchestration.defs.resources import build_resources, open_warehouse
from orchestration.settings import PROJECT_ROOT, Settings, load_settings

# Columns that legitimately differ between two runs on the same files, and why:
VOLATILE_COLUMNS = {
    "loaded_at",  # raw.batches: when the batch was written
    "received_at",  # first sighting of a file by this warehouse (a file without sidecar)
    "submitted_at",  # = received_at for a file without a sidecar (acts, questionnaires)
    "rejected_at",  # raw.rejected_files: when the rejection was recorded
    "evaluated_at",  # raw.registry_deadlines: the "now" missing months were decided at
    "produced_at",  # raw.letters: when the letter was first written
    "produced_late",  # produced_at compared with the letter's due date
    "path",  # raw.letters: absolute path of the letter in this data folder
    "annex_path",
}
SCHEMAS = ("raw", "marts")
CHILD_TIMEOUT = 600


def _child_env(data_dir: Path, home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "MONITORING_DATA_DIR": str(data_dir),
        "MONITORING_WAREHOUSE_PATH": str(data_dir / "warehouse.duckdb"),
        "MONITORING_DEMO": "1",
        "DAGSTER_HOME": str(home),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    })
    return env


def _instance(home: Path) -> dg.DagsterInstance:
    """The instance at ``home``: the project's dagster.yaml keeps its storage in DAGSTER_HOME, which
    is this process's (the repository's) otherwise; Dagster reads it as it builds the storage."""
    with mock.patch.dict(os.environ, {"DAGSTER_HOME": str(home)}):
        return dg.DagsterInstance.from_config(str(home))


def _instance_home(folder: Path) -> Path:
    """A Dagster instance with the project's dagster.yaml, its storage created here first, as a
    deployment's exists before any run: children started at once on a fresh home would race
    to create the SQLite schema (a Dagster start-up race, not the pipeline's)."""
    home = folder / "dagster_home"
    home.mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    with _instance(home) as instance:
        instance.get_runs(limit=1)  # creates the run, event and schedule storage
    return home


def _start(args: list[str], data_dir: Path, home: Path, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, *args], cwd=PROJECT_ROOT, env=_child_env(data_dir, home),
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _finish(proc: subprocess.Popen, log: Path) -> None:
    try:
        code = proc.wait(timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError(f"child did not finish in {CHILD_TIMEOUT} s:\n{log.read_text()[-3000:]}") from None
    assert code == 0, f"child failed ({code}):\n{log.read_text()[-3000:]}"


def _kill_when(proc: subprocess.Popen, home: Path, job: str, reached, log: Path) -> str:
    """SIGKILL the run process (only it: its dbt must stop by itself) once ``reached(logs)``."""
    deadline = time.monotonic() + CHILD_TIMEOUT
    with _instance(home) as instance:
        while time.monotonic() < deadline:
            assert proc.poll() is None, f"the run ended before the kill point:\n{log.read_text()[-3000:]}"
            for run in instance.get_runs(filters=dg.RunsFilter(job_name=job)):
                if reached(instance.all_logs(run.run_id)):
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait()
                    return run.run_id
            time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    raise AssertionError(f"kill point of {job} never reached")


def _files_loaded(logs) -> int:
    return sum(1 for entry in logs if (entry.user_message or "").startswith("loaded "))


def _models_materialised(logs) -> int:
    return sum(1 for entry in logs if entry.dagster_event is not None and entry.dagster_event.is_step_materialization
               and entry.dagster_event.asset_key.path[0] in ("staging", "intermediate", "marts"))


def table_checksums(warehouse: Path, schemas=SCHEMAS) -> dict[str, tuple[int, int]]:
    """Per table: (rows, order-independent checksum of the non-volatile columns)."""
    sums = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where schema_name in "
            f"({', '.join('?' for _ in schemas)}) order by 1, 2", list(schemas)).fetchall()
        for schema, table in tables:
            columns = [name for (name,) in con.execute(
                "select column_name from duckdb_columns() where schema_name = ? and table_name = ? "
                "order by column_index", [schema, table]).fetchall() if name not in VOLATILE_COLUMNS]
            row_hash = "hash(" + ", ".join(f'"{c}"' for c in columns) + ")"
            count, checksum = con.execute(
                f'select count(*), coalesce(sum({row_hash}::hugeint), 0) from "{schema}"."{table}"').fetchall()[0]
            sums[f"{schema}.{table}"] = (count, int(checksum))
    return sums


def _leftovers(warehouse: Path) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [f"{s}.{t}" for s, t in con.execute(
            "select schema_name, table_name from duckdb_tables() where table_name like '%dbt_tmp%' "
            "or table_name like '%__dbt_backup%'").fetchall()]


RUN_YEAR_WITHOUT_REPORTS = """
from orchestration.defs.runner import run_stages
from orchestration.tools.run_year import year_stages
run_stages(year_stages(2019, with_reports=False))
"""


@pytest.fixture(scope="module")
def killed_chain(pipeline_run, tmp_path_factory):
    """A year killed in ingestion, then killed in the dbt build, then run to the end."""
    folder = tmp_path_factory.mktemp("faults")
    data_dir, home, log = folder / "data", _instance_home(folder), folder / "children.log"
    shutil.copytree(pipeline_run.settings.landing_dir, data_dir / "landing")
    args = ["-c", RUN_YEAR_WITHOUT_REPORTS]  # reports read analytics.duckdb only: not under test here

    first = _start(args, data_dir, home, log)
    ingest_run = _kill_when(first, home, "ingest_landing_files", lambda logs: _files_loaded(logs) >= 3, log)
    second = _start(args, data_dir, home, log)
    build_run = _kill_when(second, home, "build_warehouse", lambda logs: _models_materialised(logs) >= 5, log)
    third = _start(args, data_dir, home, log)
    _finish(third, log)
    with _instance(home) as instance:
        statuses = {run_id: instance.get_run_by_id(run_id).status for run_id in (ingest_run, build_run)}
    return data_dir, statuses, log


def test_killed_runs_leave_the_warehouse_as_an_uninterrupted_run(pipeline_run, killed_chain):
    data_dir, statuses, log = killed_chain
    reference = table_checksums(pipeline_run.settings.warehouse_path)
    recovered = table_checksums(data_dir / "warehouse.duckdb")
    assert recovered.keys() == reference.keys()
    differing = {table for table in reference if recovered[table] != reference[table]}
    assert not differing, f"tables differ from the uninterrupted run: {sorted(differing)}"
    assert reference["raw.registry_rows"][0] > 0 and reference["marts.i1_clients_by_region"][0] > 0
    assert not _leftovers(data_dir / "warehouse.duckdb")
    # The killed runs were recognised as dead (their pool slot freed), not left "started".
    assert set(statuses.values()) == {dg.DagsterRunStatus.FAILURE}
    assert "pool slot released" in log.read_text()
    # The analytics file is whole: no temporary file of the killed publish left beside it.
    assert not list(data_dir.glob(".analytics*"))


def test_the_counted_plus_excluded_check_runs_on_every_build(pipeline_run):
    check = dg.AssetCheckKey(dg.AssetKey(["intermediate", "int_registry_exclusions"]),
                             "assert_counted_plus_excluded_equals_ingested")
    evaluations = pipeline_run.instance.event_log_storage.get_asset_check_execution_history(check, limit=10)
    assert evaluations, "the invariant is not an asset check of the build"
    assert all(e.status.value == "SUCCEEDED" for e in evaluations)


def _build_broken_copy(killed_chain, monkeypatch, name: str, breakage: str,
                       selection: dg.AssetSelection | None = None) -> tuple[dg.ExecuteInProcessResult, list[str]]:
    """dbt build over a copy of the recovered warehouse with ``breakage`` (SQL) applied to it:
    the result and the messages of the run's log."""
    data_dir = killed_chain[0]
    broken = data_dir.parent / name
    shutil.copytree(data_dir, broken, ignore=shutil.ignore_patterns("landing", "reports", "letters"))
    with duckdb.connect(str(broken / "warehouse.duckdb")) as con:
        con.execute(breakage)
    monkeypatch.setenv("MONITORING_DATA_DIR", str(broken))
    monkeypatch.setenv("MONITORING_WAREHOUSE_PATH", str(broken / "warehouse.duckdb"))
    from orchestration.defs.assets.dbt import warehouse_models

    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [warehouse_models], instance=instance, selection=selection,
            resources=build_resources(Settings(data_dir=broken, hmac_key=load_settings().hmac_key)),
            raise_on_error=False)
        return result, [entry.user_message for entry in instance.all_logs(result.run_id)]


def test_the_counted_plus_excluded_check_fails_when_a_row_is_lost(killed_chain, monkeypatch):
    check = dg.AssetCheckKey(dg.AssetKey(["intermediate", "int_registry_exclusions"]),
                             "assert_counted_plus_excluded_equals_ingested")
    result, _ = _build_broken_copy(  # one row of one file vanishes
        killed_chain, monkeypatch, "broken",
        "delete from raw.registry_rows where (batch_id, source_row) in "
        "(select batch_id, min(source_row) from raw.registry_rows group by 1 order by 1 limit 1)",
        selection=dg.AssetSelection.checks(check))
    evaluations = result.get_asset_check_evaluations()
    assert [e.check_name for e in evaluations] == [check.name]
    assert not evaluations[0].passed
    # What is wrong and where, in Russian, with the detail as a table (not only JSON).
    assert evaluations[0].description.startswith(
        f"Проверка «{check.name}» не пройдена на intermediate/int_registry_exclusions: найдено строк с нарушением: 1")
    detail = evaluations[0].metadata["Что не так"]
    assert isinstance(detail, dg.MarkdownMetadataValue)
    assert "assert_counted_plus_excluded_equals_ingested.sql" in detail.value


def test_a_failing_column_test_fails_the_build(killed_chain, monkeypatch):
    """Column tests (one column_rules test per model) are not Dagster checks
    (orchestration/defs/assets/dbt.py), yet one that fails still fails the dbt step, and the run's
    log names the test and the rule it found broken, with the column and the rows that break it."""
    result, messages = _build_broken_copy(  # an input kind no reader produces
        killed_chain, monkeypatch, "broken_column",
        "insert into raw.batches select * replace ('bogus:1' as batch_id, 'bogus' as input) from raw.batches limit 1")
    assert not result.success
    assert any("column_rules_stg_raw__batches: fail" in m and "accepted_values on input: 1 row" in m
               for m in messages), messages[-5:]


@pytest.fixture
def holder(tmp_path):
    """Another process holding the warehouse open (a SQL client, a run on another instance)."""
    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    script = ("import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
              "time.sleep(float(sys.argv[2]))")

    def hold(seconds: float) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-c", script, str(warehouse), str(seconds)],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "held"
        return proc

    yield warehouse, hold


def test_a_writer_waits_for_the_warehouse_and_says_so(holder, caplog):
    warehouse, hold = holder
    proc = hold(3)
    started = time.monotonic()
    with open_warehouse(warehouse, wait_seconds=60, poll_seconds=0.2) as con:
        waited = time.monotonic() - started
        con.execute("create table t as select 1 as x")
    proc.wait()
    assert waited > 1.5
    assert any("in use by" in r.getMessage() and "waiting" in r.getMessage() for r in caplog.records)
    assert "Could not set lock" not in caplog.text


def test_a_writer_gives_up_with_a_clear_message(holder):
    warehouse, hold = holder
    proc = hold(10)
    try:
        with pytest.raises(dg.Failure) as failure, open_warehouse(warehouse, wait_seconds=1, poll_seconds=0.2):
            pass
    finally:
        proc.kill()
    message = failure.value.description
    assert "one writer at a time" in message and "Could not set lock" not in message


INGEST_ONE_MONTH = """
import sys
import dagster as dg
from orchestration.defs.definitions import defs
result = defs.resolve_job_def("ingest_landing_files").execute_in_process(
    instance=dg.DagsterInstance.get(), partition_key=sys.argv[1], raise_on_error=False)
sys.exit(0 if result.success else 1)
"""


def test_two_months_ingested_at_once_both_succeed(pipeline_run, tmp_path):
    data_dir, home, log = tmp_path / "data", _instance_home(tmp_path), tmp_path / "children.log"
    months = ("2019-02", "2019-03")
    for input_folder in pipeline_run.settings.landing_dir.iterdir():
        for item in input_folder.iterdir():
            if item.name.startswith(months):
                target = data_dir / "landing" / input_folder.name / item.name
                target.parent.mkdir(parents=True, exist_ok=True)
                (shutil.copytree if item.is_dir() else shutil.copy2)(item, target)
    children = [_start(["-c", INGEST_ONE_MONTH, month], data_dir, home, log) for month in months]
    for child in children:
        _finish(child, log)
    locked = [line for line in log.read_text().splitlines()
              if "Could not set lock" in line or "database is locked" in line]
    assert not locked, "a lock error reached the runs' output:\n" + "\n".join(locked[:20])
    # Same rows as the sequential reference run, for these months' files.
    batches = "(select batch_id from raw.batches where period in ('2019-02', '2019-03'))"
    query = (f"select batch_id, count(*), sum(hash(columns(lambda c: c not in ('received_at', 'submitted_at'))))"
             f"::hugeint from raw.registry_rows where batch_id in {batches} group by 1 order by 1")
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        concurrent = con.execute(query).fetchall()
    with duckdb.connect(str(pipeline_run.settings.warehouse_path), read_only=True) as con:
        sequential = con.execute(query).fetchall()
    assert concurrent == sequential and len(concurrent) >= 2
