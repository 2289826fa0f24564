"""The report as an ordered list of blocks, in the order of Appendix 3.

Deciding *what* goes where (headings, paragraphs, tables, charts, page orientation) once
and separately from *how* it is written lets the .docx and the .xlsx share the same tables
and table numbers, and keeps the writers free of report logic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import ModuleType

from orchestration.outputs.reports import charts
from orchestration.outputs.reports.figures import (
    INDICATORS,
    ONLINE_VALUES,
    IndicatorFigures,
    ReportFigures,
    Timeliness,
)
from orchestration.outputs.reports.findings import key_findings
from orchestration.outputs.reports.formatting import fmt_date, fmt_datetime, fmt_int
from orchestration.outputs.reports.periods import DateRange, ReportingPeriod
from orchestration.outputs.reports.proposals import draft_proposals
from orchestration.outputs.reports.tables import (
    ReportTable,
    dynamics_table,
    exclusions_table,
    indicator_tables,
    late_table,
    letters_table,
    month_figures,
    period_ranges,
    quality_tables,
    registries_table,
)


@dataclass(frozen=True)
class Heading:
    text: str
    level: int  # 1: a numbered section or an annex; 2: a subsection


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: str = "body"  # 'body' | 'finding' (numbered: a key finding or a drafted proposal)


@dataclass(frozen=True)
class TableBlock:
    table: ReportTable


@dataclass(frozen=True)
class Chart:
    png: bytes
    caption: str
    number: int = 0


@dataclass(frozen=True)
class Orientation:
    """Start a new section on a new page: landscape for the wide statistical tables."""

    landscape: bool


@dataclass(frozen=True)
class PageBreak:
    pass


@dataclass(frozen=True)
class Signature:
    """The signatory's block and the executor's line closing the report's body (issue 22); the
    people come from settings when the document is written."""


Block = Heading | Paragraph | TableBlock | Chart | Orientation | PageBreak | Signature


@dataclass
class ReportLayout:
    period: ReportingPeriod
    texts: ModuleType  # the edition's words (texts_ru, texts_kk), for the writers' own lines
    blocks: list[Block] = field(default_factory=list)

    @property
    def tables(self) -> list[ReportTable]:
        return [b.table for b in self.blocks if isinstance(b, TableBlock)]


def build_layout(figures: ReportFigures) -> ReportLayout:
    layout = ReportLayout(figures.period, figures.texts)
    add = layout.blocks.append
    _introduction(figures, add)
    add(Orientation(landscape=True))
    _statistics(figures, add)
    add(Orientation(landscape=False))
    _quality(figures, add)
    _conclusion(figures, add)
    _annexes(figures, add)
    _scorecard(figures, add)
    _number(layout)
    return layout


def _scorecard(figures: ReportFigures, add) -> None:
    """Annex Г: the operator's scorecard (scorecard.py, which builds on this module)."""
    from orchestration.outputs.reports.scorecard import Scorecard, annex_blocks

    names = {r.code: r.name for r in figures.regions}
    card = figures.scorecard or Scorecard(present=False)
    for block in annex_blocks(card, figures.period, lambda code: names.get(code, code), figures.texts):
        add(block)


def _introduction(figures: ReportFigures, add) -> None:
    texts = figures.texts
    add(Heading(texts.H1_INTRODUCTION, 1))
    for text in texts.INTRODUCTION:
        add(Paragraph(text))
    add(Paragraph(texts.introduction_period(figures.period)))
    left_out = _months_left_out(figures)
    if left_out:
        add(Paragraph(left_out))
    registries = registries_table(figures)
    if registries is None or not registries.rows:
        add(Paragraph(f"{texts.REGISTRIES_TITLE}: {texts.NO_DATA.lower()}"))
    else:
        shown = [v for v in figures.registries or [] if v.month_version]
        add(Paragraph(texts.registries_summary(
            sum(v.rows_ingested for v in shown),
            sum(v.rows_counted for v in shown),
            sum(v.rows_excluded for v in shown),
            texts.range_name(figures.period.year_to_date),
            fmt_int,
        )))
        add(TableBlock(registries))
    add(Paragraph(texts.COUNTING_RULES))


def _months_left_out(figures: ReportFigures) -> str:
    """R8: a sentence when a period's counts miss a month (reporting_periods.months_counted)."""
    texts = figures.texts
    period = figures.period
    windows = [("quarter", period.quarter)]
    if not period.quarter_is_year_to_date:
        windows.append(("year_to_date", period.year_to_date))
    short = [
        (texts.range_name(window), c.months_counted, c.months_in_period)
        for name, window in windows
        if (c := figures.coverage.get(name)) is not None and c.months_counted < c.months_in_period
    ]
    if not short:
        return ""
    reasons = []
    for month, first in _uncounted_months(figures, period.year_to_date):
        why = texts.why_left_out(
            first.status if first else "awaited",
            fmt_datetime(first.submitted_at) if first else None,
            fmt_date(first.due_at) if first else None,
        )
        reasons.append((texts.range_name(DateRange(month, month)), why))
    return texts.months_left_out(short, reasons)


