"""Runtime settings, read from the environment once per call (no import-time state).

Every path the pipeline writes hangs off one data folder (``MONITORING_DATA_DIR``,
default ``./data``), so a test or a benchmark points the whole system elsewhere by
setting one variable. The warehouse path is derived from it and exported to dbt's
profile as ``MONITORING_WAREHOUSE_PATH`` when dbt starts (``dbt_environment``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"

# The key used by `make demo` and the test suite. It is public, so data hashed with it is
# not pseudonymised in any meaningful sense: production must set MONITORING_HMAC_KEY.
DEV_HMAC_KEY = "DEV-ONLY-NOT-SECRET-sme-monitoring-demo-key"
# Set to 1 by the Makefile's demo/test/dev targets and the test fixtures: allows the dev key.
DEMO_ENV = "MONITORING_DEMO"
MIN_KEY_LENGTH = 16
# The PID of the run process that started dbt: dbt stops if that process dies (dbt_plugin.py).
RUN_WORKER_PID_ENV = "MONITORING_RUN_WORKER_PID"

# DuckDB's memory ceiling in every process that opens the warehouse (ingestion, dbt, publish);
# beyond it DuckDB spills to disk. Its own default, 80 % of the machine's RAM, would let one
# build take the whole machine; 2 GB keeps a run's process tree within 4 GB at 12 M rows.
DUCKDB_MEMORY_LIMIT_ENV = "MONITORING_DUCKDB_MEMORY_LIMIT"
DEFAULT_DUCKDB_MEMORY_LIMIT = "2GB"

TIMEZONE = "Asia/Almaty"
PROGRAMME_START = "2019-01"


# The second publish target: the marts served from PostgreSQL (orchestration/warehouse/postgres.py).
# A libpq connection string ("host=/run/postgresql dbname=monitoring user=monitoring_publisher"
# or a postgresql:// URI; libpq's PGHOST, PGPORT, PGUSER, PGPASSWORD… fill what it leaves out).
# Unset: analytics.duckdb only, and no PostgreSQL server is needed (make demo).
POSTGRES_DSN_ENV = "MONITORING_POSTGRES_DSN"
# The role granted read access to the published marts, and nothing else (deploy/postgres-marts.sql).
POSTGRES_READER_ROLE_ENV = "MONITORING_POSTGRES_READER_ROLE"
DEFAULT_POSTGRES_READER_ROLE = "monitoring_reader"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    hmac_key: str
    postgres_dsn: str | None = None
    postgres_reader_role: str = DEFAULT_POSTGRES_READER_ROLE

    @property
    def landing_dir(self) -> Path:
        return self.data_dir / "landing"

    @property
    def spool_dir(self) -> Path:
        """Rows in transit from reader processes to the warehouse (orchestration/ingestion/spool.py)."""
        return self.data_dir / ".spool"

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def ledger_path(self) -> Path:
        """Every landing file the ingestion accounted for (orchestration/ingestion/ledger.py)."""
        return self.data_dir / "landing_ledger.json"

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


class InsecureKeyError(RuntimeError):
    """The pseudonymisation key is the public development key outside demo mode."""


def demo_mode() -> bool:
    return os.environ.get(DEMO_ENV, "").strip().lower() in {"1", "true", "yes"}


def require_secret_key(settings: Settings) -> None:
    """Refuse to run on real data with the public key (or none): the pseudonyms would be reversible."""
    if settings.uses_dev_key and not demo_mode():
        raise InsecureKeyError(
            "MONITORING_HMAC_KEY is not set, or is the public development key: identifiers and names "
            "would be hashed with a key anyone can read in the source code. Set a secret key of at least "
            f"{MIN_KEY_LENGTH} characters, for example\n"
            "    export MONITORING_HMAC_KEY=\"$(python3 -c 'import secrets; print(secrets.token_hex(32))')\"\n"
            "kept outside the repository and the same for every run (a new key changes every pseudonym). "
            f"For sample data only, set {DEMO_ENV}=1 (make demo and make test do)."
        )
    if not settings.uses_dev_key and len(settings.hmac_key) < MIN_KEY_LENGTH:
        raise InsecureKeyError(
            f"MONITORING_HMAC_KEY is shorter than {MIN_KEY_LENGTH} characters; use a random secret "
            "(python3 -c 'import secrets; print(secrets.token_hex(32))')."
        )


RUNTIME_SPEEDUPS_ENV = "MONITORING_RUNTIME_SPEEDUPS"


def runtime_speedups() -> bool:
    """Whether the speed-ups of ``orchestration/runtime`` that touch library internals are on (the
    default); ``MONITORING_RUNTIME_SPEEDUPS=0`` runs stock Dagster and dagster-dbt, to rule them out."""
    return os.environ.get(RUNTIME_SPEEDUPS_ENV, "1").strip().lower() not in {"0", "false", "no", "off"}


def duckdb_config() -> dict[str, str]:
    """Settings for every DuckDB connection to the warehouse (dbt's included, dbt_plugin.py)."""
    return {"memory_limit": os.environ.get(DUCKDB_MEMORY_LIMIT_ENV, "").strip() or DEFAULT_DUCKDB_MEMORY_LIMIT}


def apply_duckdb_settings(con, settings: dict[str, str]) -> None:  # noqa: ANN001 - a DuckDB connection
    """Set ``settings`` on an open connection (one opened by another library, or for one task)."""
    for name, value in settings.items():
        con.execute(f"set {name} = '{value}'")


# How long a landing file must have stayed unchanged (size, mtime, inode change time) before it
# is taken: a file still being copied is not read half-way. 0 takes every file at once (the demo
# and the tests, which write their files before they ingest).
LANDING_SETTLE_ENV = "MONITORING_LANDING_SETTLE_SECONDS"
DEFAULT_LANDING_SETTLE_SECONDS = 60.0
# A workbook is refused before it is read when its sheet declares more rows, or its parts
# unpack to more bytes, than these: reading holds every cell, so they bound a read's memory.
MAX_SHEET_ROWS_ENV = "MONITORING_MAX_SHEET_ROWS"
DEFAULT_MAX_SHEET_ROWS = 1_048_576  # Excel's own sheet limit
MAX_WORKBOOK_BYTES_ENV = "MONITORING_MAX_WORKBOOK_UNPACKED_BYTES"
DEFAULT_MAX_WORKBOOK_BYTES = 1 << 30


def _number_setting(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name}={text!r} is not a number") from None
    if value < 0:
        raise ValueError(f"{name}={text!r} is negative")
    return value


def landing_settle_seconds() -> float:
    return _number_setting(LANDING_SETTLE_ENV, DEFAULT_LANDING_SETTLE_SECONDS)


def max_sheet_rows() -> int:
    return int(_number_setting(MAX_SHEET_ROWS_ENV, DEFAULT_MAX_SHEET_ROWS))


def max_workbook_bytes() -> int:
    return int(_number_setting(MAX_WORKBOOK_BYTES_ENV, DEFAULT_MAX_WORKBOOK_BYTES))


def load_settings() -> Settings:
    data_dir = Path(os.environ.get("MONITORING_DATA_DIR", PROJECT_ROOT / "data")).resolve()
    key = os.environ.get("MONITORING_HMAC_KEY", "").strip() or DEV_HMAC_KEY
    return Settings(data_dir=data_dir, hmac_key=key, postgres_dsn=os.environ.get(POSTGRES_DSN_ENV, "").strip() or None,
                    postgres_reader_role=os.environ.get(POSTGRES_READER_ROLE_ENV, "").strip()
                    or DEFAULT_POSTGRES_READER_ROLE)


def dbt_environment(warehouse_path: str | Path) -> dict[str, str]:
    """What a dbt invocation needs in its environment: the warehouse its profile points at (the
    one Dagster writes) and the pseudonymisation key its plugin reads. Applied by the dbt resource
    as it starts dbt, never at import."""
    environment = {"MONITORING_WAREHOUSE_PATH": str(warehouse_path)}
    if not os.environ.get("MONITORING_HMAC_KEY", "").strip():
        environment["MONITORING_HMAC_KEY"] = load_settings().hmac_key
    return environment


@dataclass(frozen=True)
class Official:
    """A person named on what the fund sends: position, name (initials first) and phone."""

    position: str
    name: str
    phone: str = ""


def _official(prefix: str, default: Official, environ: Mapping[str, str] | None) -> Official:
    """``<prefix>POSITION``, ``_NAME``, ``_PHONE`` from the environment, each falling back to ``default``."""
    environ = os.environ if environ is None else environ

    def value(field: str, fallback: str) -> str:
        return environ.get(prefix + field, "").strip() or fallback

    return Official(value("POSITION", default.position), value("NAME", default.name), value("PHONE", default.phone))


# --- the letters to the operator: who signs them and whom the operator calls ------------------
# The demo's placeholders read as a real name and position, never a blank line; production sets
# MONITORING_SIGNATORY_* and MONITORING_EXECUTOR_*.
DEMO_SIGNATORY = Official("Директор Департамента мониторинга", "А. С. Ахметова", "+7 (727) 244-55-66")
DEMO_EXECUTOR = Official("Главный менеджер Департамента мониторинга", "Д. К. Сарсенов", "+7 (727) 244-55-67")


def signatory(environ: Mapping[str, str] | None = None) -> Official:
    """Who signs the fund's letters to the operator (``MONITORING_SIGNATORY_*``)."""
    return _official("MONITORING_SIGNATORY_", DEMO_SIGNATORY, environ)


def executor(environ: Mapping[str, str] | None = None) -> Official:
    """Who prepared the letters and answers the operator's questions (``MONITORING_EXECUTOR_*``)."""
    return _official("MONITORING_EXECUTOR_", DEMO_EXECUTOR, environ)


# --- the reports to the authorised body: addressee, signatory and executor --------------------
# A report goes to a ministry over a signature: a blank setting prints a line to fill in by hand,
# so a report is never signed by a name nobody set.
REPORT_ADDRESSEE_ENV = "MONITORING_REPORT_ADDRESSEE"
DEFAULT_REPORT_ADDRESSEE = "Министерство национальной экономики Республики Казахстан"
# the Kazakh edition's addressee (issue 25): its own setting, never the Russian one's text
REPORT_ADDRESSEE_KK_ENV = "MONITORING_REPORT_ADDRESSEE_KK"
DEFAULT_REPORT_ADDRESSEE_KK = "Қазақстан Республикасының Ұлттық экономика министрлігі"
BLANK = "____________________"


def report_addressee(language: str = "ru") -> str:
    """The authorised body the report goes to (clause 12), in the edition's language."""
    if language == "kk":
        return os.environ.get(REPORT_ADDRESSEE_KK_ENV, "").strip() or DEFAULT_REPORT_ADDRESSEE_KK
    return os.environ.get(REPORT_ADDRESSEE_ENV, "").strip() or DEFAULT_REPORT_ADDRESSEE


# The languages each report period is written in (issue 25): Russian and the state language.
REPORT_LANGUAGES_ENV = "MONITORING_REPORT_LANGUAGES"
REPORT_LANGUAGE_CHOICES = {"ru": ("ru",), "kk": ("kk",), "both": ("ru", "kk")}


def report_languages() -> tuple[str, ...]:
    """MONITORING_REPORT_LANGUAGES: 'ru', 'kk' or 'both' (the default): the editions' codes."""
    value = os.environ.get(REPORT_LANGUAGES_ENV, "").strip().lower() or "both"
    if value not in REPORT_LANGUAGE_CHOICES:
        raise ValueError(f"{REPORT_LANGUAGES_ENV} must be 'ru', 'kk' or 'both', not {value!r}")
    return REPORT_LANGUAGE_CHOICES[value]


def report_official(role: str, environ: Mapping[str, str] | None = None, language: str = "ru") -> Official:
    """``role`` 'signatory' or 'executor': MONITORING_REPORT_<ROLE>_NAME, _POSITION, _PHONE; for the
    Kazakh edition the position is MONITORING_REPORT_<ROLE>_POSITION_KK (a blank line when unset,
    never the Russian position)."""
    official = _official(f"MONITORING_REPORT_{role.upper()}_", Official(BLANK, BLANK, BLANK), environ)
    if language != "kk":
        return official
    environ = os.environ if environ is None else environ
    position = environ.get(f"MONITORING_REPORT_{role.upper()}_POSITION_KK", "").strip() or BLANK
    return Official(position, official.name, official.phone)
