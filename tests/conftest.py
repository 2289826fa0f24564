"""Shared fixtures."""

import os

import dagster as dg
import pytest
from pipeline_fixture import PipelineRun, run_pipeline_year


def pytest_configure(config) -> None:
    # The suite hashes sample data with the public development key (orchestration/settings.py).
    os.environ.setdefault("MONITORING_DEMO", "1")


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
