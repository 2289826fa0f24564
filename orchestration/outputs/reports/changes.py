"""The annex of a revised report: "Изменения по сравнению с редакцией N".

Each changed figure is one row: which table, which column (quarter or year to date), which
region, which row, with the value of the previous revision and of this one. Labels come from
the report's own wording (texts_ru) and the figures' labels, so the annex reads as the tables do.
"""

from __future__ import annotations

from datetime import date
from types import ModuleType

from orchestration.outputs.reports.figures import INDICATORS, QUALITY, ContractError, ReportFigures
from orchestration.outputs.reports.layout import Heading, PageBreak, Paragraph, ReportLayout, TableBlock, _number
from orchestration.outputs.reports.periods import DateRange
from orchestration.outputs.reports.scorecard import FIGURE_TABLES as SCORECARD_TABLES
from orchestration.outputs.reports.scorecard import change_label as scorecard_label
from orchestration.outputs.reports.tables import Cell, Column, ReportTable, Row
from orchestration.outputs.reports.vintages import MONTH_SCOPE, Change, RevisionPlan

_INDICATOR_BY_TABLE = {spec.table: spec for spec in INDICATORS}
_QUALITY_BY_TABLE = {spec.table: spec for spec in QUALITY}


def add_changes_annex(layout: ReportLayout, plan: RevisionPlan, figures: ReportFigures) -> None:
    """Append the annex to a revision N+1's layout (nothing for a first revision)."""
    texts = figures.texts
    if plan.previous is None or not plan.is_new:
        return
    layout.blocks.append(PageBreak())
    layout.blocks.append(Heading(texts.ANNEX_CHANGES.format(revision=plan.previous), 1))
    period = texts.range_name(figures.period.year_to_date)
    # the reason as recorded is Russian (vintages.py); each edition words it from the same facts
    reason = texts.revision_reason(list(plan.versions_added), list(plan.versions_removed), len(plan.changes))
    layout.blocks.append(Paragraph(texts.sentence(texts.ANNEX_CHANGES_INTRO.format(
        revision=plan.revision, period=period, reason=reason, previous=plan.previous))))
    if not plan.changes:
        layout.blocks.append(Paragraph(texts.sentence(texts.ANNEX_CHANGES_NONE)))
    else:
        layout.blocks.append(TableBlock(changes_table(plan, figures)))
    _number(layout)


def changes_table(plan: RevisionPlan, figures: ReportFigures) -> ReportTable:
    texts = figures.texts
    rows = [Row(change_label(change, figures), (_cell(change.old, texts), _cell(change.new, texts)))
            for change in plan.changes]
    return ReportTable(
        title=texts.CHANGES_TABLE_TITLE.format(previous=plan.previous),
        stub=texts.CHANGES_STUB,
        columns=[Column(label) for label in texts.CHANGES_COLUMNS],
        rows=rows,
    )


def _cell(value: float | None, texts: ModuleType) -> Cell:
    if value is None:
        return Cell(texts.CHANGES_NOT_PRINTED, "text")
    if float(value).is_integer():
        return Cell(int(value))
    return Cell(value, "score")


def change_label(change: Change, figures: ReportFigures) -> str:
    texts = figures.texts
    table, scope, region_code, row_key, measure = change.figure
    region = _region(change, region_code, figures)
    if table in SCORECARD_TABLES:
        return scorecard_label(table, scope, region, row_key, measure, figures.scorecard, texts)
    parts = [_table_title(table, texts), _scope(scope, texts), region]
    indicator = _INDICATOR_BY_TABLE.get(table)
    values = dict(item.split("=", 1) for item in row_key.split(" / ")) if row_key else {}
    if indicator is not None:
        figures_ = figures.indicators.get(indicator.key)
        labels = [figures_.label(dim, value) if figures_ else value for dim, value in values.items()]
        parts.append(" / ".join(labels) if labels else texts.TOTAL_COLUMN)
    else:
        quality = figures.quality.get(_QUALITY_BY_TABLE[table].key) if table in _QUALITY_BY_TABLE else None
        name, _, part = measure.partition(":")
        label = quality.measure_labels.get(name, name) if quality else name
        part_label = texts.CHANGES_MEASURE_PARTS.get(part, part)
        parts.extend([*values.values(), f"{label}: {part_label}"])
    return " — ".join(p for p in parts if p)


def _region(change: Change, code: str | None, figures: ReportFigures) -> str:
    """The region of a changed figure as recorded (Russian), or in the edition's language."""
    if not figures.language.column_suffix:
        return change.region
    if not code:  # the republic ('' or None in the figure's key)
        return figures.texts.TOTAL_ROW if change.region else ""
    name = next((r.name for r in figures.regions if r.code == code), None)
    if name is None:
        raise ContractError(f"no {figures.language.code} name for region {code} of a changed figure")
    return name


def _scope(scope: str, texts: ModuleType) -> str:
    """'за квартал', 'с начала года', or a month of the dynamics table: 'за март 2019 г.'."""
    if scope.startswith(MONTH_SCOPE):
        month = date.fromisoformat(scope[len(MONTH_SCOPE):] + "-01")
        return texts.changes_month_scope(texts.range_name(DateRange(month, month)))
    return texts.CHANGES_SCOPES.get(scope, scope)


def _table_title(table: str, texts: ModuleType) -> str:
    if table in _INDICATOR_BY_TABLE:
        return texts.TABLE_TITLES[_INDICATOR_BY_TABLE[table].key][0]
    if table in _QUALITY_BY_TABLE:
        return texts.QUALITY_TITLES[_QUALITY_BY_TABLE[table].key]
    return table
