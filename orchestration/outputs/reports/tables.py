"""Lay the figures out as report tables, once, for both the .docx and the .xlsx.

Both documents render the same `ReportTable` objects, so they cannot disagree. A table
knows its cells' values (not their text), the footnote marks of totals that differ from
the sum of the rows or columns they total, and its notes; the writers only format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import ModuleType

from orchestration.outputs.reports.figures import (
    ONLINE_VALUES,
    Dims,
    Estimate,
    IndicatorFigures,
    Key,
    QualityFigures,
    Region,
    ReportFigures,
)
from orchestration.outputs.reports.formatting import (
    fmt_date,
    fmt_datetime,
    fmt_decimal,
    fmt_int,
    fmt_share,
)
from orchestration.outputs.reports.periods import DateRange, ReportingPeriod, quarter_range

MARK_REGIONS = "¹"  # the republic total differs from the sum over regions
MARK_CATEGORIES = "²"  # the "Всего" total differs from the sum over categories


@dataclass(frozen=True)
class Cell:
    """One value; ``kind`` says how to print it: 'int', 'score', 'share' or 'text'."""

    value: int | float | str | None
    kind: str = "int"
    marks: str = ""

    def text(self) -> str:
        if self.kind == "text":
            return "" if self.value is None else str(self.value)
        if self.kind == "score":
            body = fmt_decimal(self.value)  # type: ignore[arg-type]
        elif self.kind == "share":
            body = fmt_share(self.value)  # type: ignore[arg-type]
        elif self.kind == "mean":  # a monthly average of counts
            body = fmt_decimal(self.value)  # type: ignore[arg-type]
        else:
            body = fmt_int(self.value)  # type: ignore[arg-type]
        return body + self.marks


@dataclass(frozen=True)
class Column:
    label: str
    group: str | None = None  # columns sharing a group get one merged header above them


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]
    level: int = 0  # 1: a sub-type under its service
    total: bool = False


@dataclass
class ReportTable:
    title: str
    stub: str  # header of the first (label) column
    columns: list[Column]
    rows: list[Row]
    unit: str = ""
    notes: list[str] = field(default_factory=list)
    number: int = 0  # assigned in document order, shared by the .docx and the .xlsx
    sheet: str | None = None  # the workbook sheet it shares with other tables (None: a sheet of its own)

    @property
    def grouped(self) -> bool:
        return any(c.group for c in self.columns)


def period_ranges(period: ReportingPeriod) -> list[tuple[str, DateRange]]:
    """The period columns: the quarter and the year to date, or one column when they coincide (Q1)."""
    if period.quarter_is_year_to_date:
        return [("quarter", period.quarter)]
    return [("quarter", period.quarter), ("year_to_date", period.year_to_date)]


def _total_dims(figures: IndicatorFigures) -> Dims:
    return tuple(None for _ in figures.spec.dims)


def _group_dims(figures: IndicatorFigures, value: str | None) -> Dims:
    if value is None:
        return _total_dims(figures)
    return (value, *(None for _ in figures.spec.dims[1:]))


def _sum_regions(slice_: dict[Key, int], dims: Dims) -> int | None:
    values = [v for (region, d), v in slice_.items() if region is not None and d == dims]
    return sum(values) if values else None


def _sum_children(slice_: dict[Key, int], region: str | None, dims: Dims) -> int | None:
    """Sum of the rows one level below ``dims`` (values of the first NULL dimension)."""
    level = dims.index(None)
    values = [
        v
        for (r, d), v in slice_.items()
        if r == region
        and d[:level] == dims[:level]
        and d[level] is not None
        and all(x is None for x in d[level + 1 :])
    ]
    return sum(values) if values else None


def _count_cell(figures: IndicatorFigures, slice_name: str, region: str | None, dims: Dims) -> Cell:
    slice_: dict[Key, int] = getattr(figures, slice_name)
    value = slice_.get((region, dims))
    marks = ""
    if value is not None and region is None:
        regional = _sum_regions(slice_, dims)
        if regional is not None and regional != value:
            marks += MARK_REGIONS
    if value is not None and None in dims:
        children = _sum_children(slice_, region, dims)
        if children is not None and children != value:
            marks += MARK_CATEGORIES
    return Cell(value, "int", marks)


def _notes(rows: list[Row], measure: str, extra: list[str], texts: ModuleType) -> list[str]:
    marks = "".join(c.marks for r in rows for c in r.cells)
    notes = []
    if MARK_REGIONS in marks:
        notes.append(MARK_REGIONS + " " + texts.footnote_regions(measure))
    if MARK_CATEGORIES in marks:
        notes.append(MARK_CATEGORIES + " " + texts.footnote_categories(measure))
    return notes + [e for e in extra if e]


def regional_table(figures: IndicatorFigures, regions: list[Region], period: ReportingPeriod,
                   texts: ModuleType) -> ReportTable:
    """Regions in the official order, then the republic; per category the quarter and year to date."""
    spec = figures.spec
    groups: list[str | None] = [*figures.values(0), None] if spec.dims else [None]
    ranges = period_ranges(period)
    columns = [
        Column(texts.column_name(r), figures.label(spec.dims[0], g) if spec.dims else None)
        for g in groups
        for _, r in ranges
    ]

    def cells(region: str | None) -> tuple[Cell, ...]:
        return tuple(
            _count_cell(figures, slice_name, region, _group_dims(figures, g))
            for g in groups
            for slice_name, _ in ranges
        )

    rows = [Row(r.name, cells(r.code)) for r in regions]
    rows.append(Row(texts.TOTAL_ROW, cells(None), total=True))
    extra = [texts.INDICATOR_NOTES.get(spec.key, "")]
    if spec.dims and spec.dims[0] == "legal_form":
        extra.append(texts.abbreviations_note([figures.label("legal_form", g) for g in groups if g]))
    return ReportTable(
        title=texts.TABLE_TITLES[spec.key][0],
        stub=texts.REGION_HEADER,
        columns=columns,
        rows=rows,
        unit=texts.unit_caption(spec.measure),
        notes=_notes(rows, spec.measure, extra, texts),
    )


def national_table(figures: IndicatorFigures, period: ReportingPeriod, texts: ModuleType) -> ReportTable:
    """One row per category (and sub-type) for the whole republic, then the total."""
    spec = figures.spec
    ranges = period_ranges(period)

    def cells(dims: Dims) -> tuple[Cell, ...]:
        return tuple(_count_cell(figures, slice_name, None, dims) for slice_name, _ in ranges)

    rows: list[Row] = []
    for value in figures.values(0):
        dims = _group_dims(figures, value)
        # a service over its sub-types is a subtotal: printed bold, like the total
        rows.append(Row(figures.label(spec.dims[0], value), cells(dims), total=len(spec.dims) > 1))
        if len(spec.dims) > 1:
            for sub in figures.values(1, parent=value):
                rows.append(Row(figures.label(spec.dims[1], sub), cells((value, sub)), level=1))
    rows.append(Row(texts.TOTAL_COLUMN, cells(_total_dims(figures)), total=True))
    extra = [texts.INDICATOR_NOTES.get(spec.key, "")]
    if spec.dims[0] == "legal_form":
        extra.append(texts.abbreviations_note([figures.label("legal_form", g) for g in figures.values(0)]))
    # Only category marks belong here: the regional sum is the regional table's concern.
    rows = [
        Row(
            r.label,
            tuple(Cell(c.value, c.kind, c.marks.replace(MARK_REGIONS, "")) for c in r.cells),
            r.level,
            r.total,
        )
        for r in rows
    ]
    return ReportTable(
        title=texts.TABLE_TITLES[spec.key][1],
        stub=texts.DIMENSION_HEADERS[spec.dims[0]],
        columns=[Column(texts.column_name(r)) for _, r in ranges],
        rows=rows,
        unit=texts.unit_caption(spec.measure),
        notes=_notes(rows, spec.measure, extra, texts),
    )


def indicator_tables(
    figures: IndicatorFigures, regions: list[Region], period: ReportingPeriod, texts: ModuleType
) -> list[ReportTable]:
    """The republic table first for wide breakdowns (sectors, forms, ages, services), then by region."""
    if not figures.present or not (figures.quarter or figures.year_to_date):
        return []
    tables = [national_table(figures, period, texts)] if figures.spec.wide else []
    tables.append(regional_table(figures, regions, period, texts))
    return tables


# --- the year's dynamics (final report) ------------------------------------------------------

DYNAMICS_INDICATORS = ("i1", "i7", "i9")  # clients, services, services by channel


@dataclass(frozen=True)
class MonthFigures:
    """The republic's figures of one month, or of a quarter's average month; None: not counted."""

    clients: float | None
    services: float | None
    online: float | None

    @property
    def online_share(self) -> float | None:
        return self.online / self.services if self.online is not None and self.services else None


def month_figures(figures: ReportFigures, month: date) -> MonthFigures:
    """One month's republic totals of I1, I7 and I9 (online services), from the mart's month rows."""
    i1, i7, i9 = (figures.indicators[key] for key in DYNAMICS_INDICATORS)
    clients = i1.months.get(month, {}).get((None, ()))
    services = i7.months.get(month, {}).get((None, (None, None)))
    channels = i9.months.get(month, {})
    online = None
    if (None, (None,)) in channels:
        online = sum(v for (region, dims), v in channels.items()
                     if region is None and dims[0] is not None and dims[0].strip().lower() in ONLINE_VALUES)
    return MonthFigures(clients, services, online)


def quarter_average(figures: ReportFigures, quarter: DateRange) -> tuple[MonthFigures, list[date]]:
    """The quarter's average month over its counted months (a month not counted is left out)."""
    counted = [(m, f) for m in quarter.months if (f := month_figures(figures, m)).clients is not None]
    if not counted:
        return MonthFigures(None, None, None), []

    def mean(values: list[float | None]) -> float | None:
        known = [v for v in values if v is not None]
        return sum(known) / len(known) if len(known) == len(values) else None

    return (
        MonthFigures(mean([f.clients for _, f in counted]), mean([f.services for _, f in counted]),
                     mean([f.online for _, f in counted])),
        [m for m, _ in counted],
    )


