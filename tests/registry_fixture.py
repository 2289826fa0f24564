"""Small registry batches loaded through the real raw layer, and one dbt build over them.

Shared by the timeliness and letter tests: rows go in through ``orchestration.warehouse.raw.load_batch``
(as ingestion writes them), the deadlines through ``write_registry_deadlines`` (as the Dagster
asset writes them), then the real dbt project builds the models the tests read.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.reference import input_columns
from orchestration.settings import DBT_PROJECT_DIR
from orchestration.warehouse.raw import Batch, load_batch

# A clean row (the same values as the dev fixture's `good` row): a ТОО with a valid BIN.
GOOD_ROW = {
    "region": "г. Алматы", "settlement": "Алматы", "place_of_service": "ЦОП",
    "enterprise_name": "ТОО «Ромашка»", "client_full_name": "Иванова Анна Петровна",
    "iin_bin": "100440000014", "gender": "ж", "birth_date": "02.07.1990", "age": "28",
    "disability": "", "legal_form": "ТОО", "sme_category": "Малое предпринимательство",
    "oked_sector": "G - Оптовая и розничная торговля; ремонт автомобилей и мотоциклов",
    "oked_subsector": "46 Оптовая торговля, за исключением торговли автомобилями и мотоциклами",
    "service": "Бухгалтерские услуги", "service_subtype": "Ведение бухгалтерского учета",
    "manager_full_name": "Сейткали Марат", "start_date": "", "end_date": "",
    "work_phone": "8 727 250 10 10", "mobile_phone": "+7 701 123 45 67", "email": "anna@example.kz",
    "provider": "", "channel": "",
}
FIRST_DATA_ROW = 4  # rows 1-3 of the operator's file are the form's title and headers


def service_day(period: str, index: int) -> str:
    """The day of the registry row at ``index`` of ``registry_rows(period, …)`` (start = end)."""
    return f"{period}-{index % 28 + 1:02d}"


def registry_rows(period: str, overrides: list[dict[str, str]]) -> pa.Table:
    """One row per entry of ``overrides`` (a dict of defects; {} = clean), each on its own day."""
    rows = []
    for index, override in enumerate(overrides):
        day = service_day(period, index)
        rows.append({**GOOD_ROW, "start_date": day, "end_date": day,
                     "client_full_name": f"Клиент {index}", **override})
    return _input_table("registry", rows)


def acts_rows(period: str, indexes: list[int]) -> pa.Table:
    """One act confirming each registry row of ``registry_rows(period, …)`` at ``indexes``."""
    rows = [{"act_number": f"{period}-{index}", "act_date": service_day(period, index),
             "iin_bin": GOOD_ROW["iin_bin"], "service": GOOD_ROW["service"],
             "service_subtype": GOOD_ROW["service_subtype"], "service_date": service_day(period, index),
             "confirmation_method": "ЭЦП"} for index in indexes]
    return _input_table("acts", rows)


def input_table(input_name: str, rows: list[dict[str, str]]) -> pa.Table:
    """Rows given in full (every column of the input's form) as the reader hands them to raw."""
    return _input_table(input_name, rows)


def _input_table(input_name: str, rows: list[dict[str, str]]) -> pa.Table:
    columns = {spec.name: pa.array([row[spec.name] for row in rows], pa.string())
               for spec in input_columns(input_name)}
    columns["source_row"] = pa.array(range(FIRST_DATA_ROW, FIRST_DATA_ROW + len(rows)), pa.int32())
    columns["extra_columns"] = pa.array([None] * len(rows), pa.string())
    return pa.table(columns)


def load_rows(con: duckdb.DuckDBPyConnection, input_name: str, period: str, version: int,
              submitted_at: datetime, rows: pa.Table) -> None:
    """Load ``rows`` as batch <input>/<period>/v<version>; its sha256 stands for the rows given
    (a re-delivery with other rows is another file)."""
    digest = hashlib.sha256(repr(rows.to_pydict()).encode()).hexdigest()
    batch = Batch(input=input_name, period=period, version=version,
                  source_file=f"{input_name}/{period}/v{version}.xlsx", source_sha256=digest,
                  submitted_at=submitted_at, seen_at=submitted_at)
    load_batch(con, batch, rows)


def load_registry(con: duckdb.DuckDBPyConnection, period: str, version: int, submitted_at: datetime,
                  overrides: list[dict[str, str]]) -> None:
    load_rows(con, "registry", period, version, submitted_at, registry_rows(period, overrides))


def dbt(warehouse: Path, *args: str) -> None:
    """Run the real dbt project against ``warehouse`` (target and logs beside it)."""
    env = {**os.environ, "MONITORING_WAREHOUSE_PATH": str(warehouse)}
    dbt_bin = Path(sys.executable).with_name("dbt")
    work = warehouse.parent
    result = subprocess.run(
        [str(dbt_bin), *args, "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(work / "dbt_target"), "--log-path", str(work / "dbt_logs")],
        cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        output = f"{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
        raise AssertionError(f"dbt {' '.join(args)} failed:\n{output}")


def build_models(warehouse: Path, *selectors: str, variables: str | None = None) -> None:
    """`dbt build` of the selected models with their ancestors and data tests (no unit tests:
    each model's own unit tests run in `make test`'s full build)."""
    args = ["build", "--select", *selectors, "--exclude-resource-type", "unit_test",
            "--indirect-selection", "cautious"]
    if variables:
        args += ["--vars", variables]
    dbt(warehouse, *args)
