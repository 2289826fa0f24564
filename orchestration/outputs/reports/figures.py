"""Read the published marts (analytics.duckdb) into plain structures for one report.

The report recomputes nothing: every count it prints is a row of a mart, selected by its
period dates, region and dimension values. Totals are distinct counts and are read from
the mart's total rows (region or dimension NULL), never summed here. The file is opened
read-only and closed before any document is written, so a concurrent publish (an atomic
file swap) cannot interfere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import duckdb

from orchestration.outputs.reports import texts_ru
from orchestration.outputs.reports.language import RUSSIAN, Language
from orchestration.outputs.reports.periods import DateRange, ReportingPeriod

if TYPE_CHECKING:
    from orchestration.outputs.reports.scorecard import Scorecard

Dims = tuple[str | None, ...]
Key = tuple[str | None, Dims]  # (region_code or None for the republic, dimension values or None for totals)

PERIOD_COLUMNS = ("period_type", "period_start", "period_end")
REGION_COLUMNS = ("region", "region_code", "region_sort_order")


class ContractError(RuntimeError):
    """A mart exists but lacks columns the report is written against (issue 3's contract)."""


@dataclass(frozen=True)
class IndicatorSpec:
    """One clause-5(1) indicator: its mart, its dimension columns and its count column."""

    key: str
    table: str
    dims: tuple[str, ...]
    measure: str
    # Dimensions with few values get one column group each in the regional table; wide ones
    # (21 sectors, 10 legal forms…) also get a republic table with one row per value.
    wide: bool = False


INDICATORS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec("i1", "i1_clients_by_region", (), "clients"),
    IndicatorSpec("i2", "i2_clients_by_sector", ("oked_section",), "clients", wide=True),
    IndicatorSpec("i3", "i3_enterprises_by_legal_form", ("legal_form",), "enterprises", wide=True),
    IndicatorSpec("i4", "i4_persons_by_gender", ("gender",), "persons"),
    IndicatorSpec("i5", "i5_persons_by_age_group", ("age_group",), "persons", wide=True),
    IndicatorSpec("i6", "i6_clients_by_sme_category", ("sme_category",), "clients"),
    IndicatorSpec("i7", "i7_services_by_type", ("service", "service_subtype"), "services", wide=True),
    IndicatorSpec("i8", "i8_services_by_provider", ("provider",), "services"),
    IndicatorSpec("i9", "i9_services_by_channel", ("channel",), "services"),
)

# Natural orders for small code lists when the mart carries no <dim>_sort_order column.
KNOWN_ORDER: dict[str, tuple[str, ...]] = {
    "gender": ("male", "мужской", "мужчины", "female", "женский", "женщины"),
    "sme_category": (
        "micro",
        "микропредпринимательство",
        "small",
        "малое предпринимательство",
        "medium",
        "среднее предпринимательство",
    ),
    "provider": (
        "operator",
        "оператор нефинансовой поддержки",
        "service_company",
        "сервисная компания",
        "сервисные компании",
    ),
    "channel": ("offline", "офлайн", "очно", "online", "онлайн"),
}
ONLINE_VALUES = frozenset({"online", "онлайн"})
FEMALE_VALUES = frozenset({"female", "женский", "женщины"})


@dataclass(frozen=True)
class Region:
    name: str
    code: str | None
    sort_order: int
    name_kk: str | None = None  # the mart's Kazakh name column, where it has one


@dataclass
class IndicatorFigures:
    """The figures of one indicator for one report: three period slices keyed by (region, dims)."""

    spec: IndicatorSpec
    present: bool
    quarter: dict[Key, int] = field(default_factory=dict)
    year_to_date: dict[Key, int] = field(default_factory=dict)
    previous_quarter: dict[Key, int] = field(default_factory=dict)
    # the year to date's months with counted services (mart rows of period_type 'month'): the
    # like-for-like comparisons are monthly averages over these (issue 22)
    months: dict[date, dict[Key, int]] = field(default_factory=dict)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # dim column → raw value → label
    order: dict[str, dict[str, tuple[Any, ...]]] = field(default_factory=dict)  # dim → raw → sort key
    # dim column → raw value → the Kazakh name (<dim>_name_kk), None where the mart has none
    labels_kk: dict[str, dict[str, str | None]] = field(default_factory=dict)
    total_label: str = texts_ru.TOTAL_COLUMN

    def label(self, dim: str, value: str | None) -> str:
        if value is None:
            return self.total_label
        return self.labels.get(dim, {}).get(value, value)

    def values(self, level: int = 0, parent: str | None = None) -> list[str]:
        """Raw values of dimension ``level`` (under ``parent`` for a sub-type), in display order."""
        dim = self.spec.dims[level]
        seen: set[str] = set()
        for slice_ in (self.quarter, self.year_to_date):
            for _, dims in slice_:
                if dims[level] is None or (level > 0 and dims[level - 1] != parent):
                    continue
                seen.add(dims[level])
        return sorted(seen, key=lambda v: self.order.get(dim, {}).get(v, (1, 0, v)))


