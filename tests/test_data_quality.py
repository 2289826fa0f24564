"""Data-quality review (issue 24): each flag on hand-built rows where the answer is known.

One scratch warehouse, January-September 2019, every registry on time, loaded through the raw
layer and built by the real dbt project. Four regions, each a kind of centre with its managers:

- Almaty (75): a big ЦПП (200 services a month, 10 managers) and a ЦОП whose August is five
  times its median (the extra services by four managers new that month); five of January's ЦПП
  services dated 1 January (a holiday);
- Nur-Sultan (71): one manager, about 40 services a month, all of May's on one day (15 May);
- Akmola (11): a ЦОП whose third quarter drops by half; three of February's clients are
  individual entrepreneurs aged 16;
- Karaganda (35): a ЦОП whose June acts cover 12 of its 20 services (60 %); one client served
  twice with the same sub-type four days apart in March.

Monthly counts carry noise (MAD ≈ 15 % of the median) so that a halved quarter is not a
monthly outlier while a fivefold month is. Every other service is on a working day of the
Python calendar. The expectations are the injected cases, and the outlier and consistency
flags are also recomputed in pandas from the rows given (an independent reference).
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd
import pytest
from registry_fixture import GOOD_ROW, build_models, input_table, load_rows

from orchestration.rules.calendar import kazakhstan_calendar
from orchestration.rules.identifiers import make_bin, make_iin
from orchestration.rules.timeliness import write_registry_deadlines

ALMATY = ZoneInfo("Asia/Almaty")
CAL = kazakhstan_calendar(2019, 2020)
MONTHS = range(1, 10)
EVALUATED_AT = datetime(2019, 10, 20, tzinfo=ALMATY)  # Q3 closed, October not yet due
NOISE = [20, 15, 25, 17, 23, 20, 18, 22, 19]
CENTRES = {  # (region as written, place, kato, centre kind): services per month
    ("г. Алматы", "ЦПП", "75", "cpp"): [200] * 9,
    ("г. Алматы", "ЦОП", "75", "cop"): [*NOISE[:7], 100, NOISE[8]],
    ("г. Нур-Султан", "ЦОП", "71", "cop"): [40, 38, 42, 39, 40, 41, 37, 43, 40],
    ("Акмолинская обл.", "ЦОП", "11", "cop"): [*NOISE[:6], 10, 8, 11],
    ("Карагандинская обл.", "ЦОП", "35", "cop"): NOISE,
}
OVERLOAD_DAY = date(2019, 5, 15)
NEW_YEAR_BLOCK = 5
MINORS = 3
UNCONFIRMED_JUNE_35 = 8


def _working_days(month: int) -> list[date]:
    first = date(2019, month, 1)
    days = [first + timedelta(days=k) for k in range(31)]
    return [d for d in days if d.month == month and CAL.is_working_day(d)]


def _bins():
    for serial in itertools.count(1):
        number = make_bin(date(2010, 4, 1), 4, 0, serial)
        if number is not None:
            yield number


def _minor_iins():
    for serial in itertools.count(1):
        number = make_iin(date(2003, 1, 10), True, serial)
        if number is not None:
            yield number


def scenario() -> pd.DataFrame:
    """Every registry row of the year, with its hidden truth columns (kato, centre, month, confirmed)."""
    bins, minors = _bins(), _minor_iins()
    rows = []
    for (region, place, kato, kind), counts in CENTRES.items():
        for month, count in zip(MONTHS, counts, strict=True):
            days = _working_days(month)
            for k in range(count):
                if kato == "75" and kind == "cpp":
                    manager = f"Менеджер ЦПП {k % 10}"
                elif kato == "75" and month == 8 and k >= NOISE[7]:
                    manager = f"Новый менеджер {k % 4}"
                else:
                    manager = f"Менеджер {kato} {kind}"
                day = days[(k // 4) % len(days)] if manager.startswith("Новый") else days[k % len(days)]
                if kato == "71" and month == 5:
                    day = OVERLOAD_DAY
                if kato == "75" and kind == "cpp" and month == 1 and k < NEW_YEAR_BLOCK:
                    day = date(2019, 1, 1)
                row = {**GOOD_ROW, "region": region, "settlement": region, "place_of_service": place,
                       "iin_bin": next(bins), "client_full_name": f"Клиент {len(rows)}",
                       "manager_full_name": manager, "start_date": f"{day:%d.%m.%Y}", "end_date": f"{day:%d.%m.%Y}",
                       "kato": kato, "centre_kind": kind, "month": month, "day": day,
                       "confirmed": not (kato == "35" and month == 6 and k < UNCONFIRMED_JUNE_35)}
                if kato == "11" and month == 2 and k < MINORS:
                    row.update({"iin_bin": next(minors), "legal_form": "ИП", "enterprise_name": f"ИП Клиент {k}",
                                "birth_date": "10.01.2003", "age": "16", "gender": "м",
                                "sme_category": "Микропредпринимательство"})
                rows.append(row)
    frame = pd.DataFrame(rows)
    # the same client and sub-type again four days later (Karaganda, March): replaces one service
    march_35 = frame.index[(frame.kato == "35") & (frame.month == 3)]
    first, second = march_35[0], march_35[1]
    later = frame.at[first, "day"] + timedelta(days=6)  # a working day 4 working days on
    assert CAL.is_working_day(later) and later.month == 3
    frame.loc[second, ["iin_bin", "client_full_name", "day"]] = [
        frame.at[first, "iin_bin"], frame.at[first, "client_full_name"], later]
    frame.loc[second, ["start_date", "end_date"]] = f"{later:%d.%m.%Y}"
    return frame


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return scenario()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("data_quality") / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        for month in MONTHS:
            period = f"2019-{month:02d}"
            submitted = datetime.combine(date(2019, month + 1, 1), time(9), tzinfo=ALMATY)
            month_rows = rows[rows.month == month]
            registry = month_rows.drop(columns=["kato", "centre_kind", "month", "day", "confirmed"])
            load_rows(con, "registry", period, 1, submitted, input_table("registry", registry.to_dict("records")))
            acts = [{"act_number": f"{period}-{i}", "act_date": r.end_date, "iin_bin": r.iin_bin,
                     "service": r.service, "service_subtype": r.service_subtype, "service_date": r.end_date,
                     "confirmation_method": "ЭЦП"}
                    for i, r in enumerate(month_rows[month_rows.confirmed].itertuples())]
            load_rows(con, "acts", period, 1, submitted, input_table("acts", acts))
        write_registry_deadlines(con, EVALUATED_AT)
    build_models(path, "+dq_outliers", "+dq_consistency_over_time", "+dq_source_consistency",
                 "+dq_implausible_patterns", "+dq_risk_list", "+dq_reporting_rates")
    return path


def _mart(path, name: str) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(f"select * from marts.{name}").df()


# --- independent references (pandas) ---------------------------------------------------------

def modified_z(x: float, history: list[float]) -> float | None:
    median = float(np.median(history))
    deviations = np.abs(np.array(history) - median)
    mad = float(np.median(deviations))
    if mad > 0:
        return 0.6745 * (x - median) / mad
    mean_ad = float(deviations.mean())
    return 0.7979 * (x - median) / mean_ad if mean_ad > 0 else None


def expected_outliers(counted: pd.DataFrame) -> set[tuple]:
    """(unit kind, month, measure) → the flagged units, from the counted rows (confirmed ones)."""
    counted = counted.assign(centre=counted.kato + "/" + counted.centre_kind)
    flagged = set()
    for unit_kind, column in (("centre", "centre"), ("manager", "manager_full_name")):
        for measure, agg in (("services", "size"), ("clients", "nunique")):
            table = (counted.groupby([column, "month"]).size() if agg == "size"
                     else counted.groupby([column, "month"]).iin_bin.nunique()).unstack(fill_value=0)
            for unit, values in table.iterrows():
                first = min(m for m in MONTHS if values.get(m, 0) > 0)
                series = [values.get(m, 0) for m in MONTHS if m >= first]
                for i in range(6, len(series)):
                    history = series[max(0, i - 12):i]
                    if np.median(history) < 5:  # dq_outlier_min_median: too small to score
                        continue
                    z = modified_z(series[i], history)
                    if z is not None and abs(z) > 3.5:
                        flagged.add((unit_kind, unit if unit_kind == "centre" else "manager", first + i, measure))
    return flagged


def test_the_scenario_is_what_the_docstring_says(rows):
    counted = rows[rows.confirmed]
    assert (counted.day == date(2019, 1, 1)).sum() == NEW_YEAR_BLOCK
    assert not any(CAL.is_working_day(d) is False and d != date(2019, 1, 1) for d in rows.day)
    august = counted[(counted.kato == "75") & (counted.centre_kind == "cop")].groupby("month").size()
    assert august[8] == 5 * np.median(august[august.index < 8])
    assert counted.groupby(["manager_full_name", "day"]).size().max() == 40
    # the independent reference flags exactly the injected centre-month, on both measures
    assert expected_outliers(counted) == {("centre", "75/cop", 8, "services"), ("centre", "75/cop", 8, "clients")}


def test_outliers_flag_exactly_the_fivefold_centre_month(warehouse):
    mart = _mart(warehouse, "dq_outliers")
    flagged = mart[mart.is_outlier]
    assert sorted(zip(flagged.unit_kind, flagged.unit_key, flagged.period_start.dt.month, flagged.measure,
                      strict=True)) == [("centre", "75/cop", 8, "clients"), ("centre", "75/cop", 8, "services")]
    row = flagged[flagged.measure == "services"].iloc[0]
    history = NOISE[:7]
    assert row.observed == 100 and row.history_months == 7
    assert row.history_median == np.median(history)
    assert row.modified_z == pytest.approx(modified_z(100, history))
    assert row.is_extreme and "резкий рост" in row.explanation_ru and "ЦОП" in row.explanation_ru
    # fewer than 6 months of history: no score (June has January-May)
    june = mart[(mart.unit_key == "75/cop") & (mart.period_start.dt.month == 6)]
    assert june.modified_z.isna().all() and (june.history_months == 5).all()
    # a flat history (the ЦПП's 200 a month): no spread, no score, no flag
    assert mart[mart.unit_key == "75/cpp"].modified_z.isna().all()
    # managers appear by key only
    managers = mart[mart.unit_kind == "manager"]
    assert managers.unit_key.str.fullmatch(r"[0-9a-f]{64}").all()
    assert not mart.astype(str).apply(lambda c: c.str.contains("Менеджер ЦПП")).any().any()


def test_consistency_flags_exactly_the_halved_quarter(warehouse, rows):
    mart = _mart(warehouse, "dq_consistency_over_time")
    flagged = mart[mart.is_flagged]
    assert sorted(zip(flagged.region_code, flagged.period_start.dt.month, flagged.measure, strict=True)) == [
        ("11", 7, "clients"), ("11", 7, "services")]
    # the ratios recomputed from the rows (Q3 against the mean of Q1 and Q2)
    counted = rows[rows.confirmed]
    monthly = counted.groupby(["kato", "month"]).size().unstack(fill_value=0)
    quarter = {q: monthly[[m for m in MONTHS if (m - 1) // 3 == q]].mean(axis=1) for q in range(3)}
    national = {q: monthly[[m for m in MONTHS if (m - 1) // 3 == q]].sum().mean() for q in range(3)}
    ratio = quarter[2] / ((quarter[0] + quarter[1]) / 2)
    national_ratio = national[2] / ((national[0] + national[1]) / 2)
    q3 = mart[(mart.period_start.dt.month == 7) & (mart.measure == "services")].set_index("region_code")
    for kato in monthly.index:
        assert q3.at[kato, "ratio"] == pytest.approx(ratio[kato])
        assert q3.at[kato, "national_ratio"] == pytest.approx(national_ratio)
    assert q3.at["11", "deviation_from_national"] < -0.33
    assert "Акмолинская" in q3.at["11", "explanation_ru"]


def test_sources_flag_exactly_the_centre_with_acts_for_60_percent(warehouse):
    mart = _mart(warehouse, "dq_source_consistency")
    months = mart[mart.period_type == "month"]
    flagged = months[months.is_flagged]
    assert list(zip(flagged.region_code, flagged.period_start.dt.month, strict=True)) == [("35", 6)]
    row = flagged.iloc[0]
    assert (row.registry_services, row.act_confirmed_services) == (20, 12)
    assert row.acts_ratio == pytest.approx(0.6) and row.is_acts_ratio_flagged
    assert "12 из 20" in row.explanation_ru
    # the quarter sums its months: Q2 of Karaganda, 60 rows, 52 confirmed
    q2 = mart[(mart.period_type == "quarter") & (mart.region_code == "35") & (mart.period_start.dt.month == 4)]
    assert (q2.registry_services.item(), q2.act_confirmed_services.item()) == (17 + 23 + 20, 17 + 23 + 12)


def test_implausible_patterns_count_exactly_the_injected_cases(warehouse):
    mart = _mart(warehouse, "dq_implausible_patterns")
    months = mart[mart.period_type == "month"]
    got = sorted(zip(months.pattern, months.region_code, months.period_start.dt.month, months.cases,
                     months.services, strict=True))
    assert got == [("manager_day_overload", "71", 5, 1, 40), ("minor_entrepreneur", "11", 2, MINORS, MINORS),
                   ("non_working_day", "75", 1, NEW_YEAR_BLOCK, NEW_YEAR_BLOCK),
                   ("repeated_service", "35", 3, 1, 1)]
    overload = months[months.pattern == "manager_day_overload"].iloc[0]
    assert len(overload.manager_key) == 64
    # the year to date sums them
    ytd = mart[(mart.period_type == "year_to_date") & (mart.period_end == pd.Timestamp("2019-09-30"))]
    assert dict(zip(ytd.pattern, ytd.services, strict=True)) == {
        "manager_day_overload": 40, "minor_entrepreneur": MINORS, "non_working_day": NEW_YEAR_BLOCK,
        "repeated_service": 1}


def test_risk_list_carries_the_outlier_centre(warehouse):
    mart = _mart(warehouse, "dq_risk_list")
    flagged = mart[mart.is_flagged & (mart.period_type == "month")]
    assert list(zip(flagged.unit_key, flagged.period_start.dt.month, strict=True)) == [("75/cop", 8)]
    assert flagged.iloc[0].outlier_months == 1 and flagged.iloc[0].risk_rank == 1


def test_reporting_rates_all_on_time(warehouse):
    mart = _mart(warehouse, "dq_reporting_rates")
    months = mart[mart.period_type == "month"]
    assert len(months) == 9 and months.registries_on_time.sum() == 9 and not months.is_flagged.any()
    ytd = mart[(mart.period_type == "year_to_date") & (mart.period_end == pd.Timestamp("2019-09-30"))]
    assert ytd.on_time_rate.item() == 1.0


# --- reporting rates: the timeliness year of tests/test_timeliness.py --------------------------

BAD_BIN = {"iin_bin": "100440000015"}  # wrong check digit: an error, so a letter and a correction


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ALMATY)


@pytest.fixture(scope="module")
def timeliness_warehouse(tmp_path_factory):
    """January on time; February late (6 March); March missing; April corrected in time; May
    corrected late; June on time — evaluated 15 July 2019."""
    from registry_fixture import load_registry

    letter_april = CAL.next_working_day(date(2019, 5, 1))
    letter_may = CAL.next_working_day(date(2019, 6, 1))
    path = tmp_path_factory.mktemp("reporting_rates") / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        load_registry(con, "2019-01", 1, _at(date(2019, 2, 1), 12), [{}, {}])
        load_registry(con, "2019-02", 1, _at(date(2019, 3, 6)), [{}, {}])
        load_registry(con, "2019-04", 1, _at(date(2019, 5, 1), 9), [{}, BAD_BIN])
        load_registry(con, "2019-04", 2, _at(CAL.add_working_days(letter_april, 1)), [{}, {}])
        load_registry(con, "2019-05", 1, _at(date(2019, 6, 1)), [{}, BAD_BIN])
        load_registry(con, "2019-05", 2, _at(CAL.add_working_days(letter_may, 3) + timedelta(days=1)), [{}, {}])
        load_registry(con, "2019-06", 1, _at(date(2019, 7, 1)), [{}])
        write_registry_deadlines(con, datetime(2019, 7, 15, tzinfo=ALMATY))
    build_models(path, "+dq_reporting_rates")
    return path


def test_reporting_rates_count_late_missing_and_corrected_registries(timeliness_warehouse):
    mart = _mart(timeliness_warehouse, "dq_reporting_rates")
    months = mart[mart.period_type == "month"].set_index(mart[mart.period_type == "month"].period_start.dt.month)
    columns = ["registries_received", "registries_on_time", "registries_corrected", "registries_corrected_in_time"]
    assert {m: tuple(int(v) for v in months.loc[m, columns]) for m in months.index} == {
        1: (1, 1, 0, 0), 2: (1, 0, 0, 0), 3: (0, 0, 0, 0), 4: (1, 1, 1, 1), 5: (1, 1, 1, 0), 6: (1, 1, 0, 0)}
    # February: due by 1 March (a Friday), submitted Wednesday 6 March — lateness in working days
    # by the Python calendar, counted independently of the SQL
    assert months.loc[2, "working_days_late"] == CAL.working_days_between(date(2019, 3, 1), date(2019, 3, 6)) == 3
    assert sorted(months.index[months.is_flagged]) == [2, 3, 5]
    assert "3 раб. дн." in months.loc[2, "explanation_ru"]
    # the operator's on-time rate over the year to date (January-June: 4 of 6 months on time)
    half_year = mart[(mart.period_type == "year_to_date") & (mart.period_end == pd.Timestamp("2019-06-30"))]
    assert half_year.on_time_rate.item() == pytest.approx(4 / 6)
    assert half_year.registries_expected.item() == 6 and half_year.registries_received.item() == 5


DQ_CHECKS = {
    "dq_outliers": "assert_dq_no_outliers",
    "dq_consistency_over_time": "assert_dq_consistent_over_time",
    "dq_source_consistency": "assert_dq_sources_consistent",
    "dq_reporting_rates": "assert_dq_registries_on_time",
    "dq_implausible_patterns": "assert_dq_no_implausible_patterns",
    "dq_risk_list": "assert_dq_risk_list_clear",
}


def test_each_family_is_a_warning_asset_check_on_its_mart():
    import json

    from orchestration.defs.assets.dbt import dbt_project
    from orchestration.defs.definitions import build_definitions
    from orchestration.settings import load_settings

    graph = build_definitions(load_settings()).resolve_asset_graph()
    checks = {(key.asset_key.to_user_string(), key.name): graph.get_check_spec(key) for key in graph.asset_check_keys}
    manifest = json.loads(dbt_project.manifest_path.read_text())
    for mart, test in DQ_CHECKS.items():
        spec = checks[(f"marts/{mart}", test)]
        first_line = spec.description.splitlines()[0]
        assert any("а" <= char.lower() <= "я" for char in first_line), first_line  # said in Russian first
        assert mart in spec.description and not spec.blocking
        node = manifest["nodes"][f"test.sme_monitoring.{test}"]
        assert node["config"]["severity"].lower() == "warn"  # dbt's warn → Dagster's AssetCheckSeverity.WARN