def dynamics_table(figures: ReportFigures) -> ReportTable | None:
    """Final report (issue 22): I1, I7 and I9 month by month — a month left out printed as such —
    then each quarter's average month over its counted months, so quarters compare like for like."""
    texts = figures.texts
    if not all(figures.indicators[key].months for key in DYNAMICS_INDICATORS):
        return None

    def cells(f: MonthFigures, kind: str) -> tuple[Cell, ...]:
        if f.clients is None:
            return tuple(Cell(texts.MONTH_LEFT_OUT, "text") for _ in texts.DYNAMICS_HEADERS)
        return (Cell(f.clients, kind), Cell(f.services, kind), Cell(f.online, kind), Cell(f.online_share, "share"))

    rows = [Row(texts.month_name(m), cells(month_figures(figures, m), "int"))
            for m in figures.period.year_to_date.months]
    for number in range(1, figures.period.quarter_number + 1):
        average, months = quarter_average(figures, quarter_range(figures.period.year, number))
        rows.append(Row(texts.quarter_average_label(number, texts.months_phrase(months)),
                        cells(average, "mean"), total=True))
    return ReportTable(
        texts.DYNAMICS_TITLE,
        texts.DYNAMICS_STUB,
        [Column(h) for h in texts.DYNAMICS_HEADERS],
        rows,
        unit=texts.DYNAMICS_UNIT,
        notes=[texts.DYNAMICS_NOTE],
    )