@dataclass(frozen=True)
class Estimate:
    """A survey figure: responses, the value (mean score or share) and its 95 % interval."""

    n: int
    value: float
    ci_low: float | None
    ci_high: float | None
    small: bool = False  # the mart's is_small_sample: n below the dbt var quality_min_n

    def above(self, other: Estimate) -> bool:
        """Significantly above ``other``'s value: this interval lies wholly above it."""
        return not self.small and self.ci_low is not None and self.ci_low > other.value

    def below(self, other: Estimate) -> bool:
        """Significantly below ``other``'s value: this interval lies wholly below it."""
        return not self.small and self.ci_high is not None and self.ci_high < other.value


@dataclass(frozen=True)
class QualitySpec:
    key: str
    table: str


QUALITY: tuple[QualitySpec, ...] = (
    QualitySpec("q1", "q1_quality"),
    QualitySpec("q2", "q2_satisfaction"),
    QualitySpec("q3", "q3_financial_support_interest"),
    QualitySpec("confirmation", "q_service_confirmation"),
)
QUALITY_REQUIRED = (*PERIOD_COLUMNS, *REGION_COLUMNS, "measure", "unit", "n", "value", "ci_low", "ci_high")
QUALITY_BREAKDOWNS = ("service", "place_of_service")  # optional columns; NULL = all

QKey = tuple[str | None, str | None, str | None, str]  # (region_code, service, place_of_service, measure)


@dataclass
class QualityFigures:
    spec: QualitySpec
    present: bool
    measures: list[str] = field(default_factory=list)  # raw measure values in display order
    measure_labels: dict[str, str] = field(default_factory=dict)
    measure_labels_kk: dict[str, str | None] = field(default_factory=dict)
    # 'service' / 'place_of_service' → the raw value (a Russian name) → the name printed; the
    # Russian edition prints the raw value, the Kazakh one the <column>_kk twin
    breakdown_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    breakdown_labels_kk: dict[str, dict[str, str | None]] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)  # measure → 'score' | 'share'
    # measure → 'phone_survey' | 'questionnaire': the fund's survey can come in after a report
    # (the fourth quarter's, after the final one), and the report has to say so
    sources: dict[str, str] = field(default_factory=dict)
    quarter: dict[QKey, Estimate] = field(default_factory=dict)
    year_to_date: dict[QKey, Estimate] = field(default_factory=dict)

    def breakdown_label(self, axis: str, value: str) -> str:
        return self.breakdown_labels.get(axis, {}).get(value, value)


@dataclass(frozen=True)
class RegistryVersion:
    """One monthly registry version received — table registry_versions_used."""

    month: date
    version: int
    due_at: datetime | None  # Asia/Almaty wall-clock time
    submitted_at: datetime | None
    status: str  # 'on_time' | 'late' | 'not_evaluated'
    correction_status: str | None  # 'corrected_in_time' | 'corrected_late' | None
    used: bool
    month_version: bool  # the version that stands for the month (used, or the latest when none is)
    rows_ingested: int
    rows_counted: int
    rows_excluded: int


@dataclass(frozen=True)
class Timeliness:
    """A month's registry version as judged against its deadline — table registry_timeliness."""

    month: date
    version: int | None  # None: no registry received (status 'missing')
    due_at: datetime | None
    submitted_at: datetime | None
    status: str
    used: bool
    violation_kind: str | None  # 'missing_registry' | 'late_registry' | 'late_correction' | None
    days_after_due: int | None


@dataclass(frozen=True)
class Coverage:
    """How many of a period's months have counted services — table reporting_periods (R8)."""

    months_in_period: int
    months_counted: int


