"""The operator's scorecard (issue 24): an annex of the report and a sheet of its workbook.

Where the fund reads, in one place, how the operator («Атамекен») kept to the methodology over
the report's period: its registries' timeliness and corrections (clauses 7, 9, 14), the errors
its original registries carried, rule by rule (the titles of validation_rules.csv, as
exclusions_summary carries them), the outliers and implausible patterns of the data-quality
review, and the service centres to audit first (dq_risk_list). Every figure is a row of a
published mart (dq_reporting_rates, dq_outliers, dq_implausible_patterns, dq_risk_list,
exclusions_summary, registry_versions_used); counts that are additive (rows, flags, registries)
are summed over the period's months, as the annex of exclusions sums its months. It names
centres (a kind of centre in a region) and no person: managers appear only as counts.

The scorecard covers the report's period as the other tables do: the quarter and the year to
date (Q1: one column), the months listed by name. Its figures are flattened for the record of
reports as issued (vintages.py), so a changed scorecard files a new revision like any table.

Pure code: DuckDB and the report's layout types, no Dagster. figures.py and layout.py import
this module inside their functions (it builds on both).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from types import ModuleType
from typing import Any

import duckdb

from orchestration.outputs.reports import texts_ru
from orchestration.outputs.reports.figures import ContractError
from orchestration.outputs.reports.formatting import NBSP, fmt_decimal, fmt_share
from orchestration.outputs.reports.layout import Block, Heading, PageBreak, Paragraph, TableBlock
from orchestration.outputs.reports.periods import DateRange, ReportingPeriod
from orchestration.outputs.reports.tables import Cell, Column, ReportTable, Row

# The wording is in texts_ru / texts_kk (SCORECARD_*, TIMELINESS_*, ERRORS_*, PATTERN*, RISK_*).
RISK_TOP = 10

# --- the figures ------------------------------------------------------------------------

# Tables whose rows the scorecard reads, with the columns it needs (absent table: no annex data).
REQUIRED = {
    "dq_reporting_rates": (
        "period_type", "period_start", "period_end", "registries_expected", "registries_received",
        "registries_on_time", "registries_with_errors", "registries_corrected_in_time",
        "working_days_late", "max_working_days_late", "on_time_rate", "corrected_in_time_rate",
    ),
    "exclusions_summary": (
        "reporting_month", "version", "reason", "reason_name", "reason_kind", "reason_sort_order",
        "rows_with_reason",
    ),
    "registry_versions_used": ("reporting_month", "version", "rows_ingested"),
    "dq_outliers": ("period_start", "unit_kind", "unit_key", "centre_kind", "place_of_service", "is_outlier",
                    "is_extreme"),
    "dq_implausible_patterns": ("period_type", "period_start", "period_end", "pattern", "cases", "services"),
    "dq_risk_list": (
        "period_type", "period_start", "period_end", "unit_kind", "region_code", "centre_kind", "risk_rank",
        "q1_answers", "not_received_answers", "non_receipt_rate", "non_receipt_ci_low", "non_receipt_ci_high",
        "outlier_months", "is_flagged",
    ),
}
RATE_COUNTS = (
    "registries_expected", "registries_received", "registries_on_time", "working_days_late",
    "registries_with_errors", "registries_corrected_in_time",
)
# The rules whose errors are the operator's rows (not the version choice: late, superseded).
ROW_RULE_KINDS = ("row", "act")
# Figure tables of the record of reports as issued (vintages.Figure.table_name).
FIGURE_TABLES = ("scorecard_timeliness", "scorecard_errors", "scorecard_patterns", "scorecard_risk")


def figure_table_title(table: str, texts: ModuleType) -> str:
    """How the annex of changes names a scorecard table."""
    corrections = texts.CORRECTIONS_TITLE
    return {
        "scorecard_timeliness": f"{texts.TIMELINESS_TITLE}; {corrections[0].lower()}{corrections[1:]}",
        "scorecard_errors": texts.ERRORS_TITLE,
        "scorecard_patterns": texts.PATTERNS_TITLE,
        "scorecard_risk": texts.RISK_TITLE.split(",")[0],
    }.get(table, table)


@dataclass(frozen=True)
class Rates:
    """A month's or a period's registries (a row of dq_reporting_rates)."""

    registries_expected: int
    registries_received: int
    registries_on_time: int
    working_days_late: int
    registries_with_errors: int
    registries_corrected_in_time: int
    max_working_days_late: int | None
    on_time_rate: float | None
    corrected_in_time_rate: float | None


@dataclass(frozen=True)
class RuleErrors:
    rule: str
    title: str
    sort_order: int
    rows: dict[str, int]  # scope → rows of original registries with this error
    title_kk: str | None = None


@dataclass(frozen=True)
class RiskCentre:
    region_code: str
    centre_kind: str
    place: str
    rank: int
    answers: int
    not_received: int
    rate: float | None
    ci_low: float | None
    ci_high: float | None
    outlier_months: int
    flagged: bool
    place_kk: str | None = None


@dataclass
class Scorecard:
    """The scorecard's figures for one report; ``present``: the data-quality marts are published."""

    present: bool
    scopes: list[tuple[str, DateRange]] = field(default_factory=list)  # the report's period columns
    months: dict[date, Rates] = field(default_factory=dict)  # the year to date's months with a row
    periods: dict[str, Rates] = field(default_factory=dict)  # scope → the period's row
    submitted: dict[str, int] = field(default_factory=dict)  # scope → rows of the original registries
    rules: list[RuleErrors] = field(default_factory=list)
    patterns: dict[str, dict[str, int]] = field(default_factory=dict)  # scope → row key → count
    risk: list[RiskCentre] = field(default_factory=list)  # the year to date, top RISK_TOP centres

    def in_kazakh(self, kk: Callable[[str | None, str], str]) -> Scorecard:
        """The same figures with the Kazakh rule titles and centre names (``kk``: the name or
        a recorded error, see ReportFigures.in_language)."""
        return replace(
            self,
            rules=[replace(r, title=kk(r.title_kk, f"exclusions_summary.reason_name {r.rule!r}")) for r in self.rules],
            risk=[replace(c, place=kk(c.place_kk, f"dq_outliers.place_of_service {c.centre_kind!r}"))
                  for c in self.risk],
        )


