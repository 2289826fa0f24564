"""Call lists: stratum sizes, a reproducible draw, question 1, and a sheet the ingestion reads back."""

import stat
import zipfile
from datetime import date

import duckdb
import numpy as np
import openpyxl
import pandas as pd
import pytest

from orchestration.ingestion.readers import read_input
from orchestration.outputs.call_lists import (
    SamplingSettings,
    call_list_frame,
    draw_sample,
    period_clients,
    produce_call_list,
    question_1,
    sample_period,
    stratum_calls,
    write_call_list,
)
from orchestration.reference import input_columns


def _clients(sizes: dict[str, int], kinds=("cop", "cpp")) -> pd.DataFrame:
    rows = []
    for region, size in sizes.items():
        for i in range(size):
            rows.append({"client_key": f"{region}-{i:05d}", "region_code": region,
                         "centre_kind": kinds[i % len(kinds)]})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("population", "target", "calls"),
    [
        (10_000, 96, 96),  # 96.04/(1 + 95.04/10000) = 95.1 → 96
        (500, 81, 81),
        (40, 30, 30),  # the formula asks 29; the minimum per stratum is 30
        (20, 20, 20),  # fewer clients than the minimum: everyone
        (0, 0, 0),
    ],
)
def test_stratum_sizes(population, target, calls):
    assert stratum_calls(population, SamplingSettings()) == (target, calls)


def test_expected_response_rate_inflates_the_calls_but_never_beyond_the_stratum():
    settings = SamplingSettings(expected_response_rate=0.7)
    assert stratum_calls(10_000, settings) == (96, 138)  # ceil(96 / 0.7)
    assert stratum_calls(100, settings) == (50, 72)
    assert stratum_calls(60, settings) == (38, 55)  # 96.04/(1 + 95.04/60) = 37.2 → 38; 38 / 0.7 → 55
    assert stratum_calls(35, settings) == (30, 35)


def test_sample_honours_stratum_sizes_and_is_a_subset():
    clients = _clients({"11": 10_000, "15": 500, "19": 40, "23": 7})
    sample, strata = draw_sample(clients, "2019-Q1", SamplingSettings())
    sizes = sample.groupby("region_code").size().to_dict()
    assert sizes == {"11": 96, "15": 81, "19": 30, "23": 7}
    assert {(s.region_code, s.population, s.calls) for s in strata} == {
        ("11", 10_000, 96), ("15", 500, 81), ("19", 40, 30), ("23", 7, 7)}
    assert sample["client_key"].is_unique
    assert set(sample["client_key"]) <= set(clients["client_key"])
    assert all(s.expected_margin <= 0.10 for s in strata)


def test_sample_is_reproducible_for_a_period_and_independent_of_row_order():
    clients = _clients({"11": 3000, "15": 700})
    first, _ = draw_sample(clients, "2019-Q2", SamplingSettings())
    again, _ = draw_sample(clients.sample(frac=1, random_state=3), "2019-Q2", SamplingSettings())
    assert sorted(first["client_key"]) == sorted(again["client_key"])
    other_quarter, _ = draw_sample(clients, "2019-Q3", SamplingSettings())
    assert sorted(first["client_key"]) != sorted(other_quarter["client_key"])
    redrawn, _ = draw_sample(clients, "2019-Q2", SamplingSettings(seed_salt="second draw"))
    assert sorted(first["client_key"]) != sorted(redrawn["client_key"])


def test_one_strata_change_leaves_the_other_strata_sample_alone():
    clients = _clients({"11": 3000, "15": 700})
    more = pd.concat([clients, _clients({"15": 900}).iloc[700:]], ignore_index=True)
    before, _ = draw_sample(clients, "2019-Q2", SamplingSettings())
    after, _ = draw_sample(more, "2019-Q2", SamplingSettings())
    keys = lambda frame, region: sorted(frame.loc[frame["region_code"] == region, "client_key"])  # noqa: E731
    assert keys(before, "11") == keys(after, "11")
    assert keys(before, "15") != keys(after, "15")


def test_strata_by_region_and_kind_of_centre():
    clients = _clients({"11": 2000, "15": 100})
    sample, strata = draw_sample(clients, "2019-Q1", SamplingSettings(by_centre_kind=True))
    assert len(strata) == 4
    sizes = sample.groupby(["region_code", "centre_kind"]).size().to_dict()
    assert sizes == {("11", "cop"): 88, ("11", "cpp"): 88, ("15", "cop"): 34, ("15", "cpp"): 34}