@dataclass(frozen=True)
class Exclusion:
    """Rows of the month's registry left out, for one reason — table exclusions_summary.

    A row with several reasons is counted once, under its first reason (see the mart's .yml).
    """

    month: date
    version: int
    reason: str
    reason_name: str
    sort_order: int
    rows: int
    reason_name_kk: str | None = None


@dataclass(frozen=True)
class Letter:
    """A notification letter to the operator (clause 8) and its correction (clause 9) — table letters_sent."""

    number: str
    month: date
    version: int
    letter_date: date | None
    error_rows: int | None
    error_count: int | None
    correction_due: date | None
    correction_version: int | None
    correction_submitted_at: datetime | None
    correction_status: str | None


@dataclass
class ReportFigures:
    """Everything one report prints, read once from analytics.duckdb."""

    period: ReportingPeriod
    regions: list[Region]
    indicators: dict[str, IndicatorFigures]
    quality: dict[str, QualityFigures]
    registries: list[RegistryVersion] | None  # None: table absent
    timeliness: list[Timeliness] | None
    exclusions: list[Exclusion] | None
    letters: list[Letter] | None
    coverage: dict[str, Coverage] = field(default_factory=dict)  # 'quarter' / 'year_to_date'
    # the quarter's phone-survey share of clients denying the service, per manager (pseudonymised
    # key; never printed): q_service_confirmation_by_manager, measure 'not_received'
    managers_not_received: dict[str, Estimate] = field(default_factory=dict)
    scorecard: Scorecard | None = None  # the operator's scorecard (annex Г, scorecard.py)
    # the words of the edition these figures are laid out in: read_figures gives the Russian
    # edition's; `in_language` the same figures with another edition's words and names
    language: Language = RUSSIAN

    @property
    def texts(self) -> ModuleType:
        return self.language.texts

    def region_name(self, code: str | None) -> str:
        return next((r.name for r in self.regions if r.code == code), self.texts.TOTAL_ROW)

    def in_language(self, language: Language) -> ReportFigures:
        """The same figures (every count and estimate the same objects) with ``language``'s
        names: the reference names of its name columns, its texts.

        A name the marts lack in that language is an error, never a fallback to Russian.
        """
        if not language.column_suffix:
            return replace(self, language=language)
        missing: set[str] = set()

        def kk(value: str | None, what: str) -> str:
            if not value:
                missing.add(what)
                return ""
            return value

        regions = [replace(r, name=kk(r.name_kk, f"region {r.code}")) for r in self.regions]
        indicators = {
            key: replace(
                figures,
                total_label=language.texts.TOTAL_COLUMN,
                labels={
                    dim: {raw: kk(figures.labels_kk.get(dim, {}).get(raw), f"{figures.spec.table}.{dim}_name "
                                  f"{raw!r}") for raw in values}
                    for dim, values in figures.labels.items()
                },
            )
            for key, figures in self.indicators.items()
        }
        quality = {
            key: replace(
                figures,
                measure_labels={m: kk(figures.measure_labels_kk.get(m), f"{figures.spec.table}.measure_name {m!r}")
                                for m in figures.measure_labels},
                breakdown_labels={
                    axis: {raw: kk(figures.breakdown_labels_kk.get(axis, {}).get(raw),
                                   f"{figures.spec.table}.{axis} {raw!r}") for raw in values}
                    for axis, values in figures.breakdown_labels.items()
                },
            )
            for key, figures in self.quality.items()
        }
        exclusions = None if self.exclusions is None else [
            replace(x, reason_name=kk(x.reason_name_kk, f"exclusions_summary.reason_name {x.reason!r}"))
            for x in self.exclusions
        ]
        scorecard = None if self.scorecard is None else self.scorecard.in_kazakh(kk)
        if missing:
            raise ContractError(
                f"no {language.code} name for {len(missing)} value(s) the report prints: "
                + "; ".join(sorted(missing)[:20])
            )
        return replace(self, language=language, regions=regions, indicators=indicators, quality=quality,
                       exclusions=exclusions, scorecard=scorecard)


