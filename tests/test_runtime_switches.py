"""The speed-ups that patch library internals (orchestration/runtime) change no figure.

With ``MONITORING_RUNTIME_SPEEDUPS=0`` the year runs on stock Dagster and dagster-dbt: dbt as
its own program (not forked), parsed afresh (no per-warehouse partial-parse state), its version
asked of the program, the adapter built, and Dagster's own SQLite event log. The warehouse it
builds must be the one the session's pipeline run (every speed-up on) built from the same files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from pipeline_fixture import CONFIG, YEAR
from test_faults import table_checksums

from orchestration.settings import PROJECT_ROOT, RUNTIME_SPEEDUPS_ENV, runtime_speedups
from orchestration.tools.sample_data import generate_year

SCHEMAS = ("raw", "staging", "intermediate", "marts", "correspondence")


def test_the_switch_reads_as_a_person_would_write_it(monkeypatch):
    monkeypatch.delenv(RUNTIME_SPEEDUPS_ENV, raising=False)
    assert runtime_speedups()
    for off in ("0", "off", "false", "No"):
        monkeypatch.setenv(RUNTIME_SPEEDUPS_ENV, off)
        assert not runtime_speedups(), off
    monkeypatch.setenv(RUNTIME_SPEEDUPS_ENV, "1")
    assert runtime_speedups()


def test_a_year_with_every_speedup_off_builds_the_same_warehouse(pipeline_run, tmp_path):
    data_dir = tmp_path / "data"
    generate_year(CONFIG, out=data_dir / "landing", truth_dir=data_dir / "sample_truth")
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, RUNTIME_SPEEDUPS_ENV: "0", "MONITORING_DEMO": "1", "DAGSTER_HOME": str(home),
           "MONITORING_DATA_DIR": str(data_dir), "MONITORING_WAREHOUSE_PATH": str(data_dir / "warehouse.duckdb")}
    done = subprocess.run([sys.executable, "-m", "orchestration.tools.run_year", "--year", str(YEAR)],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    stock = table_checksums(data_dir / "warehouse.duckdb", SCHEMAS)
    fast = table_checksums(pipeline_run.settings.warehouse_path, SCHEMAS)
    assert len(fast) > 40 and fast["intermediate.int_services_counted"][0] > 0
    assert stock == fast