def scopes_of(period: ReportingPeriod) -> list[tuple[str, DateRange]]:
    """The period columns: the quarter and the year to date, or one column when they coincide (Q1)."""
    if period.quarter_is_year_to_date:
        return [("quarter", period.quarter)]
    return [("quarter", period.quarter), ("year_to_date", period.year_to_date)]


def read_scorecard(con: duckdb.DuckDBPyConnection, columns: dict[str, list[str]],
                   period: ReportingPeriod) -> Scorecard:
    """Read the scorecard from analytics.duckdb (``columns``: table → its columns)."""
    for table, required in REQUIRED.items():
        if table not in columns:
            return Scorecard(present=False)
        missing = [c for c in required if c not in columns[table]]
        if missing:
            raise ContractError(f"table {table} lacks column(s) {', '.join(missing)}")
    scopes = scopes_of(period)
    card = Scorecard(present=True, scopes=scopes)
    window = period.year_to_date
    rate_columns = ", ".join((*RATE_COUNTS, "max_working_days_late", "on_time_rate", "corrected_in_time_rate"))
    for row in con.execute(
        f"select period_start, {rate_columns} from dq_reporting_rates "
        "where period_type = 'month' and period_start between ? and ? order by period_start",
        [window.start, window.end],
    ).fetchall():
        card.months[_as_date(row[0])] = _rates(row[1:])
    for scope, span in scopes:
        rows = con.execute(
            f"select {rate_columns} from dq_reporting_rates "
            "where period_type = ? and period_start = ? and period_end = ?",
            [scope, span.start, span.end],
        ).fetchall()
        if rows:
            card.periods[scope] = _rates(rows[0])
        card.submitted[scope] = int(con.execute(
            "select coalesce(sum(rows_ingested), 0) from registry_versions_used "
            "where version = 1 and reporting_month between ? and ?", [span.start, span.end]).fetchone()[0])
        card.patterns[scope] = _patterns(con, scope, span)
    rules: dict[str, tuple[str, int, dict[str, int], str | None]] = {}
    title_kk = "reason_name_kk" if "reason_name_kk" in columns["exclusions_summary"] else "null"
    for scope, span in scopes:
        for rule, title, order, count, name_kk in con.execute(
            "select reason, any_value(reason_name), min(reason_sort_order), sum(rows_with_reason), "
            f"any_value({title_kk}) from exclusions_summary where version = 1 and list_contains(?, reason_kind) "
            "and reporting_month between ? and ? group by reason",
            [list(ROW_RULE_KINDS), span.start, span.end],
        ).fetchall():
            entry = rules.setdefault(str(rule), (str(title or rule), int(order or 0), {},
                                                 None if name_kk is None else str(name_kk)))
            entry[2][scope] = int(count)
    card.rules = sorted((RuleErrors(rule, title, order, counts, kk)
                         for rule, (title, order, counts, kk) in rules.items()),
                        key=lambda r: (r.sort_order, r.rule))
    card.risk = _risk(con, window, "place_of_service_kk" in columns["dq_outliers"])
    return card


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _rates(row: tuple[Any, ...]) -> Rates:
    counts = [int(v or 0) for v in row[: len(RATE_COUNTS)]]
    max_late, on_time, corrected = row[len(RATE_COUNTS):]
    return Rates(*counts, None if max_late is None else int(max_late),
                 None if on_time is None else float(on_time), None if corrected is None else float(corrected))