TIMEZONE = "Asia/Almaty"  # deadlines and submissions print in the time they are set in (clause 7)
VERSIONS_REQUIRED = (
    "reporting_month", "version", "due_at", "submitted_at", "status", "correction_status",
    "is_used_for_report", "is_month_version", "rows_ingested", "rows_counted", "rows_excluded",
)
TIMELINESS_REQUIRED = (
    "reporting_month", "version", "due_at", "submitted_at", "status", "is_used_for_report",
    "violation_kind", "days_after_due",
)
EXCLUSIONS_REQUIRED = (
    "reporting_month", "version", "reason", "reason_name", "reason_sort_order", "is_month_version",
    "rows_excluded",
)
LETTERS_REQUIRED = (
    "letter_number", "reporting_month", "version", "letter_date", "error_rows", "error_count",
    "correction_due_at", "correction_version", "correction_submitted_at", "correction_status",
)


def read_figures(analytics_path: Path, period: ReportingPeriod) -> ReportFigures:
    """Read every table the report uses; absent tables give empty (not failing) sections."""
    with duckdb.connect(str(analytics_path), read_only=True) as con:
        columns = _table_columns(con)
        indicators = {spec.key: _read_indicator(con, columns, spec, period) for spec in INDICATORS}
        quality = {spec.key: _read_quality(con, columns, spec, period) for spec in QUALITY}
        window = period.year_to_date
        return ReportFigures(
            period=period,
            regions=_read_regions(con, columns, period),
            indicators=indicators,
            quality=quality,
            registries=_read_registries(con, columns, window),
            timeliness=_read_timeliness(con, columns, window),
            exclusions=_read_exclusions(con, columns, window),
            letters=_read_letters(con, columns, window),
            coverage=_read_coverage(con, columns, period),
            managers_not_received=_read_managers(con, columns, period),
            scorecard=_read_scorecard(con, columns, period),
        )


def _read_scorecard(con: duckdb.DuckDBPyConnection, columns: dict[str, list[str]],
                    period: ReportingPeriod) -> Scorecard:
    from orchestration.outputs.reports.scorecard import read_scorecard  # it builds on this module

    return read_scorecard(con, columns, period)


def _table_columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    rows = con.execute(
        "select table_name, column_name from duckdb_columns() "
        "where database_name = current_database() and schema_name = 'main' order by column_index"
    ).fetchall()
    columns: dict[str, list[str]] = {}
    for table, column in rows:
        columns.setdefault(table, []).append(column)
    return columns


def _require(columns: dict[str, list[str]], table: str, required: Iterable[str]) -> bool:
    """True if the table exists; raises ContractError if it exists without a required column."""
    if table not in columns:
        return False
    missing = [c for c in required if c not in columns[table]]
    if missing:
        raise ContractError(f"table {table} lacks column(s) {', '.join(missing)}")
    return True