def _uncounted_months(figures: ReportFigures, window: DateRange) -> list[tuple[date, Timeliness | None]]:
    """The window's months with no counted service, each with its first registry version's
    timeliness row. None: no registry and no row — registry_timeliness lists a missing month once
    its R5 deadline has passed at the evaluation time, so its registry is still awaited."""
    counted_months = {v.month for v in figures.registries or [] if v.used and v.rows_counted > 0}
    uncounted = []
    for month in window.months:
        if month in counted_months:
            continue
        judged = [t for t in figures.timeliness or [] if t.month == month]
        uncounted.append((month, judged[0] if judged else None))
    return uncounted


def _period_notes(figures: ReportFigures) -> dict[str, str]:
    """Issue 20: per period column ('quarter', 'year_to_date') whose counts miss a month
    (reporting_periods.months_counted), the note its table headings and chart captions carry:
    'январь–март 2019 г.; март не включен: реестр представлен с нарушением срока'."""
    texts = figures.texts
    notes = {}
    for name, window in period_ranges(figures.period):
        coverage = figures.coverage.get(name)
        if coverage is None or coverage.months_counted >= coverage.months_in_period:
            continue
        months = [
            (
                texts.range_name(DateRange(month, month), with_year=False),
                texts.LEFT_OUT_SHORT.get(first.status if first else "awaited", texts.LEFT_OUT_SHORT_OTHER),
            )
            for month, first in _uncounted_months(figures, window)
        ]
        notes[name] = texts.period_note(texts.range_name(window), months)
    return notes


def _noted(tables: list[ReportTable], notes: dict[str, str], texts: ModuleType) -> list[ReportTable]:
    """The tables with the period notes in their headings (the .docx and the .xlsx share them)."""
    for table in tables:
        table.title = texts.with_period_note(table.title, list(notes.values()))
    return tables


def _statistics(figures: ReportFigures, add) -> None:
    texts = figures.texts
    add(Heading(texts.H1_STATISTICS, 1))
    add(Paragraph(texts.STATISTICS_INTRO))
    for spec in INDICATORS:
        indicator = figures.indicators[spec.key]
        add(Heading(texts.INDICATOR_HEADINGS[spec.key], 2))
        tables = _noted(indicator_tables(indicator, figures.regions, figures.period, texts), _period_notes(figures),
                        texts)
        if not tables:
            add(Paragraph(texts.NO_DATA))
            continue
        for table in tables:
            add(TableBlock(table))
        chart = _indicator_chart(indicator, figures)
        if chart is not None:
            add(chart)
    if figures.period.is_final:
        _dynamics(figures, add)


def _dynamics(figures: ReportFigures, add) -> None:
    """Final report (issue 22): the year month by month and by quarter, like for like."""
    texts = figures.texts
    table = dynamics_table(figures)
    if table is None:
        return
    add(Heading(texts.H2_DYNAMICS, 2))
    add(Paragraph(texts.DYNAMICS_INTRO))
    add(TableBlock(table))
    months = figures.period.year_to_date.months
    monthly = [month_figures(figures, m) for m in months]
    png = charts.monthly_lines(
        [texts.MONTHS[m.month - 1][:3] for m in months],
        [(name, [getattr(f, part) for f in monthly])
         for name, part in zip(texts.DYNAMICS_SERIES, ("clients", "services", "online"), strict=True)],
        texts.AXIS_COUNT,
    )
    window = _period_notes(figures).get("year_to_date", texts.range_name(figures.period.year_to_date))
    add(Chart(png, f"{texts.CHART_DYNAMICS}, {window}"))