def _patterns(con: duckdb.DuckDBPyConnection, scope: str, span: DateRange) -> dict[str, int]:
    """Outlier flags (unit × month, each unit-month once whatever the measure) and pattern counts."""
    counts: dict[str, int] = {}
    for kind, outliers, extremes in con.execute(
        "select unit_kind, count(*) filter (where outlier), count(*) filter (where extreme) from ("
        "  select unit_kind, unit_key, period_start, bool_or(is_outlier) as outlier, bool_or(is_extreme) as extreme"
        "  from dq_outliers where period_start between ? and ? group by all"
        ") group by unit_kind", [span.start, span.end]).fetchall():
        counts[f"outliers:{kind}"] = int(outliers)
        counts[f"outliers:{kind}:extreme"] = int(extremes)
    for pattern, cases, services in con.execute(
        "select pattern, sum(cases), sum(services) from dq_implausible_patterns "
        "where period_type = ? and period_start = ? and period_end = ? group by pattern",
        [scope, span.start, span.end]).fetchall():
        counts[str(pattern)] = int(cases if pattern == "manager_day_overload" else services)
    return counts


def _risk(con: duckdb.DuckDBPyConnection, window: DateRange, kazakh: bool) -> list[RiskCentre]:
    names = con.execute(
        f"select centre_kind, any_value(place_of_service), {'any_value(place_of_service_kk)' if kazakh else 'null'} "
        "from dq_outliers where centre_kind is not null and place_of_service is not null group by centre_kind"
    ).fetchall()
    places = {kind: place for kind, place, _ in names}
    places_kk = {kind: place_kk for kind, _, place_kk in names}
    rows = con.execute(
        "select region_code, centre_kind, risk_rank, q1_answers, not_received_answers, non_receipt_rate, "
        "non_receipt_ci_low, non_receipt_ci_high, outlier_months, is_flagged from dq_risk_list "
        "where unit_kind = 'centre' and period_type = 'year_to_date' and period_start = ? and period_end = ? "
        "order by risk_rank limit ?", [window.start, window.end, RISK_TOP]).fetchall()
    return [
        RiskCentre(str(region), str(kind), str(places.get(kind, kind)), int(rank), int(answers), int(no),
                   _opt(rate), _opt(low), _opt(high), int(outliers), bool(flagged),
                   None if places_kk.get(kind) is None else str(places_kk[kind]))
        for region, kind, rank, answers, no, rate, low, high, outliers, flagged in rows
    ]


def _opt(value: Any) -> float | None:
    return None if value is None else float(value)


# --- the annex ---------------------------------------------------------------------------


def annex_blocks(card: Scorecard, period: ReportingPeriod, region_name: Callable[[str], str],
                 texts: ModuleType) -> list[Block]:
    """The annex as layout blocks (heading, paragraphs, tables); ``region_name``: code → name.

    The tables carry ``sheet = texts.SCORECARD_SHEET``: the workbook writes them together on one sheet.
    """
    blocks: list[Block] = [PageBreak(), Heading(texts.SCORECARD_ANNEX, 1)]
    if not card.present:
        return [*blocks, Paragraph(texts.NO_DATA)]
    window = period.year_to_date
    names = ", ".join(texts.MONTHS[m.month - 1] for m in window.months)
    blocks.append(Paragraph(texts.sentence(texts.SCORECARD_INTRO.format(months=texts.range_name(window), names=names))))
    total = card.periods.get(card.scopes[-1][0])
    if total is not None:
        text = texts.SCORECARD_SUMMARY.format(
            months=texts.range_name(window), on_time=total.registries_on_time,
            expected=total.registries_expected, rate=fmt_share(total.on_time_rate),
            with_errors=total.registries_with_errors, corrected=total.registries_corrected_in_time,
            corrected_rate=fmt_share(total.corrected_in_time_rate))
        if total.max_working_days_late:
            text += texts.SCORECARD_SUMMARY_LATE.format(days=total.max_working_days_late, nbsp=NBSP)
        blocks.append(Paragraph(texts.sentence(text)))
    for table in scorecard_tables(card, period, region_name, texts):
        blocks.append(TableBlock(table))
    return blocks


