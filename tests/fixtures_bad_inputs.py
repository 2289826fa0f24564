"""Helpers for the end-to-end ingestion tests: a data folder per test, the real Dagster asset,
and checksums of every raw table so a test can prove the warehouse did not change.

A *base* data folder is built once per test module: a good registry for 2019-02 and
2019-03, acts and questionnaires for 2019-03, all ingested through ``landing_files``. Each
test gets a copy of its warehouse and an empty landing folder, drops the file under test
where the operator would, and materialises the month. The base's registry 2019-03 v1 is
the batch a bad re-delivery must not disturb.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from test_readers import IIN, TITLES, data_row, form_rows, write_csv, write_xlsx

from orchestration.defs.assets.ingest import BATCHES_KEY, RAW_KEYS, landing_files
from orchestration.defs.resources import MonitoringSettings
from orchestration.reference import input_columns
from orchestration.settings import DEV_HMAC_KEY, Settings

MONTH = "2019-03"
REGISTRY_V1 = "registry/2019-03/v1.xlsx"
TWELVE_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")
_REJECTIONS = "select source_file, reason from raw.rejected_files order by rejected_at, source_file"

__all__ = ["IIN", "MONTH", "REGISTRY_V1", "TITLES", "TWELVE_DIGITS", "DataFolder", "Run", "acts_rows",
           "build_base", "data_row", "form_rows", "questionnaire_rows", "write_csv", "write_xlsx"]


def acts_rows(n: int = 2, method: str = "ЭЦП") -> list[list[object]]:
    titles = [spec.title_ru for spec in input_columns("acts")]
    rows = [[f"А-{i}", "05.03.2019", IIN, "Консультация", "Налоги", "05.03.2019", method] for i in range(n)]
    return [titles, *rows]


def questionnaire_rows(scores: tuple[str, ...] = ("5", "4", "5", "5"), n: int = 2) -> list[list[object]]:
    titles = [spec.title_ru for spec in input_columns("questionnaires")]
    rows = [[f"Q-{i}", "06.03.2019", "Иванова Айгуль Сериковна", IIN, "Петров Пётр", "Консультация",
             "Налоги", "05.03.2019", *scores, "консультация", None, None] for i in range(n)]
    return [titles, *rows]


@cache
def _instance() -> dg.DagsterInstance:
    """One ephemeral (in-memory) Dagster instance for the test session: runs stay independent,
    the instance is simply not rebuilt for each."""
    return dg.DagsterInstance.ephemeral()


@dataclass
class Run:
    """What one materialisation of ``landing_files`` showed: metadata, check, success."""

    result: dg.ExecuteInProcessResult

    def metadata(self, input_name: str = "registry") -> dict[str, object]:
        for event in self.result.get_asset_materialization_events():
            if event.asset_key == RAW_KEYS[input_name]:
                return {key: value.value for key, value in event.materialization.metadata.items()}
        raise AssertionError(f"no materialisation of {RAW_KEYS[input_name]}")

    def files(self, input_name: str = "registry") -> list[dict[str, object]]:
        return list(self.metadata(input_name)["files"])  # type: ignore[call-overload]

    def file(self, input_name: str = "registry") -> dict[str, object]:
        (only,) = self.files(input_name)
        return only

    @property
    def check(self) -> dg.AssetCheckEvaluation:
        (evaluation,) = [e for e in self.result.get_asset_check_evaluations()
                         if e.check_name == "landing_files_accepted"]
        return evaluation

    @property
    def check_passed(self) -> bool:
        return self.check.passed

    @property
    def check_rejections(self) -> list[str]:
        return list(self.check.metadata["rejections"].value)  # type: ignore[union-attr]

    def all_metadata_text(self) -> str:
        """Everything the run showed in the UI, as one text (for personal-data scans): every log
        line of the run's event log (``context.log`` messages included), the metadata of its
        materialisations and checks, and its failures. Dagster's own ids and hashes (run ids,
        data versions: hex that may hold long digit runs) are left out."""
        parts = []
        for entry in _instance().all_logs(self.result.run_id):
            parts.append(entry.user_message or "")
            event = entry.dagster_event
            data = event.event_specific_data if event is not None else None
            if isinstance(getattr(data, "materialization", None), dg.AssetMaterialization):
                parts.append(repr(data.materialization.metadata))  # type: ignore[union-attr]
            elif isinstance(data, dg.AssetCheckEvaluation):
                parts.append(repr(data.metadata))
            elif event is not None and event.event_type_value in ("STEP_FAILURE", "RUN_FAILURE"):
                parts.append(repr(data))
        return "\n".join(parts)


class DataFolder:
    """One test's data folder: landing files, the warehouse, and the ingestion asset."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.landing = root / "landing"
        self.landing.mkdir(parents=True, exist_ok=True)
        self.settings = Settings(data_dir=root, hmac_key=DEV_HMAC_KEY)

    @property
    def warehouse(self) -> Path:
        return self.settings.warehouse_path

    def resources(self) -> dict[str, object]:
        """What the ingestion needs, as ``resources.build_resources`` builds it, without dbt and
        without exporting the warehouse path to the environment (other test modules read it)."""
        return {"monitoring": MonitoringSettings(data_dir=str(self.root)),
                "warehouse": DuckDBResource(database=str(self.warehouse))}

    def path(self, relative: str) -> Path:
        """A landing path such as 'registry/2019-03/v1.xlsx', its folder created."""
        path = self.landing / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def ingest(self, month: str = MONTH, inputs: tuple[str, ...] = ("registry",)) -> Run:
        selection = [RAW_KEYS[name] for name in inputs] + [BATCHES_KEY]
        result = dg.materialize([landing_files], partition_key=month, selection=selection,
                                resources=self.resources(), instance=_instance())
        assert result.success
        return Run(result)

    def query(self, sql: str, params: list[object] | None = None) -> list[tuple]:
        return self.queries((sql, params))[0]

    def queries(self, *statements: tuple[str, list[object] | None]) -> list[list[tuple]]:
        """Several queries over one read-only connection."""
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return [con.execute(sql, params or []).fetchall() for sql, params in statements]
        finally:
            con.close()

    def checksums(self, *, except_rejections: bool = True) -> dict[str, str]:
        """sha256 of every raw table's rows (in a stable order); rejected_files left out by default,
        since rejecting a file is meant to add exactly one row there."""
        return self.snapshot(except_rejections=except_rejections)[0]

    def snapshot(self, *, except_rejections: bool = True) -> tuple[dict[str, str], list[tuple[str, str]]]:
        """The checksums and the rejections, read over one connection (opening one costs ~0.1 s)."""
        sums = {}
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            tables = con.execute("select table_name from information_schema.tables "
                                 "where table_schema = 'raw' order by 1").fetchall()
            for (table,) in tables:
                if except_rejections and table == "rejected_files":
                    continue
                rows = con.execute(f"select * from raw.{table} order by all").fetchall()
                sums[table] = hashlib.sha256(repr(rows).encode()).hexdigest()
            rejections = con.execute(_REJECTIONS).fetchall()
        finally:
            con.close()
        return sums, rejections

    def rejections(self) -> list[tuple[str, str]]:
        return self.query(_REJECTIONS)

    def batches(self) -> list[tuple]:
        return self.query("select batch_id, source_file, file_rows from raw.batches order by 1")

    def raw(self, column: str, batch_id: str = "registry/2019-03/v1", table: str = "registry_rows") -> list:
        return [value for (value,) in self.query(
            f"select {column} from raw.{table} where batch_id = ? order by source_row", [batch_id])]

    @classmethod
    def copy_of(cls, base: DataFolder, root: Path) -> DataFolder:
        """A fresh folder whose warehouse is the base's (landing left empty)."""
        folder = cls(root)
        shutil.copyfile(base.warehouse, folder.warehouse)
        return folder


def build_base(root: Path) -> DataFolder:
    """The good months every test starts from (see the module docstring)."""
    base = DataFolder(root)
    write_xlsx(base.path("registry/2019-02/v1.xlsx"), form_rows([data_row(n) for n in range(3)]))
    write_xlsx(base.path(REGISTRY_V1), form_rows([data_row(n) for n in range(3, 6)]))
    write_xlsx(base.path("acts/2019-03.xlsx"), acts_rows())
    write_csv(base.path("questionnaires/2019-03.csv"), questionnaire_rows())
    base.ingest("2019-02")
    run = base.ingest(MONTH, ("registry", "acts", "questionnaires"))
    assert run.check_passed, run.check_rejections
    assert len(base.batches()) == 4
    return base
