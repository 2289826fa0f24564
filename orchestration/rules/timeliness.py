"""Registry timeliness (R5, R8, R10) and the correction loop's dates (R6, R7), as plain rows.

The deadline *rules* live in ``orchestration.rules.deadlines``; this module applies them to what was
received: one row per loaded registry version, and one per expected month with no registry,
which the Dagster asset ``deadlines/registry_deadlines`` writes to the warehouse for dbt
(``int_registry_timeliness``) and which the late-registry sensor shares (``overdue_months``).

Decisions taken where the methodology is silent (documented here, tested in
tests/test_timeliness.py and tests/test_overdue_sensor.py):

*Evaluation time.* Whether a month is missing depends on "now". Everything that asks takes
an explicit instant; ``evaluation_time()`` reads it from ``MONITORING_EVALUATION_TIME``
(ISO-8601 with an offset, or a bare date meaning 00:00 of that day in Asia/Almaty) and
falls back to the clock, so tests and backfills evaluate at a chosen date.

*Which months are expected.* A month is expected when it is not before the programme start
(``PROGRAMME_START``), its R5 deadline has passed at the evaluation time (``due_at < now``),
and its year is in scope. The years in scope are every year from the first to the last
year with a registry batch (gaps included), plus the evaluation time's own year when it is
the year right after the last year with data (so January's missing registry is raised on
2 February although nothing of the new year has arrived yet). With no registry at all, the
evaluation year alone. So a sample year evaluated today does not report every month since
then as missing; the price is that an operator silent for more than a whole calendar year
stops being reported for the years after the first silent one (the alerts fired all that
year long).

*When the agency has the registry (starts the letter's 1 working day, R6, clause 8).* The
earlier of ``submitted_at`` and ``received_at``: the operator submits through its portal
(clause 11), so a declared submission time (the landing sidecar) is when the agency has it,
while ``received_at`` is when this system first read the file, which in a backfill of
historical data is years later. Without a sidecar the two are equal.

*The letter's date, which starts the correction period (R7, clause 9).* A letter produced
before its due date (R6: one working day after receipt) carries its production date; one
produced after it (a backfill, or a pipeline that was down) carries its due date, the date
the agency had to send it: the operator cannot be blamed for the agency's delay, and a
historical month is not judged against a letter dated today. The real production time is
recorded separately on the letter (``correspondence.letters.produced_at``, ``produced_late``).
The correction deadline is computed once, when the letter is written (``correction_due_for``),
stated in it, and copied to ``correspondence.registry_deadlines``; a version with no letter
(no errors) gets the deadline its letter's due date would give.

This module is pure: it does not import Dagster or dbt.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

import duckdb

from orchestration.ingestion.landing import received_months
from orchestration.rules.calendar import PROGRAMME_FIRST_YEAR, WorkingCalendar, kazakhstan_calendar
from orchestration.rules.deadlines import (
    DEFAULT_SETTINGS,
    DeadlineSettings,
    correction_due_at,
    end_of_day,
    letter_due_at,
    local_date,
    registry_due_at,
    report_cutoff_at,
)
from orchestration.settings import PROGRAMME_START
from orchestration.warehouse.correspondence import ensure_correspondence_schema, replace_tables
from orchestration.warehouse.raw import ensure_raw_schema

EVALUATION_TIME_ENV = "MONITORING_EVALUATION_TIME"
# A run launched by the late-registry sensor carries the instant the sensor decided at.
EVALUATION_TIME_TAG = "monitoring/evaluation_time"


def month_start(period: str) -> date:
    """'YYYY-MM' -> the first day of that month."""
    year, month = period.split("-")
    return date(int(year), int(month), 1)


def period_of(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def parse_evaluation_time(text: str, settings: DeadlineSettings = DEFAULT_SETTINGS) -> datetime:
    """ISO-8601 with an offset, or a bare date ``YYYY-MM-DD`` = 00:00 of that day in Almaty."""
    text = text.strip()
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), time(0), tzinfo=settings.zone)
    instant = datetime.fromisoformat(text)
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{EVALUATION_TIME_ENV}={text!r}: give a UTC offset (or a bare date)")
    return instant


def evaluation_time(
    environ: Mapping[str, str] | None = None, settings: DeadlineSettings = DEFAULT_SETTINGS
) -> datetime:
    """The instant deadlines are evaluated at: ``MONITORING_EVALUATION_TIME`` or now."""
    environ = os.environ if environ is None else environ
    text = environ.get(EVALUATION_TIME_ENV, "").strip()
    return parse_evaluation_time(text, settings) if text else datetime.now(UTC)


def received_registry_months(landing_dir: Path) -> set[str]:
    """Months with at least one registry file in the landing folder (loaded or not, valid or not).

    The late-registry sensor reads the landing folder rather than the warehouse: a sensor must
    not open warehouse.duckdb while a run writes it, and a file the operator delivered is
    received even if its ingestion has not run yet or rejected it (that is another alert).
    """
    return received_months(landing_dir, "registry")


def calendar_covering(years: Iterable[int]) -> WorkingCalendar:
    """The seeded calendar from the programme start to the year after the latest of ``years``.

    A year more than the data: the deadlines of December run into January.
    """
    last = max([PROGRAMME_FIRST_YEAR, *years])
    return kazakhstan_calendar(PROGRAMME_FIRST_YEAR, last + 1)


def years_in_scope(
    now: datetime, data_months: Iterable[str], settings: DeadlineSettings = DEFAULT_SETTINGS
) -> set[int]:
    """The years whose months are owed and reported (rule in the module docstring)."""
    now_year = local_date(now, settings).year
    data_years = sorted({month_start(m).year for m in data_months})
    if not data_years:
        return {now_year}
    years = set(range(data_years[0], data_years[-1] + 1))
    if now_year == data_years[-1] + 1:
        years.add(now_year)
    return years


def expected_months(
    now: datetime,
    data_months: Iterable[str],
    first_month: str = PROGRAMME_START,
    settings: DeadlineSettings = DEFAULT_SETTINGS,
) -> list[str]:
    """The months ('YYYY-MM') whose registry is owed at ``now`` (rule in the module docstring)."""
    years = years_in_scope(now, data_months, settings)
    start = month_start(first_month)
    months: list[str] = []
    month = max(start, date(min(years), 1, 1))
    while month.year <= max(years) and registry_due_at(month, settings) < now:
        if month.year in years:
            months.append(period_of(month))
        month = _next_month(month)
    return months


def overdue_months(
    now: datetime,
    received_months: Iterable[str],
    first_month: str = PROGRAMME_START,
    settings: DeadlineSettings = DEFAULT_SETTINGS,
) -> list[str]:
    """Months ('YYYY-MM') whose R5 deadline has passed at ``now`` with no registry received."""
    received = set(received_months)
    return [m for m in expected_months(now, received, first_month, settings) if m not in received]


def arrived_at(submitted_at: datetime, received_at: datetime) -> datetime:
    """When the agency has the registry: the earlier of submission and first sighting."""
    return min(submitted_at, received_at)


def letter_date(
    received_at: datetime,
    produced_at: datetime | None,
    settings: DeadlineSettings = DEFAULT_SETTINGS,
    calendar: WorkingCalendar | None = None,
) -> date:
    """The date a notification letter carries: its production date, or its due date if later.

    With no letter produced yet, the due date (see the module docstring).
    """
    due = local_date(letter_due_at(received_at, settings, calendar), settings)
    if produced_at is None:
        return due
    return min(local_date(produced_at, settings), due)


def correction_due_for(
    letter_day: date, settings: DeadlineSettings = DEFAULT_SETTINGS, calendar: WorkingCalendar | None = None
) -> datetime:
    """R7 (clause 9): the end of the 3rd working day after the letter's date."""
    return correction_due_at(end_of_day(letter_day, settings), settings, calendar)