def _as_date(value: date | datetime | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def _slice_for(period: ReportingPeriod, period_type: str, start: date, end: date) -> list[str]:
    """Which of the report's slices a mart row belongs to (Q1's quarter is also its year to date)."""
    hit = DateRange(start, end)
    slices = []
    if period_type == "quarter" and hit == period.quarter:
        slices.append("quarter")
    if period_type == "quarter" and hit == period.previous_quarter:
        slices.append("previous_quarter")
    if period_type == "year_to_date" and hit == period.year_to_date:
        slices.append("year_to_date")
    return slices


def _slices_where(period: ReportingPeriod) -> tuple[str, list[Any]]:
    """A filter for an indicator mart's rows of the report's slices (see `_slice_for`).

    Only these rows are printed (labels and orders are read for the values in them); the mart
    also holds every other quarter and year to date, at 50,000 rows a month more than half of
    what the report used to fetch and loop over. The quality marts are still read whole for the
    year to date: their list of measures comes from all of it.
    """
    windows = [("quarter", period.quarter), ("year_to_date", period.year_to_date)]
    if period.previous_quarter is not None:
        windows.append(("quarter", period.previous_quarter))
    where = " or ".join("(period_type = ? and period_start = ? and period_end = ?)" for _ in windows)
    parameters = [value for kind, window in windows for value in (kind, window.start, window.end)]
    where += " or (period_type = 'month' and period_start between ? and ?)"
    return f"({where})", [*parameters, period.year_to_date.start, period.year_to_date.end]


def _read_regions(
    con: duckdb.DuckDBPyConnection, columns: dict[str, list[str]], period: ReportingPeriod
) -> list[Region]:
    """The regions with figures in this report, one per KATO code, in the official order.

    A region is identified by its code, never by its name: code 71 was «город Астана» until
    22 March 2019, «город Нур-Султан» until 16 September 2022 and «город Астана» again since.
    The name printed is the one in force at the end of the report's period, as the marts'
    quarter and year-to-date rows (both ending on that day) carry it.
    """
    found: dict[str, Region] = {}
    for spec in INDICATORS:
        if spec.table not in columns:
            continue
        kazakh = _kazakh_column(columns[spec.table], "region", "region_name")
        rows = con.execute(
            f"select distinct region_code, region, region_sort_order, {kazakh} from {spec.table} "
            "where region_code is not null and period_type in ('quarter', 'year_to_date') "
            "and period_end = ? order by region_code, region",
            [period.quarter.end],
        ).fetchall()
        for code, name, sort_order, name_kk in rows:
            found.setdefault(str(code), Region(str(name), str(code), int(sort_order or 0),
                                               None if name_kk is None else str(name_kk)))
    return sorted(found.values(), key=lambda r: (r.sort_order, r.code or ""))


def _kazakh_column(available: Iterable[str], *names: str) -> str:
    """The Kazakh twin (<name>_kk) of the first of ``names`` that has one, or SQL null."""
    have = set(available)
    return next((f"{name}_kk" for name in names if f"{name}_kk" in have), "null")


def _read_indicator(
    con: duckdb.DuckDBPyConnection,
    columns: dict[str, list[str]],
    spec: IndicatorSpec,
    period: ReportingPeriod,
) -> IndicatorFigures:
    figures = IndicatorFigures(spec, present=False)
    if not _require(columns, spec.table, (*PERIOD_COLUMNS, *REGION_COLUMNS, *spec.dims, spec.measure)):
        return figures
    figures.present = True
    available = set(columns[spec.table])
    extras = [f"{d}_name" if f"{d}_name" in available else "null" for d in spec.dims]
    sorts = [f"{d}_sort_order" if f"{d}_sort_order" in available else "null" for d in spec.dims]
    kazakh = [_kazakh_column(available, f"{d}_name", d) for d in spec.dims]  # oked_section_name_kk, gender_kk
    select = ", ".join(
        ["period_type", "period_start", "period_end", "region_code", *spec.dims, *extras, *sorts, *kazakh,
         spec.measure]
    )
    where, parameters = _slices_where(period)
    rows = con.execute(f"select {select} from {spec.table} where {where}", parameters).fetchall()
    width = len(spec.dims)
    for row in rows:
        period_type, start, end = row[0], _as_date(row[1]), _as_date(row[2])
        region = None if row[3] is None else str(row[3])
        dims: Dims = tuple(None if v is None else str(v) for v in row[4 : 4 + width])
        names = row[4 + width : 4 + 2 * width]
        sort_orders = row[4 + 2 * width : 4 + 3 * width]
        names_kk = row[4 + 3 * width : 4 + 4 * width]
        value = row[-1]
        for dim, raw, name, sort_order, name_kk in zip(spec.dims, dims, names, sort_orders, names_kk, strict=True):
            if raw is not None:
                figures.labels.setdefault(dim, {})[raw] = _label(dim, raw, name)
                figures.labels_kk.setdefault(dim, {})[raw] = None if name_kk is None else str(name_kk)
                figures.order.setdefault(dim, {})[raw] = _sort_key(dim, raw, sort_order)
        if period_type == "month":
            figures.months.setdefault(start, {})[(region, dims)] = int(value) if value is not None else 0
        for slice_name in _slice_for(period, period_type, start, end):
            target: dict[Key, int] = getattr(figures, slice_name)
            key = (region, dims)
            if key in target:
                raise ContractError(f"{spec.table}: two rows for {slice_name} {key}")
            target[key] = int(value) if value is not None else 0
    _order_by_size(figures)
    return figures


def _label(dim: str, raw: str, name: str | None) -> str:
    if name:
        raw = str(name)
    return texts_ru.CODE_LABELS.get(dim, {}).get(raw.strip().lower(), raw)


def _sort_key(dim: str, raw: str, sort_order: Any) -> tuple[Any, ...]:
    if sort_order is not None:
        return (0, float(sort_order), raw)
    known = KNOWN_ORDER.get(dim)
    if known and raw.strip().lower() in known:
        return (0, known.index(raw.strip().lower()), raw)
    if dim == "oked_section":
        return (0, 0, raw)  # section letters A…U sort as the classifier does
    return (1, 0, raw)  # provisional: refined by size in _order_by_size


def _order_by_size(figures: IndicatorFigures) -> None:
    """Values without a natural order are listed largest first (year to date, republic)."""
    for level, dim in enumerate(figures.spec.dims):
        for raw, key in list(figures.order.get(dim, {}).items()):
            if key[0] != 1:
                continue
            size = sum(
                v
                for (region, dims), v in figures.year_to_date.items()
                if region is None and dims[level] == raw and all(d is None for d in dims[level + 1 :])
            )
            figures.order[dim][raw] = (1, -size, figures.labels[dim][raw])


def _read_quality(
    con: duckdb.DuckDBPyConnection, columns: dict[str, list[str]], spec: QualitySpec, period: ReportingPeriod
) -> QualityFigures:
    figures = QualityFigures(spec, present=False)
    if not _require(columns, spec.table, QUALITY_REQUIRED):
        return figures
    figures.present = True
    available = set(columns[spec.table])
    optional = [
        c if c in available else "null"
        for c in (*QUALITY_BREAKDOWNS, "measure_name", "measure_sort_order", "is_small_sample", "source")
    ]
    optional += [_kazakh_column(available, c) for c in (*QUALITY_BREAKDOWNS, "measure_name")]
    rows = con.execute(
        f"select period_type, period_start, period_end, region_code, {', '.join(optional)}, "
        f"measure, unit, n, value, ci_low, ci_high from {spec.table} "
        "where period_type in ('quarter', 'year_to_date') and period_start between ? and ?",
        [period.year_to_date.start, period.year_to_date.end],
    ).fetchall()
    order: dict[str, tuple[Any, ...]] = {}
    for (
        period_type,
        start,
        end,
        region,
        service,
        place,
        measure_name,
        measure_sort,
        small,
        source,
        service_kk,
        place_kk,
        measure_name_kk,
        measure,
        unit,
        n,
        value,
        ci_low,
        ci_high,
    ) in rows:
        measure = str(measure)
        figures.measure_labels[measure] = str(measure_name or measure)
        figures.measure_labels_kk[measure] = None if measure_name_kk is None else str(measure_name_kk)
        for axis, raw, name_kk in (("service", service, service_kk), ("place_of_service", place, place_kk)):
            if raw is not None:
                figures.breakdown_labels.setdefault(axis, {})[raw] = str(raw)
                figures.breakdown_labels_kk.setdefault(axis, {})[raw] = None if name_kk is None else str(name_kk)
        figures.units[measure] = str(unit)
        if source is not None:
            figures.sources[measure] = str(source)
        order[measure] = (
            0 if measure_sort is not None else 1,
            measure_sort or 0,
            figures.measure_labels[measure],
        )
        estimate = Estimate(int(n), float(value), _opt_float(ci_low), _opt_float(ci_high), bool(small))
        for slice_name in _slice_for(period, period_type, _as_date(start), _as_date(end)):
            if slice_name == "previous_quarter":
                continue
            target: dict[QKey, Estimate] = getattr(figures, slice_name)
            target[(None if region is None else str(region), service, place, measure)] = estimate
    figures.measures = sorted(order, key=lambda m: order[m])
    return figures


def _read_managers(
    con: duckdb.DuckDBPyConnection, columns: dict[str, list[str]], period: ReportingPeriod
) -> dict[str, Estimate]:
    table = "q_service_confirmation_by_manager"
    if not _require(columns, table, (*PERIOD_COLUMNS, "manager_key", "measure", "n", "value", "ci_low",
                                     "ci_high", "is_small_sample")):
        return {}
    rows = con.execute(
        f"select manager_key, n, value, ci_low, ci_high, is_small_sample from {table} "
        "where period_type = 'quarter' and period_start = ? and period_end = ? and measure = 'not_received'",
        [period.quarter.start, period.quarter.end],
    ).fetchall()
    return {
        str(key): Estimate(int(n), float(value), _opt_float(low), _opt_float(high), bool(small))
        for key, n, value, low, high, small in rows
    }


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _local(column: str) -> str:
    """A timestamp column as Asia/Almaty wall-clock time (deadlines are set in it)."""
    return f"timezone('{TIMEZONE}', {column})"


def _read_registries(
    con: duckdb.DuckDBPyConnection, columns: dict[str, list[str]], window: DateRange
) -> list[RegistryVersion] | None:
    table = "registry_versions_used"
    if not _require(columns, table, VERSIONS_REQUIRED):
        return None
    rows = con.execute(
        f"select reporting_month, version, {_local('due_at')}, {_local('submitted_at')}, status, "
        "correction_status, is_used_for_report, is_month_version, rows_ingested, rows_counted, rows_excluded "
        f"from {table} where reporting_month between ? and ? order by reporting_month, version",
        [window.start, window.end],
    ).fetchall()
    return [
        RegistryVersion(
            _as_date(m), int(v), due, sub, str(status), corr, bool(used), bool(month_version),
            int(ingested), int(counted), int(excluded),
        )
        for m, v, due, sub, status, corr, used, month_version, ingested, counted, excluded in rows
    ]


def _read_timeliness(
    con: duckdb.DuckDBPyConnection, columns: dict[str, list[str]], window: DateRange
) -> list[Timeliness] | None:
    table = "registry_timeliness"
    if not _require(columns, table, TIMELINESS_REQUIRED):
        return None
    rows = con.execute(
        f"select reporting_month, version, {_local('due_at')}, {_local('submitted_at')}, status, "
        f"is_used_for_report, violation_kind, days_after_due from {table} "
        "where reporting_month between ? and ? order by reporting_month, version nulls first",
        [window.start, window.end],
    ).fetchall()
    return [
        Timeliness(
            _as_date(m), None if v is None else int(v), due, sub, str(status), bool(used), kind,
            None if days is None else int(days),
        )
        for m, v, due, sub, status, used, kind, days in rows
    ]


def _read_coverage(
    con: duckdb.DuckDBPyConnection, columns: dict[str, list[str]], period: ReportingPeriod
) -> dict[str, Coverage]:
    if not _require(columns, "reporting_periods", (*PERIOD_COLUMNS, "months_in_period", "months_counted")):
        return {}
    coverage = {}
    for name, window in (("quarter", period.quarter), ("year_to_date", period.year_to_date)):
        rows = con.execute(
            "select months_in_period, months_counted from reporting_periods "
            "where period_type = ? and period_start = ? and period_end = ?",
            [name, window.start, window.end],
        ).fetchall()
        if rows:
            coverage[name] = Coverage(int(rows[0][0]), int(rows[0][1]))
    return coverage


def _read_exclusions(
    con: duckdb.DuckDBPyConnection, columns: dict[str, list[str]], window: DateRange
) -> list[Exclusion] | None:
    """The excluded rows of the version standing for each month (a superseded original is not listed)."""
    table = "exclusions_summary"
    if not _require(columns, table, EXCLUSIONS_REQUIRED):
        return None
    kazakh = _kazakh_column(columns[table], "reason_name")
    rows = con.execute(
        f"select reporting_month, version, reason, reason_name, reason_sort_order, rows_excluded, {kazakh} "
        f"from {table} where is_month_version and reporting_month between ? and ? "
        "order by reporting_month, reason_sort_order, reason",
        [window.start, window.end],
    ).fetchall()
    return [
        Exclusion(_as_date(m), int(v), str(reason), str(name or reason), int(order or 0), int(n),
                  None if name_kk is None else str(name_kk))
        for m, v, reason, name, order, n, name_kk in rows
    ]


def _read_letters(
    con: duckdb.DuckDBPyConnection, columns: dict[str, list[str]], window: DateRange
) -> list[Letter] | None:
    table = "letters_sent"
    if not _require(columns, table, LETTERS_REQUIRED):
        return None
    rows = con.execute(
        "select letter_number, reporting_month, version, letter_date, error_rows, error_count, "
        f"cast({_local('correction_due_at')} as date), correction_version, "
        f"{_local('correction_submitted_at')}, correction_status from {table} "
        "where reporting_month between ? and ? order by reporting_month, version",
        [window.start, window.end],
    ).fetchall()
    return [
        Letter(
            str(number), _as_date(m), int(v), _as_date(d), _opt_int(rows_), _opt_int(count), due,
            _opt_int(cv), cs, status,
        )
        for number, m, v, d, rows_, count, due, cv, cs, status in rows
    ]


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)
