"""Registry timeliness (R5, R7, R8, R10) through the real path: raw batches, deadlines, dbt.

One small year: January on time; February late; March missing; April corrected in time
(v1 had errors, v2 within 3 working days of the letter); May corrected late (v2 after the
correction deadline); June on time. Evaluated at 15 July 2019.
"""

import shutil
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pytest
from registry_fixture import build_models, dbt, load_registry

from orchestration.rules.calendar import kazakhstan_calendar
from orchestration.rules.timeliness import (
    correction_due_for,
    expected_months,
    letter_date,
    overdue_months,
    write_registry_deadlines,
)

ALMATY = ZoneInfo("Asia/Almaty")
EVALUATED_AT = datetime(2019, 7, 15, tzinfo=ALMATY)
BAD_BIN = {"iin_bin": "100440000015"}  # wrong check digit: an error-severity violation
CAL = kazakhstan_calendar(2019, 2020)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ALMATY)


# The correction deadlines, computed by hand from the real calendar: a letter produced late
# (the tests run years later) is dated at its due date, the working day after receipt.
APRIL_V1 = at(date(2019, 5, 1), 9)  # 1 May: Unity Day, a holiday — the registry is still on time
APRIL_LETTER = CAL.next_working_day(date(2019, 5, 1))  # 2 May
APRIL_CORRECTION_DUE = CAL.add_working_days(APRIL_LETTER, 3)
MAY_V1 = at(date(2019, 6, 1))  # a Saturday: on time
MAY_LETTER = CAL.next_working_day(date(2019, 6, 1))
MAY_CORRECTION_DUE = CAL.add_working_days(MAY_LETTER, 3)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("timeliness") / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        load_registry(con, "2019-01", 1, at(date(2019, 2, 1), 12), [{}, {}])
        load_registry(con, "2019-02", 1, at(date(2019, 3, 2)), [{}, {}])
        load_registry(con, "2019-04", 1, APRIL_V1, [{}, BAD_BIN])
        load_registry(con, "2019-04", 2, at(CAL.add_working_days(APRIL_LETTER, 1)), [{}, {}])
        load_registry(con, "2019-05", 1, MAY_V1, [{}, BAD_BIN])
        load_registry(con, "2019-05", 2, at(MAY_CORRECTION_DUE + timedelta(days=1)), [{}, {}])
        load_registry(con, "2019-06", 1, at(date(2019, 7, 1)), [{}])
        write_registry_deadlines(con, EVALUATED_AT)
    build_models(path, "+registry_timeliness")
    return path


def _timeliness(path) -> dict[tuple[str, int | None], dict]:
    with duckdb.connect(str(path), read_only=True) as con:
        cursor = con.execute("select * from marts.registry_timeliness")
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return {(r["period"], r["version"]): r for r in rows}


def test_the_hand_computed_dates_are_what_the_rules_give():
    assert APRIL_LETTER == date(2019, 5, 2)
    # 2019: 4 May (Saturday) was worked in exchange for 10 May off.
    assert APRIL_CORRECTION_DUE == date(2019, 5, 6)
    assert letter_date(APRIL_V1, None) == APRIL_LETTER
    assert correction_due_for(APRIL_LETTER) == datetime.combine(APRIL_CORRECTION_DUE, time.max, tzinfo=ALMATY)
    assert MAY_LETTER == date(2019, 6, 3)


def test_every_month_has_its_status(warehouse):
    rows = _timeliness(warehouse)
    assert sorted(rows) == [("2019-01", 1), ("2019-02", 1), ("2019-03", None), ("2019-04", 1), ("2019-04", 2),
                            ("2019-05", 1), ("2019-05", 2), ("2019-06", 1)]
    assert {k: (r["status"], r["correction_status"]) for k, r in rows.items()} == {
        ("2019-01", 1): ("on_time", None),
        ("2019-02", 1): ("late", None),
        ("2019-03", None): ("missing", None),
        ("2019-04", 1): ("on_time", None),
        ("2019-04", 2): ("late", "corrected_in_time"),
        ("2019-05", 1): ("on_time", None),
        ("2019-05", 2): ("late", "corrected_late"),
        ("2019-06", 1): ("on_time", None),
    }


