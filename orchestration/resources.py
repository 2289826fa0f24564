"""Resources: the settings, the warehouse connection and dbt, built from one Settings object."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from orchestration.settings import DBT_PROJECT_DIR, Settings, export_dbt_environment, load_settings

# Every asset that opens warehouse.duckdb runs in this pool; dagster_home/dagster.yaml gives
# pools one slot, so one process writes the file at a time (DuckDB allows no more).
WAREHOUSE_POOL = "warehouse"


class MonitoringSettings(dg.ConfigurableResource):
    """Where the data folder is; everything else is derived from it (see Settings)."""

    data_dir: str

    def get(self) -> Settings:
        return Settings(data_dir=Path(self.data_dir), hmac_key=os.environ.get("MONITORING_HMAC_KEY",
                                                                              load_settings().hmac_key))


def dbt_executable() -> str:
    """The dbt installed beside this Python (the project's venv), else whatever is on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else "dbt"


def build_resources(settings: Settings | None = None) -> dict[str, object]:
    settings = settings or load_settings()
    export_dbt_environment(settings)
    return {
        "monitoring": MonitoringSettings(data_dir=str(settings.data_dir)),
        "warehouse": DuckDBResource(database=str(settings.warehouse_path)),
        "dbt": DbtCliResource(project_dir=os.fspath(DBT_PROJECT_DIR), profiles_dir=os.fspath(DBT_PROJECT_DIR),
                              dbt_executable=dbt_executable()),
    }
