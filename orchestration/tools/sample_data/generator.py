"""Putting a month together: clean rows, defects, versions, companions, truth; and writing a year.

Randomness is split by purpose and month (``numpy.random.default_rng([seed, year, month,
purpose])``), so a month's files do not depend on which other months were generated, and
the same seed gives the same files.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.tools.sample_data import anomalies, companions, defects, schedule
from orchestration.tools.sample_data.catalogue import Catalogue, load_catalogue
from orchestration.tools.sample_data.csvtext import release_arrow_memory
from orchestration.tools.sample_data.dates import month_bounds
from orchestration.tools.sample_data.frames import Table
from orchestration.tools.sample_data.people import ClientTable, Words, fresh_clients, load_words, regular_pool
from orchestration.tools.sample_data.registry import (
    DATE_COLUMNS,
    REGULAR_SHARE,
    Managers,
    build_month,
    make_managers,
)
from orchestration.tools.sample_data.truth import (
    SERVICES_SCHEMA,
    defects_manifest,
    services_blocks,
    submissions_truth,
)
from orchestration.tools.sample_data.writers import registry_title, write_csv, write_sidecar, write_xlsx

FORMATS = ("xlsx", "csv")
ROW_GROUP_ROWS = 250_000  # services.parquet row groups (blocks of the truth gathered)
SCORE_COLUMNS = ("score_usefulness", "score_organisation", "score_expectations", "score_satisfaction")
ENCODINGS = ("utf-8", "cp1251")
# Below this a region of the anomalies' size (anomalies.SMALL_REGION_SIZE) has too few rows.
ANOMALIES_MIN_ROWS = 1000


@dataclass(frozen=True)
class GeneratorConfig:
    year: int
    rows_per_month: int = 20_000
    defect_rate: float = 0.03
    seed: int = 7
    file_format: str = "xlsx"  # of the registry; the other inputs are always .xlsx
    encoding: str = "utf-8"  # of a CSV registry; cp1251 also keeps every text within cp1251
    # Months whose registry never arrives (clause 7 broken outright): no registry file and no
    # sidecar is written; the truth lists the month as 'not_delivered' (submissions.csv) and has
    # no services rows for it. Its acts, questionnaires and calls are written as usual.
    missing_months: tuple[int, ...] = ()
    # The data-quality review's anomalies (anomalies.py: a manager's 40 services on one day, a
    # block on 1 January, a centre's fivefold month, a region's halved quarter, a region-month
    # with acts for 60 % of its services), recorded in the truth's anomalies.csv. Off here (a
    # clean year measures the review's false positives); the command line plants them from
    # ANOMALIES_MIN_ROWS rows a month unless told otherwise, so `make demo` shows them.
    anomalies: bool = False

    def __post_init__(self) -> None:
        if not set(self.missing_months) <= set(range(1, 13)):
            raise ValueError("missing_months must be within 1-12")
        if self.file_format not in FORMATS:
            raise ValueError(f"file_format must be one of {FORMATS}")
        if self.encoding not in ENCODINGS:
            raise ValueError(f"encoding must be one of {ENCODINGS}")
        if not 0 <= self.defect_rate <= 0.5:
            raise ValueError("defect_rate must be between 0 and 0.5")
        if self.rows_per_month < 20:
            raise ValueError("rows_per_month must be at least 20")
        if self.anomalies and self.rows_per_month < ANOMALIES_MIN_ROWS:
            raise ValueError(f"anomalies need at least {ANOMALIES_MIN_ROWS} rows per month")


@dataclass
class RegistryVersion:
    version: int
    submission: schedule.Submission
    rows: Table  # file order: form columns, t_* truth, x_* hints (``rows.to_pandas()`` for a frame)
    relative_path: str  # 'registry/2019-01/v1.xlsx'
    first_data_row: int  # Excel row number of the first data row (4 in xlsx, 2 in CSV)


@dataclass
class MonthData:
    year: int
    month: int
    versions: list[RegistryVersion]  # the registry versions delivered (none for a missing month)
    acts: pd.DataFrame
    questionnaires: pd.DataFrame
    calls: pd.DataFrame  # this month's part of the quarter's phone survey
    defects: pd.DataFrame  # the manifest rows of every version
    delivered: bool = True  # False: the registry never arrives (GeneratorConfig.missing_months)
    anomalies: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(anomalies.COLUMNS)))

    @property
    def period(self) -> str:
        return f"{self.year}-{self.month:02d}"

    def services_blocks(self) -> Iterator[pa.Table]:
        """The truth row of every registry row written, every version, a block at a time."""
        used = self.used_version
        for v in self.versions:
            yield from services_blocks(load_catalogue(), self.period, v, v.version == used)

    @property
    def services(self) -> pa.Table:
        """All of ``services_blocks`` (built on demand: large as Arrow, docs/performance.md)."""
        return pa.concat_tables([SERVICES_SCHEMA.empty_table(), *self.services_blocks()])

    @property
    def used_version(self) -> int | None:
        return used_version(self.versions)


def used_version(versions: list[RegistryVersion]) -> int | None:
    """The version the report should use: the latest, unless the month was late (R5, R7, R8)
    or its registry never arrived."""
    if not versions or versions[0].submission.timeliness == "late":
        return None
    return versions[-1].version


class Generator:
    """Holds what is shared by the months of one year (seeds, word lists, regular clients)."""

    def __init__(self, config: GeneratorConfig) -> None:
        self.config = config
        self.cat: Catalogue = load_catalogue()
        self.words: Words = load_words(config.encoding)

    @cached_property
    def managers(self) -> Managers:
        return make_managers(self.config.seed, self.cat, self.words)

    @cached_property
    def regular(self) -> ClientTable:
        c = self.config
        rng = np.random.default_rng([c.seed, c.year, 1])
        return regular_pool(rng, self.cat, self.words, c.year, max(20, c.rows_per_month // 5))

    @cached_property
    def anomaly_plan(self) -> anomalies.AnomalyPlan:
        c = self.config
        plan = schedule.year_plan(c.seed, c.year)
        unusable = {m for m, kind in plan.items() if kind == "late"} | set(c.missing_months)
        return anomalies.plan_year(self.cat, c.rows_per_month, unusable)

    def _rng(self, month: int, purpose: int) -> np.random.Generator:
        return np.random.default_rng([self.config.seed, self.config.year, month, purpose])

    def month(self, month: int) -> MonthData:
        c = self.config
        period = f"{c.year}-{month:02d}"
        first, last = month_bounds(c.year, month)
        counts = defects.plan(self._rng(month, 4), c.rows_per_month, c.defect_rate)
        n_base = c.rows_per_month - counts["duplicate_row"]
        n_fresh = n_base - round(n_base * REGULAR_SHARE)
        fresh = fresh_clients(self._rng(month, 2), self.cat, self.words, c.year, month, n_fresh)
        clean = build_month(
            self._rng(month, 3),
            self.cat,
            self.managers,
            c.year,
            month,
            self.regular,
            fresh,
            n_base,
            c.encoding,
        )
        v1_rows = defects.inject(self._rng(month, 4), self.cat, clean, counts, first, last)
        planted = None
        if c.anomalies:
            v1_rows, planted = anomalies.plant(self._rng(month, 10), self.cat, self.words, self.managers.names,
                                               v1_rows, self.anomaly_plan, c.year, month)
        acts, act_of_v1 = companions.make_acts(self._rng(month, 7), self.cat, v1_rows, period, last)
        v1_rows["x_act_row"] = act_of_v1

        suffix = c.file_format
        first_row = 4 if suffix == "xlsx" else 2
        subs = schedule.submissions(c.seed, c.year, month)
        versions = [RegistryVersion(1, subs[0], v1_rows, f"registry/{period}/v1.{suffix}", first_row)]
        if len(subs) > 1:
            versions.append(
                RegistryVersion(2, subs[1], _corrected(v1_rows), f"registry/{period}/v2.{suffix}", first_row)
            )
        quarter_last = month_bounds(c.year, (month - 1) // 3 * 3 + 3)[1]
        delivered = month not in c.missing_months
        manifest = pd.concat(
            [defects_manifest(self.cat, period, v, f"acts/{period}.{suffix}") for v in versions],
            ignore_index=True,
        )
        errors = frozenset(
            k
            for k, sev in ((k, self.cat.rule_severity[defects.EXPECTED_RULE[k]]) for k in defects.KINDS)
            if sev == "error"
        )
        return MonthData(
            year=c.year,
            month=month,
            versions=versions if delivered else [],
            delivered=delivered,
            acts=acts,
            questionnaires=companions.make_questionnaires(
                self._rng(month, 8), self.cat, v1_rows, period, last
            ),
            calls=companions.make_calls(self._rng(month, 9), self.cat, v1_rows, quarter_last, errors),
            defects=manifest if delivered else manifest.iloc[:0],
            **({"anomalies": planted} if planted is not None and delivered else {}),
        )


def _corrected(v1: Table) -> Table:
    """v2: the operator's fix after the agency's letter (R6, R7).

    Registry-side defects are reverted to the clean values and duplicate copies removed;
    act-side defects stay, since the acts were not re-issued.
    """
    rows = v1.take(v1["x_defect"] != "duplicate_row")
    fix = np.flatnonzero(np.isin(rows["x_defect"], defects.REGISTRY_SIDE))
    for column in (
        "region",
        "settlement",
        "enterprise_name",
        "client_full_name",
        "manager_full_name",
        "email",
        "service_subtype",
    ):
        hit = fix[rows["x_column"][fix] == column]
        rows[column][hit] = rows["x_original"][hit]
    for column, truth in (
        ("iin_bin", "t_client_id"),
        ("birth_date", "t_birth_date"),
        ("age", "t_age"),
        ("start_date", "t_start_date"),
    ):
        rows[column][fix] = rows[truth][fix]
    rows["x_iin_number"][fix] = False
    for column in ("x_defect", "x_column", "x_original", "x_injected", "x_secondary"):
        rows[column][fix] = ""
    rows["x_related"] = -1
    return rows


@dataclass
class YearResult:
    config: GeneratorConfig
    months: list[MonthData]
    files: list[Path] = field(default_factory=list)

    @property
    def defects(self) -> pd.DataFrame:
        return pd.concat([m.defects for m in self.months], ignore_index=True)

    @property
    def services(self) -> pa.Table:
        return pa.concat_tables([m.services for m in self.months])

    @property
    def anomalies(self) -> pd.DataFrame:
        """What anomalies.py planted, one row per anomaly and month (empty unless asked for)."""
        return pd.concat([m.anomalies for m in self.months], ignore_index=True)

    @property
    def submissions(self) -> pd.DataFrame:
        return pd.concat([submissions_truth(m) for m in self.months], ignore_index=True)

    def phone_survey(self) -> dict[str, pd.DataFrame]:
        """'YYYY-Qn' -> the quarter's calls (from the months generated), numbered from 1."""
        out: dict[str, list[pd.DataFrame]] = {}
        for m in self.months:
            out.setdefault(f"{m.year}-Q{(m.month - 1) // 3 + 1}", []).append(m.calls)
        result = {}
        for quarter, parts in out.items():
            calls = pd.concat(parts, ignore_index=True)
            calls.insert(0, "call_id", np.arange(1, len(calls) + 1))
            result[quarter] = calls
        return result