# --- quality ----------------------------------------------------------------------------


def _estimate_cells(estimate: Estimate | None, unit: str, texts: ModuleType) -> tuple[Cell, ...]:
    kind = "share" if unit == "share" else "score"
    if estimate is None:
        return (Cell(None), Cell(None, kind), Cell("–", "text"))
    if estimate.small:  # issue 22: too few answers to print a mean or a share (dbt var quality_min_n)
        return (Cell(estimate.n), Cell(texts.small_sample(estimate.n), "text"), Cell("–", "text"))
    interval = "–"
    if estimate.ci_low is not None and estimate.ci_high is not None:
        if kind == "share":  # '80,0–90,0 %': one per cent sign for the pair
            interval = f"{fmt_decimal(100 * estimate.ci_low)}–{fmt_share(estimate.ci_high)}"
        else:
            interval = f"{fmt_decimal(estimate.ci_low)}–{fmt_decimal(estimate.ci_high)}"
    return (Cell(estimate.n), Cell(estimate.value, kind), Cell(interval, "text"))


def _quality_columns(period: ReportingPeriod, texts: ModuleType) -> list[Column]:
    return [
        Column(label, texts.column_name(r))
        for _, r in period_ranges(period)
        for label in texts.QUALITY_SUBHEADERS
    ]


