"""Letters and deadlines between the two dbt builds, in their own schema (not the raw layer)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.defs.definitions import build_definitions
from orchestration.settings import DBT_PROJECT_DIR
from orchestration.warehouse.correspondence import CORRESPONDENCE_SCHEMA, LETTERS_COLUMNS, ensure_correspondence_schema

RULE_CHECKS = dg.AssetKey(["intermediate", "int_registry_rule_violations"])
LETTERS = dg.AssetKey(["letters", "notification_letters"])
DEADLINES = dg.AssetKey(["deadlines", "registry_deadlines"])
TIMELINESS = dg.AssetKey(["intermediate", "int_registry_timeliness"])
LETTERS_SENT = dg.AssetKey(["marts", "letters_sent"])


def test_the_graph_runs_rule_checks_then_letters_then_deadlines_then_the_rest():
    graph = build_definitions().resolve_asset_graph()
    assert RULE_CHECKS in graph.get(LETTERS).parent_keys
    assert LETTERS in graph.get(DEADLINES).parent_keys
    assert DEADLINES in graph.get(TIMELINESS).parent_keys
    assert LETTERS in graph.get(LETTERS_SENT).parent_keys
    # no loop: nothing the letters read depends on the deadlines or on what follows them
    ancestors = _ancestors(graph, LETTERS)
    assert DEADLINES not in ancestors and TIMELINESS not in ancestors


def _ancestors(graph, key: dg.AssetKey) -> set[dg.AssetKey]:
    seen: set[dg.AssetKey] = set()
    todo = [key]
    while todo:
        for parent in graph.get(todo.pop()).parent_keys:
            if parent not in seen and graph.has(parent):
                seen.add(parent)
                todo.append(parent)
    return seen


# A letter as the warehouse recorded it before notices were (only the letters asking for a correction),
# in the columns it had then.
PRODUCED = datetime(2019, 3, 4, 10, 0, tzinfo=UTC)
OLDER_LETTER = {"batch_id": "b1", "period": "2019-02", "month": date(2019, 2, 1), "version": 1,
                "source_sha256": "ab", "letter_number": "Д-2019-02-v1", "letter_date": date(2019, 3, 4),
                "produced_at": PRODUCED, "letter_due_at": PRODUCED, "produced_late": False,
                "correction_due_at": PRODUCED, "error_rows": 3, "error_count": 4, "rule_count": 2,
                "path": "x.docx", "annex_path": "x.xlsx"}
OLDER_COLUMNS = ", ".join(f"{name} {kind}" for name, kind in LETTERS_COLUMNS if name in OLDER_LETTER)


def _insert_older_letter(con: duckdb.DuckDBPyConnection, table: str) -> None:
    con.execute(f"create table {table} ({OLDER_COLUMNS})")
    con.execute(f"insert into {table} ({', '.join(OLDER_LETTER)}) values ({', '.join('?' * len(OLDER_LETTER))})",
                list(OLDER_LETTER.values()))


def test_an_older_warehouse_keeps_its_letters_when_they_move_out_of_raw(tmp_path):
    # a warehouse written before the move had raw.letters; a letter's first production time
    # fixes its date and number, so it must be carried over, not recomputed
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute("create schema raw")
        _insert_older_letter(con, "raw.letters")
        con.execute("create table raw.registry_deadlines (period varchar)")  # contents are recomputed each build
        ensure_correspondence_schema(con)
        ensure_correspondence_schema(con)  # a second call finds nothing left to move
        moved = con.execute(
            f"select letter_number, produced_at, kind from {CORRESPONDENCE_SCHEMA}.letters").fetchall()
        left = con.execute("select table_name from duckdb_tables() where schema_name = 'raw'").fetchall()
    assert moved == [("Д-2019-02-v1", PRODUCED, "correction")]
    assert left == []


def test_letters_recorded_before_notices_were_are_correction_letters(tmp_path):
    # correspondence.letters written before it registered notices lacks their columns: they are
    # added, its letters (which all asked for a correction) marked so, their production time kept
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute(f"create schema {CORRESPONDENCE_SCHEMA}")
        _insert_older_letter(con, f"{CORRESPONDENCE_SCHEMA}.letters")
        ensure_correspondence_schema(con)
        ensure_correspondence_schema(con)  # nothing more to add the second time
        columns = [name for (name,) in con.execute(
            "select column_name from duckdb_columns() where schema_name = ? and table_name = 'letters' "
            "order by column_index", [CORRESPONDENCE_SCHEMA]).fetchall()]
        kept = con.execute(
            f"select letter_number, produced_at, kind from {CORRESPONDENCE_SCHEMA}.letters").fetchall()
    assert columns == [name for name, _ in LETTERS_COLUMNS]
    assert kept == [("Д-2019-02-v1", PRODUCED, "correction")]


def test_every_dbt_test_runs_in_exactly_one_of_the_two_builds(tmp_path):
    # the build selects the rule checks (tests wholly inside them: cautious) and everything
    # else (eager); a test in neither would never run, a test in both would run twice
    from orchestration.defs.assets.dbt import RULE_CHECKS_SELECTION, dbt_project, nodes_after_rule_checks

    def listed(*args: str) -> set[str]:
        done = subprocess.run([str(Path(sys.executable).parent / "dbt"), "ls", "--resource-type", "test",
                               "--output", "name", "--quiet", "--profiles-dir", ".", "--target-path",
                               str(tmp_path / "target"), *args],
                              cwd=DBT_PROJECT_DIR, capture_output=True, text=True, check=True,
                              env={**os.environ, "MONITORING_WAREHOUSE_PATH": str(tmp_path / "w.duckdb")})
        return set(done.stdout.split())

    every = listed()
    first = listed("--select", RULE_CHECKS_SELECTION, "--indirect-selection", "cautious")
    rest = listed("--select", nodes_after_rule_checks(dbt_project.manifest_path))
    assert first and rest and "assert_counted_plus_excluded_equals_ingested" in rest
    assert first & rest == set()
    assert first | rest == every