def generate_month(config: GeneratorConfig, month: int) -> MonthData:
    """One month in memory (nothing written)."""
    return Generator(config).month(month)


def generate_year(
    config: GeneratorConfig,
    out: Path | None = None,
    truth_dir: Path | None = None,
    months: list[int] | range = range(1, 13),
) -> YearResult:
    """Generate the months; with ``out`` write the landing files, with ``truth_dir`` the truth."""
    generator = Generator(config)
    result = YearResult(config, [generator.month(m) for m in months])
    if out is not None:
        result.files = write_landing(result, Path(out))
    if truth_dir is not None:
        result.files += write_truth(result, Path(truth_dir))
    return result


def write_landing(result: YearResult, out: Path) -> list[Path]:
    config = result.config
    files: list[Path] = []
    for m in result.months:
        for v in m.versions:
            path = out / v.relative_path
            if config.file_format == "xlsx":
                write_xlsx(
                    path,
                    v.rows,
                    "registry",
                    sheet="Реестр",
                    title=registry_title(m.year, m.month),
                    number_row=True,
                    date_columns=DATE_COLUMNS,
                    number_columns=("age",),
                )
            else:
                write_csv(path, v.rows, "registry", encoding=config.encoding, date_columns=DATE_COLUMNS)
            sidecar = path.with_name(f"v{v.version}.meta.json")
            write_sidecar(sidecar, v.submission.iso)
            files += [path, sidecar]
        # Acts and questionnaires follow the registry's format: at a million rows a month
        # only CSV is quick to write (and to read).
        for name, frame, sheet, dates, numbers in (
            ("acts", m.acts, "Акты", ("act_date", "service_date"), ()),
            ("questionnaires", m.questionnaires, "Анкеты", ("fill_date", "service_date"), SCORE_COLUMNS),
        ):
            path = out / name / f"{m.period}.{config.file_format}"
            if config.file_format == "xlsx":
                write_xlsx(
                    path,
                    frame,
                    name,
                    sheet=sheet,
                    title=None,
                    number_row=False,
                    date_columns=dates,
                    number_columns=numbers,
                )
            else:
                write_csv(path, frame, name, encoding=config.encoding, date_columns=dates)
            files.append(path)
    for quarter, calls in result.phone_survey().items():
        path = out / "phone_survey" / f"{quarter}.xlsx"
        year, q = quarter.split("-Q")
        write_xlsx(
            path,
            calls,
            "phone_survey",
            sheet="Опрос",
            title=f"Результаты телефонного опроса получателей услуг за {q} квартал {year} года",
            number_row=False,
            date_columns=("service_date", "call_date"),
            number_columns=("call_id",),
        )
        files.append(path)
    return files