def _quality_cells(figures: QualityFigures, period: ReportingPeriod, key_of, texts: ModuleType) -> tuple[Cell, ...]:
    cells: list[Cell] = []
    for slice_name, _ in period_ranges(period):
        slice_ = getattr(figures, slice_name)
        key = key_of()
        cells.extend(_estimate_cells(slice_.get(key), figures.units.get(key[3], "score"), texts))
    return tuple(cells)


def quality_tables(
    figures: QualityFigures, regions: list[Region], period: ReportingPeriod, texts: ModuleType
) -> list[ReportTable]:
    """The republic figure per measure; then by region, service and centre where the mart has them."""
    if not figures.present or not (figures.quarter or figures.year_to_date):
        return []
    key = figures.spec.key
    title = texts.QUALITY_TITLES[key]
    columns = _quality_columns(period, texts)
    rows = [
        Row(figures.measure_labels[m], _quality_cells(figures, period, lambda m=m: (None, None, None, m), texts))
        for m in figures.measures
    ]
    tables = [ReportTable(title, texts.MEASURE_HEADER, columns, rows, notes=[texts.QUALITY_UNIT_NOTE])]
    main = figures.measures[0]
    keys = set(figures.quarter) | set(figures.year_to_date)
    if any(k[0] is not None and k[3] == main for k in keys):
        region_rows = [
            Row(r.name, _quality_cells(figures, period, lambda r=r: (r.code, None, None, main), texts))
            for r in regions
        ]
        region_rows.append(Row(texts.TOTAL_ROW, rows[0].cells, total=True))
        tables.append(
            ReportTable(
                f"{title}: {_lower_first(figures.measure_labels[main])}, {texts.QUALITY_BY_REGION}",
                texts.REGION_HEADER,
                columns,
                region_rows,
            )
        )
    for axis, position in (("service", 1), ("place_of_service", 2)):
        names = sorted({k[position] for k in keys if k[position] is not None and k[3] == main})
        if not names:
            continue

        def key_for(name: str, position: int = position) -> tuple:
            parts: list[str | None] = [None, None, None, main]
            parts[position] = name
            return tuple(parts)

        axis_rows = [Row(figures.breakdown_label(axis, name),
                         _quality_cells(figures, period, lambda n=name: key_for(n), texts)) for name in names]
        tables.append(
            ReportTable(
                f"{title}: {_lower_first(figures.measure_labels[main])}, {texts.QUALITY_AXES[axis]}",
                texts.QUALITY_AXIS_HEADERS[axis],
                columns,
                axis_rows,
            )
        )
    missing = phone_survey_missing(figures, period, texts)
    for table in tables:
        if missing:
            table.notes.append(missing)
        small = texts.small_sample(0).partition("(")[0]
        if any(c.kind == "text" and str(c.value).startswith(small) for r in table.rows for c in r.cells):
            table.notes.append(texts.SMALL_SAMPLE_NOTE)
    return tables