@dataclass(frozen=True)
class StatedDates:
    """What a notification letter states: its date and the correction deadline (R7) it sets."""

    letter_date: date
    correction_due_at: datetime


@dataclass(frozen=True)
class RegistryBatch:
    """One loaded registry version, as raw.batches records it."""

    batch_id: str
    period: str
    version: int
    submitted_at: datetime
    received_at: datetime


def deadline_rows(
    batches: Iterable[RegistryBatch],
    letters: Mapping[str, StatedDates],
    now: datetime,
    first_month: str = PROGRAMME_START,
    settings: DeadlineSettings = DEFAULT_SETTINGS,
) -> list[dict[str, object]]:
    """The rows of correspondence.registry_deadlines (``correspondence.REGISTRY_DEADLINES_COLUMNS``).

    ``letters`` maps a batch_id to the date and correction deadline its correction letter states
    (correspondence.letters of kind 'correction', written earlier in the same build): those are
    copied, so the deadline the operator was told is the one the timeliness rules apply. A version
    with no such letter (none, or a notice) gets the letter's due date and the correction deadline
    that date would give.
    """
    batches = sorted(batches, key=lambda b: (b.period, b.version))
    received = {b.period for b in batches}
    years = [month_start(p).year for p in received] + [local_date(now, settings).year]
    calendar = calendar_covering(years)
    rows: list[dict[str, object]] = []
    for batch in batches:
        month = month_start(batch.period)
        stated = letters.get(batch.batch_id)
        arrival = arrived_at(batch.submitted_at, batch.received_at)
        day = stated.letter_date if stated is not None else letter_date(arrival, None, settings, calendar)
        due_at = registry_due_at(month, settings, calendar)
        rows.append({
            "period": batch.period,
            "month": month,
            "version": batch.version,
            "batch_id": batch.batch_id,
            "is_missing": False,
            "submitted_at": batch.submitted_at,
            "received_at": batch.received_at,
            "due_at": due_at,
            "on_time": batch.submitted_at <= due_at,
            "letter_due_at": letter_due_at(arrival, settings, calendar),
            "letter_date": day,
            "letter_date_source": "letter" if stated is not None else "letter_due",
            "correction_due_at": (stated.correction_due_at if stated is not None
                                  else correction_due_for(day, settings, calendar)),
            "evaluated_at": now,
        })
    for period in overdue_months(now, received, first_month, settings):
        month = month_start(period)
        rows.append({
            "period": period,
            "month": month,
            "version": None,
            "batch_id": None,
            "is_missing": True,
            "submitted_at": None,
            "received_at": None,
            "due_at": registry_due_at(month, settings, calendar),
            "on_time": None,
            "letter_due_at": None,
            "letter_date": None,
            "letter_date_source": None,
            "correction_due_at": None,
            "evaluated_at": now,
        })
    return sorted(rows, key=lambda r: (r["period"], r["version"] or 0))