def test_a_client_is_in_one_stratum_with_the_latest_service():
    services = pd.DataFrame({  # X's latest is a:2; Y's two services share a day: the lower id
        "service_id": ["a:1", "a:2", "b:7", "b:3", "c:1"],
        "client_key": ["X", "X", "Y", "Y", "Z"],
        "end_date": pd.to_datetime(["2019-01-10", "2019-02-20", "2019-03-05", "2019-03-05", "2019-04-01"]),
        "region_code": ["11", "75", "15", "19", "11"],
    })
    for column in ("region", "region_sort_order", "centre_kind", "place_code", "service", "service_subtype",
                   "settlement", "batch_id", "source_row"):
        services[column] = None
    with duckdb.connect() as con:
        con.execute("create schema intermediate")
        con.execute("create table intermediate.int_services_counted as select * from services")
        clients = period_clients(con, date(2019, 1, 1), date(2019, 3, 31))  # Z is of the next quarter
    assert clients.set_index("client_key")["service_id"].to_dict() == {"X": "a:2", "Y": "b:3"}


def test_question_1_names_the_date_and_the_centre_or_settlement():
    assert question_1(date(2019, 3, 5), "cop", "ЦОП", "г. Кокшетау") == (
        "Получали ли Вы консультацию либо услугу 05.03.2019 в ЦОП г. Кокшетау?")
    assert question_1(date(2019, 3, 5), "mcpp", "МЦПП", "с. Акмол") == (
        "Получали ли Вы консультацию либо услугу 05.03.2019 в с. Акмол "
        "(мобильный центр поддержки предпринимательства)?")
    assert question_1(date(2019, 12, 1), "online", "Онлайн", None).endswith("01.12.2019 в онлайн-формате?")


def _sample_rows() -> pd.DataFrame:
    return pd.DataFrame({
        "client_key": ["k1", "k2"],
        "end_date": pd.to_datetime(["2019-02-14", "2019-03-01"]),
        "region_code": ["75", "11"],
        "region": ["город Алматы", "Акмолинская область"],
        "region_sort_order": [160, 10],
        "centre_kind": ["cpp", "mcpp"],
        "place_short_name": ["ЦПП", "МЦПП"],
        "service": ["Юридические услуги", "Бухгалтерские услуги"],
        "service_subtype": ["Консультирование по вопросам предпринимательской деятельности",
                            "Ведение бухгалтерского учета"],
        "settlement": ["г. Алматы", "с. Акмол"],
        "iin_bin": ["791028302728", "940140000385"],
        "client_full_name": ["Иванов Иван Иванович", "Сейткали Айгерим"],
        "mobile_phone": ["+7 701 123 45 67", "87771234567"],
        "work_phone": [None, "8 7172 12 34 56"],
        "manager_full_name": ["Петрова Анна", "Ахметов Ерлан"],
    })


