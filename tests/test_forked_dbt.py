"""dbt forked from the run's process (orchestration/runtime/forked_dbt.py), with real dbt invocations.

What a forked dbt does is compared with what the ``dbt`` program does with the same arguments:
the same exit code and the same output, so that dagster-dbt cannot tell them apart.
"""

import json
import os
import signal
import subprocess

from orchestration.defs.resources import dbt_executable
from orchestration.runtime.forked_dbt import ForkedDbt, start_dbt
from orchestration.settings import DBT_PROJECT_DIR


def _messages(output: bytes, event: str) -> list[str]:
    """The messages of dbt's JSON log lines of one kind (dagster-dbt reads the same lines)."""
    lines = [json.loads(line) for line in output.decode().splitlines() if line.startswith("{")]
    return [line["info"]["msg"] for line in lines if line["info"]["name"] == event]


def _both(args: list[str], tmp_path) -> tuple[tuple[int, bytes], tuple[int, bytes]]:
    """(exit code, output) of ``dbt <args>`` forked, then of the dbt program."""
    env = {**os.environ, "DBT_LOG_FORMAT": "json", "MONITORING_WAREHOUSE_PATH": str(tmp_path / "w.duckdb")}
    command = [dbt_executable(), *args, "--profiles-dir", str(DBT_PROJECT_DIR),
               "--project-dir", str(DBT_PROJECT_DIR)]
    forked = start_dbt([*command, "--target-path", str(tmp_path / "forked")], env, DBT_PROJECT_DIR)
    assert isinstance(forked, ForkedDbt)
    output = forked.stdout.read()
    forked_outcome = (forked.wait(), output)
    program = subprocess.run([*command, "--target-path", str(tmp_path / "program")], env=env, cwd=DBT_PROJECT_DIR,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    return forked_outcome, (program.returncode, program.stdout)


def test_a_forked_dbt_lists_what_the_program_lists(tmp_path):
    (forked_code, forked_output), (program_code, program_output) = _both(
        ["ls", "--resource-type", "seed", "--output", "name"], tmp_path)
    seeds = sorted(path.stem for path in (DBT_PROJECT_DIR / "seeds").glob("*.csv"))
    assert forked_code == program_code == 0
    assert sorted(_messages(forked_output, "PrintEvent")) == sorted(_messages(program_output, "PrintEvent")) == seeds
    assert (tmp_path / "forked" / "manifest.json").exists()  # its artifacts where it was told


def test_a_failing_forked_dbt_exits_and_explains_as_the_program_does(tmp_path):
    (forked_code, forked_output), (program_code, program_output) = _both(
        ["ls", "--select", "no_such_method:anything"], tmp_path)
    assert forked_code == program_code != 0
    forked_errors = " ".join(_messages(forked_output, "MainEncounteredError"))
    assert "no_such_method" in forked_errors
    assert forked_errors == " ".join(_messages(program_output, "MainEncounteredError"))


def test_the_code_locations_dbt_is_forked_and_streams_its_events(dbt_on):
    dbt, _ = dbt_on
    invocation = dbt.cli(["ls", "--resource-type", "seed", "--output", "name"], raise_on_error=False)
    listed = [event.raw_event["info"]["msg"] for event in invocation.stream_raw_events()
              if event.raw_event["info"]["name"] == "PrintEvent"]
    assert isinstance(invocation.process, ForkedDbt)  # dagster-dbt started it through forked_dbt
    assert invocation.is_successful()
    assert sorted(listed) == sorted(path.stem for path in (DBT_PROJECT_DIR / "seeds").glob("*.csv"))


def test_an_interrupted_forked_dbt_stops_its_query_and_exits(tmp_path):
    """dagster-dbt forwards a run's interruption to dbt as SIGINT: the forked dbt must take it
    as the program does (the run's own signal handlers are not the child's)."""
    env = {**os.environ, "DBT_LOG_FORMAT": "json", "MONITORING_WAREHOUSE_PATH": str(tmp_path / "w.duckdb")}
    ignoring = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a parent that handles SIGINT its own way
    try:
        forked = start_dbt([dbt_executable(), "show", "--inline", "select count(*) from range(1000000000000)",
                            "--profiles-dir", str(DBT_PROJECT_DIR), "--project-dir", str(DBT_PROJECT_DIR),
                            "--target-path", str(tmp_path / "target"), "--log-level", "debug"], env, DBT_PROJECT_DIR)
    finally:
        signal.signal(signal.SIGINT, ignoring)
    assert isinstance(forked, ForkedDbt)
    try:
        for line in forked.stdout:  # the query is under way once dbt logs it
            if b'"SQLQuery"' in line and b"range(1000000000000)" in line:
                break
        assert forked.poll() is None
        forked.send_signal(signal.SIGINT)
        forked.stdout.read()
        assert forked.wait(timeout=60) != 0  # stopped long before the count could finish
    finally:
        forked.kill()
