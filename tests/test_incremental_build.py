"""Incremental builds give what a build from scratch gives, and leave unchanged batches alone.

The staging models and int_services_counted are incremental by batch (macros/staged_batches.sql,
int_services_counted_batches): a build over a built warehouse stages and counts again only
what changed. Here a built warehouse receives a new month, a correction that supersedes a
month, and a re-delivered acts file that confirms other rows of an earlier month; the
incremental build must then equal a --full-refresh build of the same raw layer, row for row,
and must not have touched a month nothing changed for. Expectations are worked out by hand
from the rows loaded.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import duckdb
import pytest
from registry_fixture import FIRST_DATA_ROW, acts_rows, dbt, load_registry, load_rows

from orchestration.rules.calendar import kazakhstan_calendar
from orchestration.rules.timeliness import write_registry_deadlines

ALMATY = ZoneInfo("Asia/Almaty")
CAL = kazakhstan_calendar(2019, 2020)
BAD_BIN = {"iin_bin": "100440000015"}  # wrong check digit: an error, the row is not counted
INCREMENTAL_MODELS = ("staging.stg_registry__services", "staging.stg_acts__acts",
                      "intermediate.int_services_counted")
UNTOUCHED = "not counted again"


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ALMATY)


FEBRUARY_V1 = at(date(2019, 3, 1))
FEBRUARY_V2 = at(CAL.add_working_days(CAL.next_working_day(date(2019, 3, 1)), 1))  # within 3 days of the letter


def build(warehouse, *extra: str) -> None:
    dbt(warehouse, "build", "--select", "+int_services_counted", "--exclude-resource-type", "test", "unit_test", *extra)


def counted(warehouse, where: str = "true") -> set[tuple[str, int]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return set(con.execute(
            f"select batch_id, source_row from intermediate.int_services_counted where {where}").fetchall())


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory):
    """(incremental, from scratch): the same raw layer, built in two steps and in one."""
    folder = tmp_path_factory.mktemp("incremental")
    incremental = folder / "incremental" / "warehouse.duckdb"
    incremental.parent.mkdir()
    with duckdb.connect(str(incremental)) as con:
        load_registry(con, "2019-01", 1, at(date(2019, 2, 1)), [{}, {}, {}])
        load_rows(con, "acts", "2019-01", 1, at(date(2019, 2, 1)), acts_rows("2019-01", [0, 1]))
        load_registry(con, "2019-02", 1, FEBRUARY_V1, [{}, BAD_BIN])
        load_rows(con, "acts", "2019-02", 1, FEBRUARY_V1, acts_rows("2019-02", [0, 1]))
        load_registry(con, "2019-04", 1, at(date(2019, 5, 1), 9), [{}, {}])
        load_rows(con, "acts", "2019-04", 1, at(date(2019, 5, 1), 9), acts_rows("2019-04", [0, 1]))
        write_registry_deadlines(con, at(date(2019, 6, 20)))
    build(incremental)
    before = counted(incremental)
    with duckdb.connect(str(incremental)) as con:
        # a mark on April's counted rows: nothing changes for April, so no build may rewrite them
        con.execute(f"update intermediate.int_services_counted set settlement = '{UNTOUCHED}' "
                    "where batch_id = 'registry/2019-04/v1'")
        # January's acts re-delivered: now rows 1 and 2 are confirmed, row 0 no longer
        load_rows(con, "acts", "2019-01", 1, at(date(2019, 2, 5)), acts_rows("2019-01", [1, 2]))
        # February corrected in time after the letter: version 2, the BIN mended
        load_registry(con, "2019-02", 2, FEBRUARY_V2, [{}, {}])
        # March arrives, all confirmed
        load_registry(con, "2019-03", 1, at(date(2019, 4, 1)), [{}, {}])
        load_rows(con, "acts", "2019-03", 1, at(date(2019, 4, 1)), acts_rows("2019-03", [0, 1]))
        write_registry_deadlines(con, at(date(2019, 6, 20)))
    from_scratch = folder / "from_scratch" / "warehouse.duckdb"
    from_scratch.parent.mkdir()
    shutil.copy(incremental, from_scratch)
    build(incremental)
    build(from_scratch, "--full-refresh")
    return incremental, from_scratch, before


def test_the_first_build_counts_the_confirmed_rows(warehouses):
    _, _, before = warehouses
    assert before == {("registry/2019-01/v1", FIRST_DATA_ROW), ("registry/2019-01/v1", FIRST_DATA_ROW + 1),
                      ("registry/2019-02/v1", FIRST_DATA_ROW),  # row 2: a bad BIN
                      ("registry/2019-04/v1", FIRST_DATA_ROW), ("registry/2019-04/v1", FIRST_DATA_ROW + 1)}


def test_the_incremental_build_counts_what_changed(warehouses):
    incremental, _, _ = warehouses
    assert counted(incremental) == {
        ("registry/2019-01/v1", FIRST_DATA_ROW + 1), ("registry/2019-01/v1", FIRST_DATA_ROW + 2),  # new acts
        ("registry/2019-02/v2", FIRST_DATA_ROW), ("registry/2019-02/v2", FIRST_DATA_ROW + 1),  # v1 superseded
        ("registry/2019-03/v1", FIRST_DATA_ROW), ("registry/2019-03/v1", FIRST_DATA_ROW + 1),
        ("registry/2019-04/v1", FIRST_DATA_ROW), ("registry/2019-04/v1", FIRST_DATA_ROW + 1),
    }


def test_a_month_nothing_changed_for_is_not_counted_again(warehouses):
    incremental, _, _ = warehouses
    with duckdb.connect(str(incremental), read_only=True) as con:
        settlements = dict(con.execute(
            "select batch_id, string_agg(distinct settlement) from intermediate.int_services_counted "
            "group by batch_id").fetchall())
    assert settlements.pop("registry/2019-04/v1") == UNTOUCHED
    assert set(settlements.values()) == {"Алматы"}  # every changed month counted afresh


@pytest.mark.parametrize("table", INCREMENTAL_MODELS)
def test_the_incremental_build_equals_a_build_from_scratch(warehouses, table):
    incremental, from_scratch, _ = warehouses
    with duckdb.connect(str(incremental)) as con:
        con.execute(f"attach '{from_scratch}' as scratch (read_only)")
        # by name: a column added to a built table comes last
        names = [row[0] for row in con.execute(f"describe scratch.{table}").fetchall()]
        unmarked = f"case when settlement = '{UNTOUCHED}' then 'Алматы' else settlement end as settlement"
        columns = ", ".join(unmarked if name == "settlement" and "counted" in table else name for name in names)
        only_incremental, only_scratch, rows = (con.execute(sql).fetchall()[0][0] for sql in (
            f"select count(*) from (select {columns} from {table} except all select {columns} from scratch.{table})",
            f"select count(*) from (select {columns} from scratch.{table} except all select {columns} from {table})",
            f"select count(*) from {table}",
        ))
    assert rows > 0
    assert (only_incremental, only_scratch) == (0, 0)
