"""One generated year, run through the real Dagster jobs once per test session.

Tests that need the whole pipeline (marts against the generator's ground truth, the
personal-data scan, reports against the analytics database) share this run: dbt start-up
and a full build cost tens of seconds, far too much to repeat per test.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from orchestration.defs.runner import run_stages
from orchestration.settings import Settings, load_settings
from orchestration.tools.run_year import year_stages
from orchestration.tools.sample_data import GeneratorConfig, YearResult, generate_year

YEAR = 2019
CONFIG = GeneratorConfig(year=YEAR, rows_per_month=250, defect_rate=0.06, seed=11)


@dataclass(frozen=True)
class PipelineRun:
    settings: Settings
    truth: YearResult
    services: pd.DataFrame  # the generator's per-row ground truth (services.parquet)
    instance: dg.DagsterInstance
    timings: dict[str, float]


def run_pipeline_year(data_dir: Path, instance: dg.DagsterInstance, config: GeneratorConfig = CONFIG) -> PipelineRun:
    landing, truth_dir = data_dir / "landing", data_dir / "sample_truth"
    truth = generate_year(config, out=landing, truth_dir=truth_dir)
    settings = Settings(data_dir=data_dir, hmac_key=load_settings().hmac_key)
    os.environ["MONITORING_DATA_DIR"] = str(data_dir)
    from orchestration.defs.definitions import build_definitions

    timings = run_stages(year_stages(config.year), instance=instance, definitions=build_definitions(settings))
    services = pd.read_parquet(truth_dir / "services.parquet")
    return PipelineRun(settings, truth, services, instance, timings)


# The data-quality review's marts (dbt_project/models/marts/data_quality), as the tests read them.
DQ_MARTS = ("dq_outliers", "dq_consistency_over_time", "dq_source_consistency", "dq_implausible_patterns",
            "dq_reporting_rates", "dq_risk_list")


def read_dq_marts(analytics_path: Path) -> dict[str, pd.DataFrame]:
    """Each data-quality mart of ``analytics_path`` whole, by name."""
    with duckdb.connect(str(analytics_path), read_only=True) as con:
        return {name: con.execute(f"select * from {name}").df() for name in DQ_MARTS}