def month_cutoff_rows(
    received_months: Iterable[str],
    now: datetime,
    first_month: str = PROGRAMME_START,
    settings: DeadlineSettings = DEFAULT_SETTINGS,
) -> list[dict[str, object]]:
    """The rows of correspondence.month_cutoffs (``correspondence.MONTH_CUTOFFS_COLUMNS``): every month of the
    years in scope from the programme start, with its R5 deadline and the cut-off after which a
    reporting period ending with it is closed (``deadlines.report_cutoff_at``)."""
    years = years_in_scope(now, received_months, settings)
    calendar = calendar_covering(years)
    start = month_start(first_month)
    rows: list[dict[str, object]] = []
    for year in sorted(years):
        for number in range(1, 13):
            month = date(year, number, 1)
            if month < start:
                continue
            rows.append({
                "month": month,
                "registry_due_at": registry_due_at(month, settings, calendar),
                "cutoff_at": report_cutoff_at(month, settings, calendar),
                "evaluated_at": now,
            })
    return rows


def calendar_day_rows(
    received_months: Iterable[str], now: datetime, settings: DeadlineSettings = DEFAULT_SETTINGS
) -> list[dict[str, object]]:
    """The rows of correspondence.calendar_days (``correspondence.CALENDAR_DAYS_COLUMNS``): every day
    of the calendar covering the years in scope, as ``rules.calendar`` classifies it."""
    calendar = calendar_covering(years_in_scope(now, received_months, settings))
    return [{**row, "day": row["date"]} for row in calendar.rows()]


def registry_batches(con: duckdb.DuckDBPyConnection) -> list[RegistryBatch]:
    """Every loaded registry version (raw.batches)."""
    rows = con.execute(
        "select batch_id, period, version, submitted_at, received_at from raw.batches "
        "where input = 'registry' order by period, version"
    ).fetchall()
    return [RegistryBatch(*row) for row in rows]


def stated_letters(con: duckdb.DuckDBPyConnection) -> dict[str, StatedDates]:
    """batch_id -> the date and correction deadline stated by the letter that asked for a correction
    of that very file. A notice (acts, lateness) asks for none: it opens no correction window, and
    its version keeps the deadlines it would have with no letter."""
    rows = con.execute(
        "select letters.batch_id, letters.letter_date, letters.correction_due_at "
        "from correspondence.letters as letters "
        "inner join raw.batches as batches on batches.batch_id = letters.batch_id "
        "and batches.source_sha256 = letters.source_sha256 "
        "where letters.kind = 'correction'"
    ).fetchall()
    return {batch_id: StatedDates(day, due) for batch_id, day, due in rows}


def write_registry_deadlines(
    con: duckdb.DuckDBPyConnection,
    now: datetime,
    first_month: str = PROGRAMME_START,
    settings: DeadlineSettings = DEFAULT_SETTINGS,
) -> list[dict[str, object]]:
    """Replace correspondence.registry_deadlines, correspondence.month_cutoffs and
    correspondence.calendar_days with the rows
    evaluated at ``now`` (one transaction); returns the registry deadlines."""
    ensure_raw_schema(con)
    ensure_correspondence_schema(con)
    batches = registry_batches(con)
    rows = deadline_rows(batches, stated_letters(con), now, first_month, settings)
    cutoffs = month_cutoff_rows({b.period for b in batches}, now, first_month, settings)
    days = calendar_day_rows({b.period for b in batches}, now, settings)
    replace_tables(con, {"registry_deadlines": rows, "month_cutoffs": cutoffs, "calendar_days": days})
    return rows


def main(argv: list[str] | None = None) -> int:
    """Write correspondence.registry_deadlines outside Dagster (a scratch warehouse before `dbt build`)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--warehouse", required=True, help="path of warehouse.duckdb")
    parser.add_argument("--at", help=f"evaluation time (default: ${EVALUATION_TIME_ENV} or now)")
    args = parser.parse_args(argv)
    now = parse_evaluation_time(args.at) if args.at else evaluation_time()
    with duckdb.connect(args.warehouse) as con:
        rows = write_registry_deadlines(con, now)
    missing = [row["period"] for row in rows if row["is_missing"]]
    late = [f"{row['period']} v{row['version']}" for row in rows if row["on_time"] is False]
    print(f"{len(rows)} rows at {now.isoformat()}; missing: {missing or '-'}; late: {late or '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
