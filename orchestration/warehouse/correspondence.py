"""The correspondence with the operator: the notification letters sent and the deadlines they set.

Not the raw layer (which holds only what the operator delivered): these tables are written by
the pipeline itself, in the order the build runs them —

    dbt up to int_registry_rule_violations, int_registry_services_confirmed → letters (correspondence.letters)
    → deadlines (correspondence.registry_deadlines) → dbt for the rest (timeliness, marts)

so each is written once per build from what is already there, and dbt reads both as the
``correspondence`` source. The correction deadline (R7) of a version with a letter is the one
the letter states (computed once, when the letter is written, by ``rules.timeliness``); the
deadline table copies it. No personal data: letter files themselves live under data/letters/.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import duckdb

from orchestration.warehouse.raw import RAW_SCHEMA

CORRESPONDENCE_SCHEMA = "correspondence"

REGISTRY_DEADLINES_COLUMNS: tuple[tuple[str, str], ...] = (
    ("period", "varchar"),  # 'YYYY-MM'
    ("month", "date"),  # first day of the reporting month
    ("version", "integer"),  # NULL on a missing month's row
    ("batch_id", "varchar"),  # NULL on a missing month's row
    ("is_missing", "boolean"),  # no registry received and the R5 deadline passed at evaluated_at
    ("submitted_at", "timestamptz"),
    ("received_at", "timestamptz"),
    ("due_at", "timestamptz"),  # R5 (clause 7): deadlines.registry_due_at(month)
    ("on_time", "boolean"),  # submitted_at <= due_at; NULL when missing
    ("letter_due_at", "timestamptz"),  # R6 (clause 8): 1 working day after min(submitted_at, received_at)
    ("letter_date", "date"),  # the letter's date if one was produced, else its due date
    ("letter_date_source", "varchar"),  # 'letter' | 'letter_due'
    # R7 (clause 9): 3 working days after letter_date; as the letter states it where there is one
    ("correction_due_at", "timestamptz"),
    ("evaluated_at", "timestamptz"),  # the "now" the missing months were decided at
)

# One row per letter sent to the operator, the register of them all: kind 'correction' for a letter
# that asks for a corrected registry (rule errors, clauses 8-9: the only kind the timeliness rules,
# the deadlines and the mart letters_sent read), 'notice' for one that only tells what is left out
# (rows the acts do not confirm, clause 11; a late registry, clause 10) and opens no correction window.
LETTER_KINDS = ("correction", "notice")
LETTERS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("batch_id", "varchar"),  # the registry version the letter is about
    ("period", "varchar"),
    ("month", "date"),
    ("version", "integer"),
    ("source_sha256", "varchar"),  # the file the letter is about (a replaced file gets a new letter)
    ("letter_number", "varchar"),  # outgoing number 'Д-YYYY-MM-vN'
    ("letter_date", "date"),  # min(production date, letter due date)
    ("produced_at", "timestamptz"),  # first production of this letter for this file
    ("letter_due_at", "timestamptz"),  # R6: 1 working day after the registry arrived
    ("produced_late", "boolean"),  # produced_at > letter_due_at
    ("correction_due_at", "timestamptz"),  # R7: 3 working days after letter_date; NULL on a notice
    ("error_rows", "integer"),  # distinct rows of the operator's file with an error
    ("error_count", "integer"),  # error-severity violations (a row may break several rules)
    ("rule_count", "integer"),
    ("path", "varchar"),  # the .docx
    ("annex_path", "varchar"),  # the .xlsx; NULL when the letter lists no row (a late registry's notice)
    ("kind", "varchar"),  # LETTER_KINDS
    ("act_rows", "integer"),  # distinct rows the acts do not confirm (clause 11)
    ("registry_late", "boolean"),  # the registry came after its R5 deadline and is left out whole (clause 10)
)
# Columns added to correspondence.letters after a warehouse may have been written: every letter
# recorded before notices were is a correction letter.
_LETTERS_BACKFILL = "update {schema}.letters set kind = 'correction' where kind is null"

# Written with the registry deadlines (the same evaluation): one row per month of the years in
# scope, for dbt's reporting_periods — a period closes when its last month's cutoff_at has passed.
MONTH_CUTOFFS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("month", "date"),  # first day of the month
    ("registry_due_at", "timestamptz"),  # R5 (clause 7): deadlines.registry_due_at(month)
    ("cutoff_at", "timestamptz"),  # deadlines.report_cutoff_at(month): R5 + letter (R6) + correction (R7)
    ("evaluated_at", "timestamptz"),  # the "now" of the evaluation
)

# Written with the registry deadlines (the same evaluation): one row per day of the calendar the
# deadlines were computed with (rules.calendar, the one place that decides whether a date is
# worked), so dbt's data-quality marts (issue 24) count working days and spot services dated
# on days off with the same calendar as the deadlines.
CALENDAR_DAYS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("day", "date"),
    ("day_kind", "varchar"),  # calendar.DayKind: working, weekend, holiday, transferred_day_off, ...
    ("is_working_day", "boolean"),
    ("holiday_name_ru", "varchar"),  # the holiday's Russian name; NULL on other days
)

TABLES = {"registry_deadlines": REGISTRY_DEADLINES_COLUMNS, "month_cutoffs": MONTH_CUTOFFS_COLUMNS,
          "calendar_days": CALENDAR_DAYS_COLUMNS, "letters": LETTERS_COLUMNS}


def ensure_correspondence_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the schema and its tables, add the columns an older warehouse's tables lack; move
    what an older warehouse kept in raw.* here, once.

    Letters keep their first production time (their date and number follow from it), so the
    rows of an older raw.letters are carried over, not recomputed, and so are the rows of a
    correspondence.letters written before its newer columns (the letters then recorded all asked
    for a correction: their kind is 'correction'); the deadlines are evaluated afresh by every
    build. The move is one transaction.
    """
    con.execute(f"create schema if not exists {CORRESPONDENCE_SCHEMA}")
    for table, columns in TABLES.items():
        body = ", ".join(f"{name} {kind}" for name, kind in columns)
        con.execute(f"create table if not exists {CORRESPONDENCE_SCHEMA}.{table} ({body})")
    present = {(table, column) for table, column in con.execute(
        "select table_name, column_name from duckdb_columns() where schema_name = ?",
        [CORRESPONDENCE_SCHEMA]).fetchall()}
    missing = [(table, name, kind) for table, columns in TABLES.items() for name, kind in columns
               if (table, name) not in present]
    for table, name, kind in missing:
        con.execute(f"alter table {CORRESPONDENCE_SCHEMA}.{table} add column {name} {kind}")
    if ("letters", "kind") in {(table, name) for table, name, _ in missing}:
        con.execute(_LETTERS_BACKFILL.format(schema=CORRESPONDENCE_SCHEMA))
    old = {name for (name,) in con.execute(
        "select table_name from duckdb_tables() where schema_name = ? and table_name in ('letters', "
        "'registry_deadlines', 'month_cutoffs')", [RAW_SCHEMA]).fetchall()}
    if not old:
        return
    con.execute("begin transaction")
    try:
        if "letters" in old:
            kept = {name for (name,) in con.execute(
                "select column_name from duckdb_columns() where schema_name = ? and table_name = 'letters'",
                [RAW_SCHEMA]).fetchall()}
            names = ", ".join(name for name, _ in LETTERS_COLUMNS if name in kept)
            con.execute(f"delete from {CORRESPONDENCE_SCHEMA}.letters")
            con.execute(f"insert into {CORRESPONDENCE_SCHEMA}.letters ({names}) "
                        f"select {names} from {RAW_SCHEMA}.letters")
            con.execute(_LETTERS_BACKFILL.format(schema=CORRESPONDENCE_SCHEMA))
        for table in sorted(old):  # the deadlines are evaluated afresh by every build: dropped, not moved
            con.execute(f"drop table {RAW_SCHEMA}.{table}")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def replace_tables(con: duckdb.DuckDBPyConnection, tables: Mapping[str, Iterable[Mapping[str, object]]]) -> None:
    """Replace the rows of each named correspondence table, all in one transaction.

    The schema is the caller's to ensure: both callers (letters, deadlines) read the
    correspondence tables first and so have created it already."""
    con.execute("begin transaction")
    try:
        for table, rows in tables.items():
            names = [name for name, _ in TABLES[table]]
            values = [[row[name] for name in names] for row in rows]
            con.execute(f"delete from {CORRESPONDENCE_SCHEMA}.{table}")
            if values:
                placeholders = ", ".join("?" * len(names))
                con.executemany(f"insert into {CORRESPONDENCE_SCHEMA}.{table} ({', '.join(names)}) "
                                f"values ({placeholders})", values)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