def phone_survey_missing(figures: QualityFigures, period: ReportingPeriod, texts: ModuleType) -> str | None:
    """The note for a table whose phone-survey measures have no republic figure for the quarter.

    The fund's phone survey of a quarter's clients can come in after the report on it (the
    fourth quarter's, after the final report of 1 December): its cells are empty, and the
    year-to-date figure is then over the earlier quarters only. A reader must be told why.
    """
    phone = [m for m in figures.measures if figures.sources.get(m) == "phone_survey"]
    if not phone or any((None, None, None, m) in figures.quarter for m in phone):
        return None
    if period.quarter_is_year_to_date:
        return texts.phone_survey_missing(texts.range_name(period.quarter), None)
    return texts.phone_survey_missing(texts.range_name(period.quarter), texts.range_name(period.year_to_date))


def _lower_first(text: str) -> str:
    """'Средняя оценка…' → 'средняя оценка…' after a colon; abbreviations ('ЦОП') stay as they are."""
    return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() else text


# --- registries, exclusions, letters ----------------------------------------------------


def _text(value: str | None) -> Cell:
    return Cell(value, "text")


def _status(status: str, correction_status: str | None, texts: ModuleType) -> str:
    return texts.STATUS.get(correction_status or status, status)


def registries_table(figures: ReportFigures) -> ReportTable | None:
    """Introduction: the registry version standing for each month and what became of its rows.

    One row per month of the year to date: the version used, or — when none is (a late month,
    R8) — the latest received; a month with no registry at all says so. The counts are the
    mart's (registry_versions_used); the total row adds them up (rows are additive).
    """
    texts = figures.texts
    if figures.registries is None:
        return None
    missing = {t.month for t in figures.timeliness or [] if t.status == "missing"}
    rows = []
    for month in figures.period.year_to_date.months:
        shown = next((v for v in figures.registries if v.month == month and v.month_version), None)
        if shown is None:
            if month in missing:
                rows.append(Row(texts.month_name(month), (
                    _text("–"), _text("–"), _text(texts.STATUS["missing"]), _text(texts.NO),
                    Cell(None), Cell(None), Cell(None),
                )))
            continue
        rows.append(
            Row(
                texts.month_name(month),
                (
                    Cell(shown.version),
                    _text(fmt_datetime(shown.submitted_at)),
                    _text(_status(shown.status, shown.correction_status, texts)),
                    _text(texts.YES if shown.used else texts.NO),
                    Cell(shown.rows_ingested),
                    Cell(shown.rows_counted),
                    Cell(shown.rows_excluded),
                ),
            )
        )
    shown_versions = [v for v in figures.registries if v.month_version]
    if rows:
        rows.append(Row(texts.EXCLUDED_TOTAL, (
            _text(""), _text(""), _text(""), _text(""),
            Cell(sum(v.rows_ingested for v in shown_versions)),
            Cell(sum(v.rows_counted for v in shown_versions)),
            Cell(sum(v.rows_excluded for v in shown_versions)),
        ), total=True))
    return ReportTable(
        texts.REGISTRIES_TITLE,
        texts.REGISTRIES_HEADERS[0],
        [Column(h) for h in texts.REGISTRIES_HEADERS[1:]],
        rows,
        notes=[texts.REGISTRIES_NOTE],
    )


