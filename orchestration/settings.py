"""Runtime settings, read from the environment once per call (no import-time state).

Every path the pipeline writes hangs off one data folder (``MONITORING_DATA_DIR``,
default ``./data``), so a test or a benchmark points the whole system elsewhere by
setting one variable. The warehouse path is derived from it and exported to dbt's
profile as ``MONITORING_WAREHOUSE_PATH``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"

# The key used by `make demo` and the test suite. It is public, so data hashed with it is
# not pseudonymised in any meaningful sense: production must set MONITORING_HMAC_KEY.
DEV_HMAC_KEY = "DEV-ONLY-NOT-SECRET-sme-monitoring-demo-key"

TIMEZONE = "Asia/Almaty"
PROGRAMME_START = "2019-01"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    hmac_key: str

    @property
    def landing_dir(self) -> Path:
        return self.data_dir / "landing"

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def analytics_path(self) -> Path:
        return self.data_dir / "analytics.duckdb"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def letters_dir(self) -> Path:
        return self.data_dir / "letters"

    @property
    def call_lists_dir(self) -> Path:
        return self.data_dir / "call_lists"

    @property
    def uses_dev_key(self) -> bool:
        return self.hmac_key == DEV_HMAC_KEY


def load_settings() -> Settings:
    data_dir = Path(os.environ.get("MONITORING_DATA_DIR", PROJECT_ROOT / "data")).resolve()
    return Settings(data_dir=data_dir, hmac_key=os.environ.get("MONITORING_HMAC_KEY", DEV_HMAC_KEY))


def export_dbt_environment(settings: Settings) -> None:
    """Point dbt's profile at the same warehouse file Dagster writes (one variable for both)."""
    os.environ["MONITORING_WAREHOUSE_PATH"] = str(settings.warehouse_path)
    os.environ.setdefault("MONITORING_HMAC_KEY", settings.hmac_key)
