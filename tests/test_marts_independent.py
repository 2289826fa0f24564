"""I1-I9 in analytics.duckdb equal an independent computation from the generator's truth.

The expectation is computed here in plain pandas from services.parquet (the clean,
canonical values of every row the generator wrote and whether it should be counted),
with the methodology's definitions written out again: a client is an IIN/BIN, a person a
normalised name + birth date counted once (R13) with the attributes of their latest
service in the period, and every total a distinct count over its own scope.
"""

from datetime import date

import duckdb
import pandas as pd
import pytest

from orchestration.reference import seed_rows

QUARTER_ENDS = {3: date(2019, 3, 31), 6: date(2019, 6, 30), 9: date(2019, 9, 30), 11: date(2019, 11, 30)}


def _names(seed: str, code: str, name: str) -> dict[str, str]:
    return {row[code]: row[name] for row in seed_rows(seed)}


def _age_group(age: int) -> str:
    for row in seed_rows("age_groups"):
        if int(row["min_age"]) <= age <= int(row["max_age"]):
            return row["name_ru"]
    raise AssertionError(age)


def _periods(last_month: int, year: int) -> list[tuple[str, date, date]]:
    """Months, quarters (Q4 = October-November) and year-to-date ranges that are complete."""
    def month_end(m: int) -> date:
        return (pd.Timestamp(year, m, 1) + pd.offsets.MonthEnd(0)).date()

    periods = [("month", date(year, m, 1), month_end(m)) for m in range(1, last_month + 1)]
    quarters = [(1, 3), (4, 6), (7, 9), (10, 11)]
    periods += [("quarter", date(year, a, 1), month_end(b)) for a, b in quarters if b <= last_month]
    periods += [("year_to_date", date(year, 1, 1), month_end(b)) for _, b in quarters if b <= last_month]
    return periods


@pytest.fixture(scope="module")
def counted(pipeline_run) -> pd.DataFrame:
    truth = pipeline_run.services
    frame = truth[truth.in_report].copy()
    frame["end"] = pd.to_datetime(frame.end_date).dt.date
    frame["start"] = pd.to_datetime(frame.start_date).dt.date
    frame["gender"] = frame.gender_code.map(_names("genders", "gender_code", "name_ru"))
    frame["legal_form"] = frame.legal_form_code.map(_names("legal_forms", "legal_form_code", "short_name_ru"))
    frame["sme_category"] = frame.sme_category_code.map(_names("sme_categories", "sme_category_code", "name_ru"))
    frame["service"] = frame.service_code.map(_names("services", "service_code", "service_name_ru"))
    frame["service_subtype"] = frame.service_subtype_code.map(_names("services", "subtype_code", "subtype_name_ru"))
    frame["provider"] = frame.provider_code.map(_names("providers", "provider_code", "name_ru"))
    frame["channel"] = frame.channel_code.map(_names("channels", "channel_code", "name_ru"))
    frame["age_group"] = frame.age.map(_age_group)
    return frame


def _expected(counted: pd.DataFrame, dims: list[str], measure: str, key: str | None) -> set[tuple]:
    """Distinct (or row) counts per period × {region, all} × {dimension, total}."""
    last_month = max(pd.Timestamp(p).month for p in counted.period)
    rows = set()
    for kind, start, end in _periods(last_month, 2019):
        scope = counted[(counted.end >= start) & (counted.end <= end)]
        if scope.empty:
            continue
        if measure == "persons":  # R13: one gender / age group per person, from the latest service
            latest = scope.sort_values(["end", "start"]).groupby("person_key").tail(1)
            scope = scope.drop(columns=dims).merge(latest[["person_key", *dims]], on="person_key")
        for region in [None, *scope.kato_code.unique()]:
            in_region = scope if region is None else scope[scope.kato_code == region]
            for dim_value in [None, *in_region[dims[0]].unique()] if dims else [None]:
                part = in_region if dim_value is None else in_region[in_region[dims[0]] == dim_value]
                value = len(part) if key is None else part[key].nunique()
                rows.add((kind, start, end, region, *(() if not dims else (dim_value,)), value))
    return rows


MARTS = [
    ("i1_clients_by_region", [], "clients", "client_id"),
    ("i2_clients_by_sector", ["oked_section_code"], "clients", "client_id"),
    ("i3_enterprises_by_legal_form", ["legal_form"], "enterprises", "client_id"),
    ("i4_persons_by_gender", ["gender"], "persons", "person_key"),
    ("i5_persons_by_age_group", ["age_group"], "persons", "person_key"),
    ("i6_clients_by_sme_category", ["sme_category"], "clients", "client_id"),
    ("i8_services_by_provider", ["provider"], "services", None),
    ("i9_services_by_channel", ["channel"], "services", None),
]
MART_COLUMN = {"oked_section_code": "oked_section"}


@pytest.mark.parametrize(("mart", "dims", "measure", "key"), MARTS, ids=[m[0] for m in MARTS])
def test_mart_equals_independent_computation(pipeline_run, counted, mart, dims, measure, key):
    columns = ", ".join(["period_type", "period_start", "period_end", "region_code",
                         *[MART_COLUMN.get(d, d) for d in dims], measure])
    with duckdb.connect(str(pipeline_run.settings.analytics_path), read_only=True) as con:
        actual = set(con.execute(f"select {columns} from {mart}").fetchall())
    expected = _expected(counted, dims, measure, key)
    assert actual == expected, (
        f"{mart}: {len(actual - expected)} unexpected rows, e.g. {sorted(actual - expected, key=str)[:3]}; "
        f"{len(expected - actual)} missing, e.g. {sorted(expected - actual, key=str)[:3]}")


def test_services_by_type_with_subtypes(pipeline_run, counted):
    with duckdb.connect(str(pipeline_run.settings.analytics_path), read_only=True) as con:
        actual = set(con.execute(
            "select period_type, period_start, period_end, region_code, service, service_subtype, services "
            "from i7_services_by_type where service is not null").fetchall())
    expected_by_service = _expected(counted, ["service"], "services", None)
    expected_by_subtype = set()
    for (kind, start, end, region, service, value) in expected_by_service:
        if service is None:
            continue
        expected_by_subtype.add((kind, start, end, region, service, None, value))
    for (kind, start, end, region, subtype, value) in _expected(counted, ["service_subtype"], "services", None):
        if subtype is not None:
            service = counted.loc[counted.service_subtype == subtype, "service"].iloc[0]
            expected_by_subtype.add((kind, start, end, region, service, subtype, value))
    assert actual == expected_by_subtype


def test_the_sample_exercises_the_hard_cases(counted):
    """The comparisons above prove something only if the data holds the cases that break sums."""
    persons = counted.groupby("person_key").client_id.nunique()
    assert (persons > 1).any(), "a person acting for two companies"
    regions = counted.groupby("client_id").kato_code.nunique()
    assert (regions > 1).any(), "a client served in two regions"
    months = counted.groupby("client_id").period.nunique()
    assert (months > 1).any(), "a client served in two months of a quarter"
