"""Shared fixtures."""

import itertools
import os
import shutil

import dagster as dg
import postgres_server as pg
import pytest
from pipeline_fixture import PipelineRun, run_pipeline_year

from orchestration.defs.resources import build_resources
from orchestration.runtime import parse_state
from orchestration.settings import PROJECT_ROOT, Settings, load_settings


def pytest_configure(config) -> None:
    # The suite hashes sample data with the public development key (orchestration/settings.py).
    os.environ.setdefault("MONITORING_DEMO", "1")
    # The tests write their landing files and ingest them at once; the settle interval has its own test.
    os.environ.setdefault("MONITORING_LANDING_SETTLE_SECONDS", "0")


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory) -> PipelineRun:
    saved = {k: os.environ.get(k) for k in ("MONITORING_DATA_DIR", "MONITORING_WAREHOUSE_PATH")}
    data_dir = tmp_path_factory.mktemp("pipeline") / "data"
    with dg.instance_for_test() as instance:
        yield run_pipeline_year(data_dir, instance)
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def dbt_on(tmp_path, monkeypatch):
    """The code location's dbt resource on a fresh warehouse under tmp_path (the environment
    variables it exports for dbt are restored afterwards)."""
    settings = Settings(data_dir=(tmp_path / "data").resolve(), hmac_key=load_settings().hmac_key)
    monkeypatch.setenv("MONITORING_WAREHOUSE_PATH", str(settings.warehouse_path))
    monkeypatch.setenv("MONITORING_HMAC_KEY", settings.hmac_key)
    dbt = build_resources(settings)["dbt"]
    yield dbt, settings.warehouse_path
    parse_state.state_file(settings.warehouse_path).unlink(missing_ok=True)


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory) -> pg.PostgresServer:
    """The session's own PostgreSQL cluster (tests/postgres_server.py), stopped at the end. Without
    PostgreSQL installed the tests that need it fail with the reason; `make test` installs it."""
    try:
        server = pg.start(tmp_path_factory.mktemp("postgres"))
    except pg.PostgresMissing as missing:
        pytest.fail(str(missing))
    yield server
    server.stop()
    if server.owner is not None:  # a folder of its own under /tmp (the tests ran as root)
        shutil.rmtree(server.folder, ignore_errors=True)


_databases = itertools.count(1)


@pytest.fixture
def postgres_database(postgres_server):
    """A new, empty database on the session's server: its name (the caller connects as it needs)."""
    name = f"test_{next(_databases)}"
    postgres_server.execute(f"create database {name}")
    return name


@pytest.fixture(scope="session")
def postgres_roles(postgres_server) -> pg.PostgresServer:
    """The server set up as deploy/postgres-marts.sql says (the read-only and the publishing role)."""
    postgres_server.psql(PROJECT_ROOT / "deploy" / "postgres-marts.sql")
    return postgres_server


@pytest.fixture
def marts_dsn(postgres_roles) -> str:
    """A new database owned by the publishing role, as deploy/postgres-marts.sql creates one: the
    publish's connection string (over the socket, no password)."""
    name = f"marts_{next(_databases)}"
    postgres_roles.execute(f"create database {name} owner monitoring_publisher")
    return postgres_roles.dsn(name, user="monitoring_publisher")