def write_truth(result: YearResult, truth_dir: Path) -> list[Path]:
    truth_dir.mkdir(parents=True, exist_ok=True)
    paths = [
        truth_dir / "defects.csv",
        truth_dir / "services.parquet",
        truth_dir / "submissions.csv",
        truth_dir / "files.csv",
    ]
    result.defects.to_csv(paths[0], index=False, encoding="utf-8", lineterminator="\n")
    # Dictionary pages only where values repeat: for identifiers and names they are wasted work.
    unique_per_row = {"client_id", "person_key", "person_name", "source_row", "act_row"}
    dictionary = [f.name for f in SERVICES_SCHEMA if f.name not in unique_per_row]
    with pq.ParquetWriter(paths[1], SERVICES_SCHEMA, use_dictionary=dictionary) as writer:
        group: list[pa.Table] = []
        for m in result.months:
            for block in m.services_blocks():
                group.append(block)
                if sum(len(b) for b in group) >= ROW_GROUP_ROWS:
                    writer.write_table(pa.concat_tables(group))
                    group = []
        if group:
            writer.write_table(pa.concat_tables(group))
    release_arrow_memory()
    result.submissions.to_csv(paths[2], index=False, encoding="utf-8", lineterminator="\n")
    files_table(result).to_csv(paths[3], index=False, encoding="utf-8", lineterminator="\n")
    if result.config.anomalies:
        paths.append(truth_dir / "anomalies.csv")
        result.anomalies.to_csv(paths[-1], index=False, encoding="utf-8", lineterminator="\n")
    return paths


def files_table(result: YearResult) -> pd.DataFrame:
    """Every landing file with its data-row count and the Excel row of its first data row.

    Inputs other than the registry have one version (1), as the landing layout numbers them.
    """
    rows = []
    for m in result.months:
        for v in m.versions:
            rows.append(("registry", m.period, v.version, v.relative_path, len(v.rows), v.first_data_row))
        suffix = result.config.file_format
        rows.append(("acts", m.period, 1, f"acts/{m.period}.{suffix}", len(m.acts), 2))
        rows.append(
            (
                "questionnaires",
                m.period,
                1,
                f"questionnaires/{m.period}.{suffix}",
                len(m.questionnaires),
                2,
            )
        )
    for quarter, calls in result.phone_survey().items():
        rows.append(("phone_survey", quarter, 1, f"phone_survey/{quarter}.xlsx", len(calls), 3))
    return pd.DataFrame(
        rows, columns=["input", "period", "version", "source_file", "data_rows", "first_data_row"]
    )
