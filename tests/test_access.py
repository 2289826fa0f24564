"""Access: the pseudonymisation key, owner-only files with personal data, the UI's address,
and failure messages that reach the UI without personal data."""

import os
import re
import stat
import subprocess
import sys

import dagster as dg
import pytest
from dagster_dbt.errors import DagsterDbtCliRuntimeError

from orchestration.defs.resources import MonitoringSettings, build_resources, open_warehouse
from orchestration.settings import DEV_HMAC_KEY, PROJECT_ROOT, InsecureKeyError, Settings, load_settings

SECRET = "3f1c9a7e5b2d4c6e8a0b1d3f5e7c9a2b"


def _load_definitions(env_changes: dict[str, str | None]) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run([sys.executable, "-c", "import orchestration.defs.definitions"], cwd=PROJECT_ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


def test_the_code_location_refuses_the_dev_key_outside_demo_mode():
    refused = _load_definitions({"MONITORING_DEMO": None, "MONITORING_HMAC_KEY": None})
    assert refused.returncode != 0
    assert "InsecureKeyError" in refused.stderr
    assert "export MONITORING_HMAC_KEY=" in refused.stderr and "MONITORING_DEMO=1" in refused.stderr
    assert DEV_HMAC_KEY not in refused.stderr  # the message explains, it does not echo keys


def test_demo_mode_allows_the_dev_key_and_a_real_key_needs_no_demo_mode(monkeypatch, tmp_path):
    from orchestration.defs.definitions import build_definitions

    monkeypatch.setenv("MONITORING_DEMO", "1")
    monkeypatch.delenv("MONITORING_HMAC_KEY", raising=False)
    assert load_settings().uses_dev_key
    build_definitions(Settings(data_dir=tmp_path, hmac_key=DEV_HMAC_KEY))

    monkeypatch.delenv("MONITORING_DEMO")
    with pytest.raises(InsecureKeyError, match="MONITORING_HMAC_KEY"):
        build_definitions(Settings(data_dir=tmp_path, hmac_key=DEV_HMAC_KEY))
    with pytest.raises(InsecureKeyError, match="shorter"):
        build_definitions(Settings(data_dir=tmp_path, hmac_key="short"))
    monkeypatch.setenv("MONITORING_HMAC_KEY", "  ")  # blank is no key
    assert load_settings().uses_dev_key
    monkeypatch.setenv("MONITORING_HMAC_KEY", SECRET)
    assert MonitoringSettings(data_dir=str(tmp_path)).get().hmac_key == SECRET
    build_definitions(Settings(data_dir=tmp_path, hmac_key=SECRET))  # a real key needs no demo mode


def test_a_run_with_the_dev_key_outside_demo_mode_fails_with_the_reason(monkeypatch, tmp_path):
    """Definitions loaded in demo mode, run started without it (another process, a changed env)."""

    @dg.asset
    def needs_settings(monitoring: MonitoringSettings) -> None:
        monitoring.get()

    monkeypatch.delenv("MONITORING_DEMO", raising=False)
    monkeypatch.delenv("MONITORING_HMAC_KEY", raising=False)
    result = dg.materialize([needs_settings], resources={"monitoring": MonitoringSettings(data_dir=str(tmp_path))},
                            raise_on_error=False)
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.error
    assert "MONITORING_HMAC_KEY is not set" in str(failure.cause or failure)


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_warehouse_and_its_log_are_owner_only(tmp_path):
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    with open_warehouse(warehouse) as con:
        con.execute("create table t as select '900101300123' as iin")
        con.execute("insert into t values ('900101300124')")
        wal = warehouse.with_name(warehouse.name + ".wal")
        assert _mode(warehouse) == 0o600
        assert not wal.exists() or _mode(wal) == 0o600
    assert _mode(warehouse) == 0o600

    os.chmod(warehouse, 0o644)  # a file from before this rule is fixed on the next open
    with open_warehouse(warehouse):
        pass
    assert _mode(warehouse) == 0o600
    assert os.umask(0o022) == 0o022  # the owner-only umask does not leak out of the writer


def test_outputs_with_personal_data_are_owner_only(pipeline_run):
    settings = pipeline_run.settings
    assert _mode(settings.warehouse_path) == 0o600
    assert _mode(settings.analytics_path) == 0o644  # published for SQL users: pseudonymised only
    checked = 0
    for folder in (settings.letters_dir, settings.call_lists_dir):
        if not folder.exists():
            continue
        for path in [folder, *folder.rglob("*")]:
            if path == folder:
                continue
            assert _mode(path) == (0o700 if path.is_dir() else 0o600), path
            checked += 1
    assert checked, "no letters written: the permission check would prove nothing"


def test_a_dbt_failure_shown_in_the_ui_carries_no_identifier(tmp_path, monkeypatch):
    from orchestration.defs.assets.dbt import dbt_project

    monkeypatch.setenv("MONITORING_WAREHOUSE_PATH", str(tmp_path / "warehouse.duckdb"))
    dbt = build_resources(Settings(data_dir=tmp_path, hmac_key=DEV_HMAC_KEY))["dbt"]
    invocation = dbt.cli(["show", "--inline", "select cast('900101300123' as date) as d"],
                         manifest=dbt_project.manifest_path, raise_on_error=True)
    with pytest.raises(DagsterDbtCliRuntimeError) as error:
        invocation.wait()
    # The part of the failure that comes from dbt's output (a real build's command line holds no
    # values; this test's inline SQL does, so it is left out).
    reasons = str(error.value).split("Errors parsed from dbt logs:", 1)[1]
    assert "Conversion Error" in reasons and "9001******23" in reasons  # the reason stays readable
    assert not re.search(r"\d{12}", reasons), reasons


def test_the_ui_binds_to_localhost_only():
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    dev = re.search(r"^dev:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE).group(1)
    assert "dagster dev" in dev and "-h 127.0.0.1" in dev
    assert "0.0.0.0" not in makefile