def scorecard_tables(card: Scorecard, period: ReportingPeriod,
                     region_name: Callable[[str], str], texts: ModuleType) -> list[ReportTable]:
    return [_rates_table(card, texts.TIMELINESS_TITLE, texts.TIMELINESS_COLUMNS, texts.TIMELINESS_NOTE, texts),
            _rates_table(card, texts.CORRECTIONS_TITLE, texts.CORRECTIONS_COLUMNS, texts.CORRECTIONS_NOTE, texts),
            _errors_table(card, texts), _patterns_table(card, texts),
            _risk_table(card, period, region_name, texts)]


def _rate_cells(rates: Rates | None, columns: tuple[tuple[str, str], ...]) -> tuple[Cell, ...]:
    return tuple(Cell(None if rates is None else getattr(rates, measure),
                      "share" if measure.endswith("_rate") else "int") for measure, _ in columns)


def _rates_table(card: Scorecard, title: str, columns: tuple[tuple[str, str], ...], note: str,
                 texts: ModuleType) -> ReportTable:
    """Months of the year to date, then the quarter's and the year to date's totals (the mart's rows)."""
    rows = [Row(texts.month_name(month), _rate_cells(rates, columns))
            for month, rates in sorted(card.months.items())]
    for scope, span in card.scopes:
        rows.append(Row(texts.TIMELINESS_TOTAL.format(months=texts.range_name(span, with_year=False)),
                        _rate_cells(card.periods.get(scope), columns), total=True))
    return ReportTable(title, texts.TIMELINESS_STUB, [Column(header) for _, header in columns], rows, notes=[note],
                       sheet=texts.SCORECARD_SHEET)


def _scope_columns(card: Scorecard, labels: tuple[str, ...], texts: ModuleType) -> list[Column]:
    return [Column(label, texts.column_name(span)) for _, span in card.scopes for label in labels]


def _errors_table(card: Scorecard, texts: ModuleType) -> ReportTable:
    rows = [Row(texts.ERRORS_SUBMITTED, tuple(cell for scope, _ in card.scopes
                                        for cell in (Cell(card.submitted.get(scope)), Cell(None, "share"))),
                total=True)]
    for rule in card.rules:
        cells = []
        for scope, _ in card.scopes:
            count, submitted = rule.rows.get(scope), card.submitted.get(scope)
            cells += [Cell(count), Cell(count / submitted if count and submitted else None, "share")]
        rows.append(Row(rule.title, tuple(cells)))
    notes = [texts.ERRORS_NOTE] if card.rules else [texts.sentence(texts.ERRORS_NONE)]
    return ReportTable(texts.ERRORS_TITLE, texts.ERRORS_STUB, _scope_columns(card, texts.ERRORS_HEADERS, texts), rows,
                       notes=notes,
                       sheet=texts.SCORECARD_SHEET)


def _patterns_table(card: Scorecard, texts: ModuleType) -> ReportTable:
    rows = [
        Row(label, tuple(Cell(card.patterns.get(scope, {}).get(key, 0)) for scope, _ in card.scopes),
            level=1 if key.endswith(":extreme") else 0)
        for key, label in texts.PATTERN_ROWS
    ]
    return ReportTable(texts.PATTERNS_TITLE, texts.PATTERNS_STUB,
                       [Column(texts.column_name(span)) for _, span in card.scopes],
                       rows, notes=[texts.PATTERNS_NOTE], sheet=texts.SCORECARD_SHEET)


def centre_label(centre: RiskCentre, region_name: Callable[[str], str]) -> str:
    """'ЦОП – Акмолинская область': the kind of centre and its region, never a person."""
    return f"{centre.place} – {region_name(centre.region_code)}"