def test_the_filled_call_list_is_read_back_by_the_phone_survey_ingestion(tmp_path):
    frame = call_list_frame(_sample_rows())
    assert list(frame.columns) == [spec.name for spec in input_columns("phone_survey")]
    assert frame["region"].tolist() == ["Акмолинская область", "город Алматы"]  # official order
    # the call centre fills in the answers
    frame.loc[0, ["call_outcome", "q1_received", "q2_quality", "q3_helped", "q4_interested", "q4_instrument"]] = [
        "Ответил", "Да", "4", "Частично", "Да", "Получение грантового финансирования"]
    frame.loc[1, "call_outcome"] = "Не отвечает"
    frame["call_date"] = [date(2019, 4, 3), date(2019, 4, 4)]
    path = tmp_path / "call_lists" / "2019-Q1.xlsx"
    write_call_list(path, frame, "2019-Q1", ["Ответил", "Не отвечает", "Отказ от опроса", "Неверный номер"],
                    ["Получение грантового финансирования"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temporary left
    result = read_input(path, "phone_survey")
    assert result.header_row == 2 and result.file_rows == 2 and not result.extra_columns
    rows = result.rows.to_pylist()
    assert rows[0]["source_row"] == 3
    assert rows[0]["question_1"] == "Получали ли Вы консультацию либо услугу 01.03.2019 в с. Акмол " \
        "(мобильный центр поддержки предпринимательства)?"
    assert [rows[0][c] for c in ("call_outcome", "q1_received", "q2_quality", "q3_helped", "q4_interested")] == [
        "Ответил", "Да", "4", "Частично", "Да"]
    assert rows[1]["call_outcome"] == "Не отвечает" and rows[1]["q1_received"] is None
    assert rows[1]["iin_bin"] == "791028302728" and rows[1]["service_date"] == "2019-02-14"
    assert np.all([r["call_date"] is not None for r in rows])


def test_a_call_list_cell_starting_like_a_formula_stays_text(tmp_path):
    """A name, settlement or manager typed as '=…', '+…', '-…' or '@…' in the registry reaches the
    call list as text with Excel's quote prefix, never as a formula the call centre's Excel runs."""
    frame = call_list_frame(_sample_rows())
    frame.loc[0, "client_full_name"] = '=HYPERLINK("http://x","y")'
    frame.loc[1, "settlement"] = "+7 701 111 22 33"
    frame.loc[1, "manager_full_name"] = "@SUM(A1)"
    frame.loc[0, "settlement"] = "-"
    path = tmp_path / "call_lists" / "2019-Q1.xlsx"
    write_call_list(path, frame, "2019-Q1", ["Ответил"], ["Получение грантового финансирования"])
    sheet = openpyxl.load_workbook(path).worksheets[0]
    titles = [cell.value for cell in sheet[2]]
    by_name = {spec.name: titles.index(spec.title_ru) + 1 for spec in input_columns("phone_survey")}
    cells = {(row, name): sheet.cell(row, by_name[name]) for row in (3, 4)
             for name in ("client_full_name", "settlement", "manager_full_name", "region")}
    for key, value in [((3, "client_full_name"), '=HYPERLINK("http://x","y")'),
                       ((4, "settlement"), "+7 701 111 22 33"), ((4, "manager_full_name"), "@SUM(A1)"),
                       ((3, "settlement"), "-")]:
        assert cells[key].value == value and cells[key].data_type == "s" and cells[key].quotePrefix, key
    assert not cells[(3, "region")].quotePrefix  # plain text is written plain
    with zipfile.ZipFile(path) as package:
        assert b"<f>" not in package.read("xl/worksheets/sheet1.xml")  # no formula anywhere


@pytest.mark.parametrize("by_centre_kind", [False, True])
def test_the_warehouse_draw_is_the_frame_draw(by_centre_kind):
    # Production draws in DuckDB (sample_period) and fetches only the drawn rows; it must pick
    # exactly the clients draw_sample picks from the whole frame of the period's clients.
    rng = np.random.default_rng(5)
    n = 4000
    services = pd.DataFrame({
        "service_id": [f"b:{i}" for i in range(n)],
        "client_key": [f"{rng.integers(0, 10**12):012x}" for _ in range(n)],
        "end_date": pd.to_datetime("2019-01-01") + pd.to_timedelta(rng.integers(0, 120, n), unit="D"),
        "region_code": rng.choice(["11", "15", "75", None], n, p=[0.5, 0.3, 0.15, 0.05]),
        "centre_kind": rng.choice(["cop", "cpp", None], n),
    })
    for column in ("region", "region_sort_order", "place_code", "service", "service_subtype",
                   "settlement", "batch_id", "source_row"):
        services[column] = None
    settings = SamplingSettings(by_centre_kind=by_centre_kind, margin=0.15)
    with duckdb.connect() as con:
        con.execute("create schema intermediate")
        con.execute("create table intermediate.int_services_counted as select * from services")
        expected, expected_strata = draw_sample(period_clients(con, date(2019, 1, 1), date(2019, 3, 31)),
                                                "2019-Q1", settings)
        sample, strata = sample_period(con, date(2019, 1, 1), date(2019, 3, 31), "2019-Q1", settings)
    assert strata == expected_strata
    assert len(strata) >= 4 and any(s.calls < s.population for s in strata)  # a real draw, not all
    assert sample["service_id"].tolist() == expected["service_id"].tolist()
    assert list(sample.columns) == list(expected.columns)


def test_a_list_already_written_is_kept_and_not_drawn_again(tmp_path):
    # the call centre may be working from it; and a build must not redraw every earlier quarter
    path = tmp_path / "2019-Q1.xlsx"
    path.write_bytes(b"the list the call centre has")
    with duckdb.connect() as con:  # no counted services at all: a draw would fail
        result = produce_call_list(con, tmp_path, "2019-Q1", date(2019, 1, 1), date(2019, 3, 31),
                                   SamplingSettings())
    assert not result.written and result.strata == []
    assert path.read_bytes() == b"the list the call centre has"
