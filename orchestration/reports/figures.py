"""Read the published marts (analytics.duckdb) into plain structures for one report.

The report recomputes nothing: every count it prints is a row of a mart, selected by its
period dates, region and dimension values. Totals are distinct counts and are read from
the mart's total rows (region or dimension NULL), never summed here. The file is opened
read-only and closed before any document is written, so a concurrent publish (an atomic
file swap) cannot interfere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from orchestration.reports import texts_ru
from orchestration.reports.periods import DateRange, ReportingPeriod

Dims = tuple[str | None, ...]
Key = tuple[str | None, Dims]  # (region or None for the republic, dimension values or None for totals)

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


@dataclass
class IndicatorFigures:
    """The figures of one indicator for one report: three period slices keyed by (region, dims)."""

    spec: IndicatorSpec
    present: bool
    quarter: dict[Key, int] = field(default_factory=dict)
    year_to_date: dict[Key, int] = field(default_factory=dict)
    previous_quarter: dict[Key, int] = field(default_factory=dict)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # dim column → raw value → label
    order: dict[str, dict[str, tuple[Any, ...]]] = field(default_factory=dict)  # dim → raw → sort key

    def label(self, dim: str, value: str | None) -> str:
        if value is None:
            return texts_ru.TOTAL_COLUMN
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

QKey = tuple[str | None, str | None, str | None, str]  # (region, service, place_of_service, measure)


@dataclass
class QualityFigures:
    spec: QualitySpec
    present: bool
    measures: list[str] = field(default_factory=list)  # raw measure values in display order
    measure_labels: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)  # measure → 'score' | 'share'
    quarter: dict[QKey, Estimate] = field(default_factory=dict)
    year_to_date: dict[QKey, Estimate] = field(default_factory=dict)


@dataclass(frozen=True)
class RegistryVersion:
    """One submitted (or missing) monthly registry version — table registry_timeliness."""

    month: date
    version: int | None
    due_at: datetime | None
    submitted_at: datetime | None
    status: str  # 'on_time' | 'late' | 'missing'
    used: bool
    rows_counted: int | None
    rows_excluded: int | None


@dataclass(frozen=True)
class Exclusion:
    """Rows left out of the report for one month and reason — table exclusions_summary."""

    month: date
    reason: str  # already a Russian label
    rows: int


@dataclass(frozen=True)
class Letter:
    """A notification letter to the operator (clause 8) and its correction (clause 9) — table letters."""

    month: date
    version: int | None
    letter_date: date | None
    errors: int | None
    correction_deadline: date | None
    corrected: bool | None
    corrected_at: date | None


@dataclass
class ReportFigures:
    """Everything one report prints, read once from analytics.duckdb."""

    period: ReportingPeriod
    regions: list[Region]
    indicators: dict[str, IndicatorFigures]
    quality: dict[str, QualityFigures]
    registries: list[RegistryVersion] | None  # None: table absent
    exclusions: list[Exclusion] | None
    letters: list[Letter] | None


REGISTRY_REQUIRED = ("reporting_month", "version", "due_at", "submitted_at", "status", "is_used_for_report")
EXCLUSIONS_REQUIRED = ("reporting_month", "reason", "rows_excluded")
LETTERS_REQUIRED = ("reporting_month", "version", "letter_date", "errors", "correction_deadline", "corrected")


def read_figures(analytics_path: Path, period: ReportingPeriod) -> ReportFigures:
    """Read every table the report uses; absent tables give empty (not failing) sections."""
    with duckdb.connect(str(analytics_path), read_only=True) as con:
        columns = _table_columns(con)
        indicators = {spec.key: _read_indicator(con, columns, spec, period) for spec in INDICATORS}
        quality = {spec.key: _read_quality(con, columns, spec, period) for spec in QUALITY}
        registries = _read_registries(con, columns, period.year_to_date)
        exclusions = _read_exclusions(con, columns, period.year_to_date)
        letters = _read_letters(con, columns, period.year_to_date)
        regions = _read_regions(con, columns, period)
    return ReportFigures(period, regions, indicators, quality, registries, exclusions, letters)


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


def _read_regions(
    con: duckdb.DuckDBPyConnection, columns: dict[str, list[str]], period: ReportingPeriod
) -> list[Region]:
    """The union of regions the indicator marts know for this year, in the official order."""
    found: dict[str, Region] = {}
    for spec in INDICATORS:
        if spec.table not in columns:
            continue
        rows = con.execute(
            f"select distinct region, region_code, region_sort_order from {spec.table} "
            "where region is not null and period_start between ? and ?",
            [period.year_to_date.start, period.year_to_date.end],
        ).fetchall()
        for name, code, sort_order in rows:
            found.setdefault(name, Region(name, None if code is None else str(code), int(sort_order or 0)))
    return sorted(found.values(), key=lambda r: (r.sort_order, r.name))


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
    select = ", ".join(
        ["period_type", "period_start", "period_end", "region", *spec.dims, *extras, *sorts, spec.measure]
    )
    rows = con.execute(
        f"select {select} from {spec.table} "
        "where period_type in ('quarter', 'year_to_date') and period_start between ? and ?",
        [period.year_to_date.start, period.year_to_date.end],
    ).fetchall()
    width = len(spec.dims)
    for row in rows:
        period_type, start, end, region = row[0], _as_date(row[1]), _as_date(row[2]), row[3]
        dims: Dims = tuple(None if v is None else str(v) for v in row[4 : 4 + width])
        names = row[4 + width : 4 + 2 * width]
        sort_orders = row[4 + 2 * width : 4 + 3 * width]
        value = row[-1]
        for dim, raw, name, sort_order in zip(spec.dims, dims, names, sort_orders, strict=True):
            if raw is not None:
                figures.labels.setdefault(dim, {})[raw] = _label(dim, raw, name)
                figures.order.setdefault(dim, {})[raw] = _sort_key(dim, raw, sort_order)
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
        c if c in available else "null" for c in (*QUALITY_BREAKDOWNS, "measure_name", "measure_sort_order")
    ]
    rows = con.execute(
        f"select period_type, period_start, period_end, region, {', '.join(optional)}, "
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
        measure,
        unit,
        n,
        value,
        ci_low,
        ci_high,
    ) in rows:
        measure = str(measure)
        figures.measure_labels[measure] = str(measure_name or measure)
        figures.units[measure] = str(unit)
        order[measure] = (
            0 if measure_sort is not None else 1,
            measure_sort or 0,
            figures.measure_labels[measure],
        )
        estimate = Estimate(int(n), float(value), _opt_float(ci_low), _opt_float(ci_high))
        for slice_name in _slice_for(period, period_type, _as_date(start), _as_date(end)):
            if slice_name == "previous_quarter":
                continue
            target: dict[QKey, Estimate] = getattr(figures, slice_name)
            target[(region, service, place, measure)] = estimate
    figures.measures = sorted(order, key=lambda m: order[m])
    return figures


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _months_filter(window: DateRange) -> list[date]:
    return [window.start.replace(day=1), window.end]


def _read_registries(
    con: duckdb.DuckDBPyConnection, columns: dict[str, list[str]], window: DateRange
) -> list[RegistryVersion] | None:
    table = "registry_timeliness"
    if not _require(columns, table, REGISTRY_REQUIRED):
        return None
    available = set(columns[table])
    counted = "rows_counted" if "rows_counted" in available else "null"
    excluded = "rows_excluded" if "rows_excluded" in available else "null"
    rows = con.execute(
        f"select reporting_month, version, due_at, submitted_at, status, is_used_for_report, {counted}, "
        f"{excluded} from {table} where reporting_month between ? and ? "
        "order by reporting_month, version nulls last",
        _months_filter(window),
    ).fetchall()
    return [
        RegistryVersion(
            _as_date(m),
            v,
            due,
            sub,
            str(status),
            bool(used),
            None if c is None else int(c),
            None if e is None else int(e),
        )
        for m, v, due, sub, status, used, c, e in rows
    ]


def _read_exclusions(
    con: duckdb.DuckDBPyConnection, columns: dict[str, list[str]], window: DateRange
) -> list[Exclusion] | None:
    table = "exclusions_summary"
    if not _require(columns, table, EXCLUSIONS_REQUIRED):
        return None
    name = "reason_name" if "reason_name" in set(columns[table]) else "null"
    rows = con.execute(
        f"select reporting_month, reason, {name}, rows_excluded from {table} "
        "where reporting_month between ? and ? order by reporting_month, rows_excluded desc, reason",
        _months_filter(window),
    ).fetchall()
    return [
        Exclusion(_as_date(m), str(label or texts_ru.EXCLUSION_REASONS.get(str(reason), reason)), int(n))
        for m, reason, label, n in rows
    ]


def _read_letters(
    con: duckdb.DuckDBPyConnection, columns: dict[str, list[str]], window: DateRange
) -> list[Letter] | None:
    table = "letters"
    if not _require(columns, table, LETTERS_REQUIRED):
        return None
    corrected_at = "corrected_at" if "corrected_at" in set(columns[table]) else "null"
    rows = con.execute(
        "select reporting_month, version, letter_date, errors, correction_deadline, corrected, "
        f"{corrected_at} from {table} where reporting_month between ? and ? "
        "order by reporting_month, letter_date, version",
        _months_filter(window),
    ).fetchall()
    return [
        Letter(
            _as_date(m),
            v,
            _as_date(d),
            None if e is None else int(e),
            _as_date(dl),
            None if c is None else bool(c),
            _as_date(ca),
        )
        for m, v, d, e, dl, c, ca in rows
    ]