def _risk_table(card: Scorecard, period: ReportingPeriod, region_name: Callable[[str], str],
                texts: ModuleType) -> ReportTable:
    rows = []
    for centre in card.risk:
        interval = "–"
        if centre.ci_low is not None and centre.ci_high is not None:
            interval = f"{fmt_decimal(100 * centre.ci_low)}–{fmt_share(centre.ci_high)}"
        rows.append(Row(centre_label(centre, region_name), (
            Cell(centre.rank), Cell(centre.answers), Cell(centre.not_received), Cell(centre.rate, "share"),
            Cell(interval, "text"), Cell(centre.outlier_months),
            Cell(texts.YES if centre.flagged else texts.NO, "text"),
        )))
    title = texts.RISK_TITLE.format(months=texts.range_name(period.year_to_date))
    notes = [texts.RISK_NOTE.format(top=RISK_TOP)] if rows else [texts.sentence(texts.RISK_NONE)]
    return ReportTable(title, texts.RISK_STUB, [Column(h) for h in texts.RISK_HEADERS], rows, notes=notes,
                       sheet=texts.SCORECARD_SHEET)


# --- the record of reports as issued -----------------------------------------------------


def figure_rows(card: Scorecard) -> list[tuple[str, str, str | None, str, str, float | None]]:
    """Every figure the scorecard prints as (table, scope, region_code, row_key, measure, value),
    for vintages.flatten. Months are keyed 'month=YYYY-MM' under the year to date's scope."""
    if not card.present:
        return []
    out: list[tuple[str, str, str | None, str, str, float | None]] = []
    rate_measures = (*RATE_COUNTS, "on_time_rate", "corrected_in_time_rate")
    ytd_scope = card.scopes[-1][0]
    for month, rates in card.months.items():
        for measure in rate_measures:
            out.append(("scorecard_timeliness", ytd_scope, None, f"month={month:%Y-%m}", measure,
                        _float(getattr(rates, measure))))
    for scope, rates in card.periods.items():
        for measure in rate_measures:
            out.append(("scorecard_timeliness", scope, None, "", measure, _float(getattr(rates, measure))))
    for scope, _ in card.scopes:
        out.append(("scorecard_errors", scope, None, "", "rows_submitted", float(card.submitted.get(scope, 0))))
        for rule in card.rules:
            out.append(("scorecard_errors", scope, None, f"rule={rule.rule}", "rows_with_error",
                        _float(rule.rows.get(scope))))
        for key, _ in texts_ru.PATTERN_ROWS:
            out.append(("scorecard_patterns", scope, None, f"pattern={key}", "count",
                        float(card.patterns.get(scope, {}).get(key, 0))))
    for centre in card.risk:
        key = f"centre={centre.region_code}/{centre.centre_kind}"
        for measure in ("rank", "answers", "not_received", "rate", "ci_low", "ci_high", "outlier_months"):
            out.append(("scorecard_risk", ytd_scope, centre.region_code, key, measure,
                        _float(getattr(centre, measure))))
    return out


def _float(value: float | int | None) -> float | None:
    return None if value is None else float(value)


def change_label(table: str, scope: str, region: str, row_key: str, measure: str, card: Scorecard | None,
                 texts: ModuleType) -> str:
    """How the annex of changes names a scorecard figure, in the report's words."""
    titles = {rule.rule: rule.title for rule in (card.rules if card else [])}
    kind, _, value = row_key.partition("=")
    parts = [figure_table_title(table, texts), texts.CHANGES_SCOPES.get(scope, scope)]
    if kind == "month":
        year, month = value.split("-")
        parts.append(texts.month_name(date(int(year), int(month), 1)))
    elif kind == "rule":
        parts.append(titles.get(value, value))
    elif kind == "pattern":
        parts.append(dict(texts.PATTERN_ROWS).get(value, value))
    elif kind == "centre":
        centre = next((c for c in (card.risk if card else []) if f"{c.region_code}/{c.centre_kind}" == value), None)
        parts.append(f"{centre.place} – {region}" if centre else region)
    labels = dict((*texts.TIMELINESS_COLUMNS, *texts.CORRECTIONS_COLUMNS))
    labels.update({"rows_submitted": texts.ERRORS_SUBMITTED, "rows_with_error": texts.ERRORS_HEADERS[0],
                   "count": texts.PATTERNS_STUB.lower(), "rank": texts.RISK_HEADERS[0],
                   "answers": texts.RISK_HEADERS[1],
                   "not_received": texts.RISK_HEADERS[2], "rate": texts.RISK_HEADERS[3],
                   "ci_low": texts.CHANGES_MEASURE_PARTS["ci_low"], "ci_high": texts.CHANGES_MEASURE_PARTS["ci_high"],
                   "outlier_months": texts.RISK_HEADERS[5]})
    parts.append(labels.get(measure, measure).lower())
    return " — ".join(p for p in parts if p)