def late_table(figures: ReportFigures) -> ReportTable | None:
    """Annex A (R10, clause 14): every registry submitted late or not at all, and late corrections."""
    texts = figures.texts
    if figures.timeliness is None:
        return None
    rows = [
        Row(
            texts.month_name(t.month),
            (
                Cell(t.version) if t.version is not None else _text("–"),
                _text(fmt_datetime(t.due_at)),
                _text(fmt_datetime(t.submitted_at)),
                Cell(t.days_after_due),
                _text(texts.VIOLATIONS.get(t.violation_kind or "", t.violation_kind)),
                _text(texts.YES if t.used else texts.NO),
            ),
        )
        for t in figures.timeliness
        if t.violation_kind
    ]
    return ReportTable(
        texts.ANNEX_LATE.split(". ", 1)[1],
        texts.LATE_HEADERS[0],
        [Column(h) for h in texts.LATE_HEADERS[1:]],
        rows,
    )


def exclusions_table(figures: ReportFigures) -> ReportTable | None:
    """Annex B (R8, R9): rows excluded per reason, by month of the quarter and for the year to date.

    The cells are the mart's rows (one month, one reason); the year-to-date column and the
    total row add them up — excluded rows are additive, unlike clients.
    """
    texts = figures.texts
    if figures.exclusions is None:
        return None
    period = figures.period
    months = period.quarter.months
    ytd_months = set(period.year_to_date.months)
    reasons: dict[str, tuple[int, str]] = {}
    by_key: dict[tuple[str, date], int] = {}
    for e in figures.exclusions:
        if e.rows:
            reasons.setdefault(e.reason, (e.sort_order, e.reason_name))
            by_key[(e.reason, e.month)] = e.rows
    if not reasons:
        return ReportTable(texts.ANNEX_EXCLUDED.split(". ", 1)[1], texts.EXCLUDED_HEADER, [], [])
    show_total = not period.quarter_is_year_to_date or len(months) > 1
    columns = [Column(texts.MONTHS[m.month - 1].capitalize()) for m in months]
    if show_total:
        columns.append(Column(texts.column_name(period.year_to_date)))

    def cells(values: dict[date, int]) -> tuple[Cell, ...]:
        out = [Cell(values.get(m)) for m in months]
        if show_total:
            out.append(Cell(sum(v for m, v in values.items() if m in ytd_months) or None))
        return tuple(out)

    rows = [
        Row(name, cells({m: n for (r, m), n in by_key.items() if r == reason}))
        for reason, (_, name) in sorted(reasons.items(), key=lambda item: item[1])
    ]
    totals: dict[date, int] = {}
    for (_, month), n in by_key.items():
        totals[month] = totals.get(month, 0) + n
    rows.append(Row(texts.EXCLUDED_TOTAL, cells(totals), total=True))
    return ReportTable(
        texts.ANNEX_EXCLUDED.split(". ", 1)[1],
        texts.EXCLUDED_HEADER,
        columns,
        rows,
        unit=texts.EXCLUDED_UNIT,
        notes=[texts.EXCLUDED_NOTE],
    )


def letters_table(figures: ReportFigures) -> ReportTable | None:
    """Annex C (R6, R7): letters sent to the operator and the corrections received."""
    texts = figures.texts
    if figures.letters is None:
        return None
    rows = [
        Row(
            texts.month_name(x.month),
            (
                Cell(x.version),
                _text(fmt_date(x.letter_date)),
                Cell(x.error_rows),
                Cell(x.error_count),
                _text(fmt_date(x.correction_due)),
                _text(fmt_datetime(x.correction_submitted_at)),
                _text(texts.CORRECTION.get(x.correction_status or "", texts.CORRECTION[""])),
            ),
        )
        for x in figures.letters
    ]
    return ReportTable(
        texts.ANNEX_LETTERS.split(". ", 1)[1],
        texts.LETTERS_HEADERS[0],
        [Column(h) for h in texts.LETTERS_HEADERS[1:]],
        rows,
    )