def _indicator_chart(indicator: IndicatorFigures, figures: ReportFigures) -> Chart | None:
    """A chart where it reads faster than the table: regions, gender, age, services, online share."""
    texts = figures.texts
    key = indicator.spec.key
    period = figures.period
    notes = _period_notes(figures)
    # the quarter's name, with what its counts miss (issue 20)
    quarter_name = notes.get("quarter", texts.range_name(period.quarter))
    regions = [r.code for r in figures.regions]
    labels = [texts.short_region(r.name) for r in figures.regions]
    q = indicator.quarter
    if key == "i1" and regions:
        png = charts.horizontal_bars(
            labels, [(quarter_name, [q.get((r, ())) for r in regions])], texts.AXIS_CLIENTS
        )
        return Chart(png, f"{texts.CHART_REGIONS}, {quarter_name}")
    if key == "i4" and regions:
        series = [
            (indicator.label("gender", g), [q.get((r, (g,))) for r in regions]) for g in indicator.values(0)
        ]
        if series:
            return Chart(
                charts.horizontal_bars(labels, series, texts.AXIS_PERSONS),
                f"{texts.CHART_GENDER}, {quarter_name}",
            )
    if key == "i5":
        groups = indicator.values(0)
        series = [
            (texts.column_name(r), [getattr(indicator, name).get((None, (g,))) for g in groups])
            for name, r in (("quarter", period.quarter), ("year_to_date", period.year_to_date))
            if name == "quarter" or not period.quarter_is_year_to_date
        ]
        if groups:
            return Chart(
                charts.vertical_bars(
                    [indicator.label("age_group", g) for g in groups], series, texts.AXIS_PERSONS
                ),
                texts.with_period_note(texts.CHART_AGE, list(notes.values())),
            )
    if key == "i7":
        services = indicator.values(0)
        if services:
            png = charts.horizontal_bars(
                [indicator.label("service", s) for s in services],
                [(quarter_name, [q.get((None, (s, None))) for s in services])],
                texts.AXIS_SERVICES,
            )
            return Chart(png, f"{texts.CHART_SERVICES}, {quarter_name}")
    if key == "i9" and regions:
        online = [v for v in indicator.values(0) if v.strip().lower() in ONLINE_VALUES]
        total = q.get((None, (None,)))
        if online and total:
            shares = [_ratio(sum(q.get((r, (v,)), 0) for v in online), q.get((r, (None,)))) for r in regions]
            overall = sum(q.get((None, (v,)), 0) for v in online) / total
            png = charts.horizontal_bars(
                labels,
                [(quarter_name, shares)],
                texts.AXIS_SHARE,
                share=True,
                reference=(texts.LEGEND_REPUBLIC, overall),
            )
            return Chart(png, f"{texts.CHART_ONLINE}, {quarter_name}")
    return None


def _ratio(part: int, whole: int | None) -> float | None:
    return part / whole if whole else None


def _quality(figures: ReportFigures, add) -> None:
    texts = figures.texts
    add(Heading(texts.H1_QUALITY, 1))
    add(Paragraph(texts.QUALITY_INTRO))
    for key, quality in figures.quality.items():
        add(Heading(texts.QUALITY_HEADINGS[key], 2))
        tables = _noted(quality_tables(quality, figures.regions, figures.period, texts), _period_notes(figures), texts)
        if not tables:
            add(Paragraph(texts.NO_DATA))
        for table in tables:
            add(TableBlock(table))


def _conclusion(figures: ReportFigures, add) -> None:
    texts = figures.texts
    add(Heading(texts.H1_CONCLUSION, 1))
    add(Heading(texts.H2_FINDINGS, 2))
    findings = key_findings(figures)
    for text in findings or [texts.NO_DATA]:
        add(Paragraph(text, "finding"))
    add(Heading(texts.H2_PROPOSALS, 2))
    proposals = draft_proposals(figures)
    if not proposals:
        add(Paragraph(texts.PROPOSALS_NONE))
        add(Signature())
        return
    add(Paragraph(texts.PROPOSALS_DRAFT))
    for proposal in proposals:
        add(Paragraph(proposal.text, "finding"))
    add(Signature())


def _annexes(figures: ReportFigures, add) -> None:
    texts = figures.texts
    window = texts.range_name(figures.period.year_to_date)
    annexes = (
        (texts.ANNEX_LATE, texts.ANNEX_LATE_INTRO, late_table(figures), texts.ANNEX_LATE_NONE),
        (
            texts.ANNEX_EXCLUDED,
            texts.ANNEX_EXCLUDED_INTRO,
            exclusions_table(figures),
            texts.ANNEX_EXCLUDED_NONE,
        ),
        (
            texts.ANNEX_LETTERS,
            texts.ANNEX_LETTERS_INTRO,
            letters_table(figures),
            texts.ANNEX_LETTERS_NONE,
        ),
    )
    for heading, intro, table, none_text in annexes:
        add(PageBreak())
        add(Heading(heading, 1))
        if table is None:
            add(Paragraph(texts.NO_DATA))
        elif not table.rows:
            add(Paragraph(texts.sentence(none_text.format(period=window))))
        else:
            add(Paragraph(texts.sentence(intro.format(period=window))))
            add(TableBlock(table))


def _number(layout: ReportLayout) -> None:
    """Number tables and figures in document order (one sequence each)."""
    charts_seen = 0
    for index, block in enumerate(layout.blocks):
        if isinstance(block, Chart):
            charts_seen += 1
            layout.blocks[index] = Chart(block.png, block.caption, charts_seen)
    for number, table in enumerate(layout.tables, start=1):
        table.number = number