def test_version_used_for_the_report(warehouse):
    rows = _timeliness(warehouse)
    used = {k for k, r in rows.items() if r["is_used_for_report"]}
    assert used == {("2019-01", 1), ("2019-04", 2), ("2019-05", 1), ("2019-06", 1)}
    # R8: the late month is kept and shown, with no version used.
    assert rows[("2019-02", 1)]["used_version"] is None
    assert "нарушением срока" in rows[("2019-02", 1)]["reason_ru"]
    assert "заменена версией 2" in rows[("2019-04", 1)]["reason_ru"]
    assert "п. 9" in rows[("2019-05", 2)]["reason_ru"] and rows[("2019-05", 2)]["used_version"] == 1
    # int_registry_versions (the one place the version is chosen) agrees.
    with duckdb.connect(str(warehouse), read_only=True) as con:
        chosen = con.execute("select period, version from intermediate.int_registry_versions "
                             "where is_used_for_report order by period").fetchall()
        excluded = con.execute("select batch_id, exclusion_reason from intermediate.int_registry_versions "
                               "where not is_used_for_report order by batch_id").fetchall()
    assert chosen == [("2019-01", 1), ("2019-04", 2), ("2019-05", 1), ("2019-06", 1)]
    assert excluded == [("registry/2019-02/v1", "late_submission"),
                        ("registry/2019-04/v1", "version_superseded"),
                        ("registry/2019-05/v2", "late_submission")]


def test_every_violation_is_listed_with_its_dates(warehouse):
    rows = _timeliness(warehouse)
    violations = {k: r["violation_kind"] for k, r in rows.items() if r["is_violation"]}
    assert violations == {("2019-02", 1): "late_registry", ("2019-03", None): "missing_registry",
                          ("2019-05", 2): "late_correction"}
    assert "02.03.2019" in rows[("2019-02", 1)]["violation_ru"]
    assert "01.03.2019" in rows[("2019-02", 1)]["violation_ru"]
    assert "01.04.2019" in rows[("2019-03", None)]["violation_ru"]
    assert MAY_CORRECTION_DUE.strftime("%d.%m.%Y") in rows[("2019-05", 2)]["violation_ru"]
    assert rows[("2019-04", 2)]["correction_deadline_at"] == datetime.combine(
        APRIL_CORRECTION_DUE, time.max, tzinfo=ALMATY)
    assert rows[("2019-02", 1)]["days_after_due"] == 1


def test_late_corrections_are_used_when_the_setting_says_so(warehouse):
    copy = warehouse.with_name("late_corrections_used.duckdb")
    shutil.copy(warehouse, copy)
    dbt(copy, "run", "--select", "int_registry_timeliness", "int_registry_versions", "registry_timeliness",
        "--vars", "{use_late_corrections: true}")
    rows = _timeliness(copy)
    assert rows[("2019-05", 2)]["is_used_for_report"] and not rows[("2019-05", 1)]["is_used_for_report"]
    assert rows[("2019-05", 2)]["violation_kind"] == "late_correction"  # still listed
    assert not rows[("2019-02", 1)]["is_used_for_report"]  # a late month stays out either way


def test_expected_months_stay_within_the_years_of_the_data():
    # A sample year evaluated years later reports its own missing months only.
    assert overdue_months(datetime(2026, 4, 2, tzinfo=ALMATY), ["2019-01", "2019-12"]) == [
        f"2019-{m:02d}" for m in range(2, 12)]
    # January of the next year is owed from 2 February, before anything of that year arrived.
    assert overdue_months(datetime(2020, 2, 2, tzinfo=ALMATY), [f"2019-{m:02d}" for m in range(1, 13)]) == [
        "2020-01"]
    whole_2019 = [f"2019-{m:02d}" for m in range(1, 13)]
    assert overdue_months(datetime(2020, 2, 1, 23, tzinfo=ALMATY), whole_2019) == []
    # Nothing before the programme start; a gap year inside the data is owed whole.
    assert expected_months(datetime(2019, 3, 2, tzinfo=ALMATY), []) == ["2019-01", "2019-02"]
    assert len(overdue_months(datetime(2021, 12, 20, tzinfo=ALMATY), ["2019-01", "2021-01"])) == 11 + 12 + 10
