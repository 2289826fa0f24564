"""The sample year with the data-quality anomalies planted (issue 24), through the real pipeline.

`make demo` generates its year with the generator's anomalies (orchestration/tools/sample_data/
anomalies.py, on from 1000 rows a month): a manager new that month with 40 services on one day,
10 services dated 1 January, a centre whose month is five times its usual volume, a region whose
third quarter drops by half, a region-month whose acts confirm 60 % of its services. This module
generates such a year (1000 rows a month, the seed of the session's clean year), runs it through
the Dagster jobs as `make demo` does and checks:

- the six marts flag the planted anomalies: the deterministic families exactly (the one manager-day
  overload, the one region-month outside the acts band, the one region-quarter out of line); the
  statistical outliers with the planted centre-month flagged and the others at the clean year's
  false-positive rate;
- the operator's scorecard (annex Г of each report, sheet «Оценка работы оператора» of its
  workbook), read back from the .docx (python-docx) and the .xlsx (python-calamine): every figure
  equals a recomputation from the generator's truth (submissions, defects, services) and the raw
  registry rows (managers' names), with the Python calendar — tests/scorecard_truth.py, shared
  with tests/test_simulated_year.py, which applies it as of each revision's time; here everything
  is in — except the risk list, compared with dq_risk_list by SQL; the sheet's name fits Excel;
  no person appears.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest
import yaml
from docx import Document
from docx.oxml.ns import qn
from pipeline_fixture import read_dq_marts, run_pipeline_year
from python_calamine import CalamineWorkbook
from scorecard_truth import (
    month_rates,
    original_rows,
    original_rule_hits,
    pattern_counts,
    rate_totals,
    with_managers,
)

from orchestration.rules.calendar import kazakhstan_calendar
from orchestration.tools.sample_data import GeneratorConfig

CONFIG = GeneratorConfig(year=2019, rows_per_month=1000, defect_rate=0.06, seed=11, anomalies=True)
PERIODS = ("2019-Q1", "2019-Q2", "2019-Q3", "2019-final")
ROOT = Path(__file__).resolve().parents[1]
VARS = yaml.safe_load((ROOT / "dbt_project" / "dbt_project.yml").read_text())["vars"]
SEEDS = ROOT / "dbt_project" / "seeds"
CALENDAR = kazakhstan_calendar(2019, 2020)
NBSP, DASH = "\u00a0", "–"
MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
          "октябрь", "ноябрь", "декабрь")
SHEET = "Оценка работы оператора"
ANNEX = "Приложение Г. Оценка работы оператора нефинансовой поддержки"
MAX_FALSE_POSITIVE_RATE = 0.1  # as on the clean year (test_data_quality_clean_year.py)
ACTS_MISSING = 0.4  # of the planted region-month's services (and its few act-side defects)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    saved = {k: os.environ.get(k) for k in ("MONITORING_DATA_DIR", "MONITORING_WAREHOUSE_PATH")}
    data_dir = tmp_path_factory.mktemp("anomalies") / "data"
    with dg.instance_for_test() as instance:
        yield run_pipeline_year(data_dir, instance, CONFIG)
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="module")
def planted(run) -> pd.DataFrame:
    return pd.read_csv(run.settings.data_dir / "sample_truth" / "anomalies.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def marts(run) -> dict[str, pd.DataFrame]:
    return read_dq_marts(run.settings.analytics_path)


@pytest.fixture(scope="module")
def counted(run) -> pd.DataFrame:
    """The counted services of the truth, with each row's manager as the raw registry holds it."""
    truth = run.services
    with duckdb.connect(str(run.settings.warehouse_path), read_only=True) as con:
        managers = con.execute("select b.source_file, r.source_row, r.manager_full_name from raw.registry_rows r "
                               "join raw.batches b using (batch_id)").df()
    return with_managers(truth[truth.in_report], managers)


def _one(planted: pd.DataFrame, anomaly: str) -> pd.Series:
    return planted[planted.anomaly == anomaly].iloc[0]


# --- the planted anomalies, flagged ---------------------------------------------------------------


def test_the_truth_lists_each_planted_anomaly(planted):
    assert set(planted.anomaly) == {"manager_day_overload", "new_year_block", "centre_surge", "region_drop",
                                    "acts_gap"}
    assert int(_one(planted, "manager_day_overload").services) == 40
    assert int(_one(planted, "new_year_block").services) == 10
    assert len(planted[planted.anomaly == "region_drop"]) == 3  # the quarter's three months


def test_the_overloaded_manager_day_is_the_only_one(marts, planted):
    overload = _one(planted, "manager_day_overload")
    rows = marts["dq_implausible_patterns"]
    rows = rows[(rows.pattern == "manager_day_overload") & (rows.period_type == "month")]
    assert len(rows) == 1
    row = rows.iloc[0]
    assert (row.period_start.strftime("%Y-%m"), row.region_code, row.cases, row.services) == (
        overload.period, overload.region_code, 1, 40)
    assert "больше 16 за рабочий день" in row.explanation_ru


def test_the_new_year_block_is_flagged_with_every_other_day_off(marts, planted, counted):
    block = _one(planted, "new_year_block")
    off = counted[~counted.end.map(CALENDAR.is_working_day)]
    expected = off.groupby(["kato_code", "month"]).size().to_dict()
    rows = marts["dq_implausible_patterns"]
    rows = rows[(rows.pattern == "non_working_day") & (rows.period_type == "month")]
    got = {(r.region_code, r.period_start.date()): r.services for r in rows.itertuples()}
    assert got == expected
    on_new_year = counted[(counted.end == date(2019, 1, 1)) & (counted.kato_code == block.region_code)]
    assert len(on_new_year) >= 10 and got[(block.region_code, date(2019, 1, 1))] >= 10


def test_the_surging_centre_month_is_an_extreme_outlier(marts, planted, counted):
    surge = _one(planted, "centre_surge")
    outliers = marts["dq_outliers"]
    key = f"{surge.region_code}/{surge.place_code}"
    month = outliers[(outliers.unit_key == key) & (outliers.period_start.dt.strftime("%Y-%m") == surge.period)]
    assert set(month.measure) == {"services", "clients"}
    assert month.is_outlier.all() and month.is_extreme.all() and (month.modified_z > 0).all()
    services = month[month.measure == "services"].iloc[0]
    at_centre = counted[(counted.centre == key) & (counted.period == surge.period)]
    assert services.observed == len(at_centre) > 4 * services.history_median  # planted: five times the usual
    # the other scored unit-months: the clean year's false-positive rate
    others = outliers[outliers.modified_z.notna() & ~((outliers.unit_key == key)
                                                       & (outliers.period_start.dt.strftime("%Y-%m") == surge.period))]
    print(f"outliers besides the planted one: {int(others.is_outlier.sum())} of {len(others)} scored")
    assert others.is_outlier.mean() <= MAX_FALSE_POSITIVE_RATE


def test_the_halved_quarter_is_the_region_out_of_line(marts, planted):
    region = _one(planted, "region_drop").region_code
    consistency = marts["dq_consistency_over_time"]
    flagged = consistency[consistency.is_flagged]
    print("consistency flags:", sorted(zip(flagged.region_code, flagged.period_start.dt.month, flagged.measure,
                                           strict=True)))
    q3 = consistency[(consistency.period_start == pd.Timestamp(2019, 7, 1)) & (consistency.region_code == region)
                     & (consistency.measure == "services")].iloc[0]
    assert q3.is_flagged and q3.ratio < 0.6 and q3.deviation_from_national < -VARS["dq_consistency_max_deviation"]
    # (its clients repeat within a month, so their reference may fall below dq_consistency_min_reference)
    scored = consistency[consistency.ratio.notna()
                         & (consistency.reference_average >= VARS["dq_consistency_min_reference"])]
    others = scored[~((scored.region_code == region) & (scored.period_start == pd.Timestamp(2019, 7, 1)))]
    assert others.is_flagged.mean() <= MAX_FALSE_POSITIVE_RATE  # small regions' noise, as on the clean year


def test_the_acts_gap_is_the_only_region_month_outside_the_band(marts, planted, run):
    gap = _one(planted, "acts_gap")
    sources = marts["dq_source_consistency"]
    months = sources[sources.period_type == "month"]
    # every region-month's ratio from the truth: rows of the version used with no registry error,
    # confirmed by an act; flagged below the band (a tiny region-month may be too, by chance)
    truth = run.services
    act_side = ["act_missing", "act_date_mismatch", "act_service_mismatch"]
    used = truth[truth.version_used & (truth.row_ok | truth.defect_kind.isin(act_side))].copy()
    used["confirmed"] = ~used.defect_kind.isin(act_side)
    ratios = used.groupby(["kato_code", "period"]).confirmed.mean()
    expected = {key for key, ratio in ratios.items() if ratio < VARS["dq_acts_ratio_min"]}
    flagged = months[months.is_acts_ratio_flagged]
    assert {(r.region_code, r.period_start.strftime("%Y-%m")) for r in flagged.itertuples()} == expected
    assert (gap.region_code, gap.period) in expected
    assert ratios[(gap.region_code, gap.period)] == pytest.approx(1 - ACTS_MISSING, abs=0.1)


# --- the operator's scorecard in the report -------------------------------------------------------


def _window(period: str) -> list[tuple[str, date, date]]:
    """The scorecard's columns: the quarter and the year to date (one column for Q1)."""
    first, last = {"Q1": (1, 3), "Q2": (4, 6), "Q3": (7, 9), "final": (10, 11)}[period[5:]]
    end = date(2019, last + 1, 1).toordinal() - 1
    quarter = ("quarter", date(2019, first, 1), date.fromordinal(end))
    return [quarter] if first == 1 else [quarter, ("year_to_date", date(2019, 1, 1), date.fromordinal(end))]


def _header(start: date, end: date) -> str:
    first, last = MONTHS[start.month - 1], MONTHS[end.month - 1]
    return (first if first == last else f"{first}–{last}").capitalize()


def _months(start: date, end: date) -> list[date]:
    return [date(2019, m, 1) for m in range(start.month, end.month + 1)]


def _month_label(month: date) -> str:
    return f"{MONTHS[month.month - 1].capitalize()} 2019{NBSP}г."


def expected_rates(run) -> dict[date, dict[str, int]]:
    """Per month from the generator's truth (scorecard_truth.month_rates, everything in)."""
    return month_rates(run.truth.submissions, run.truth.defects, CALENDAR.is_working_day)


def expected_timeliness(run, period: str) -> tuple[dict, dict]:
    """The two tables of registries (timeliness; corrections): {(row label, column): value}."""
    rates = expected_rates(run)
    scopes = _window(period)
    ytd = _months(scopes[-1][1], scopes[-1][2])
    rows = [(_month_label(m), rate_totals(rates, [m])) for m in ytd]
    rows += [(f"Итого за {_header(start, end).lower()}", rate_totals(rates, _months(start, end)))
             for _, start, end in scopes]
    timeliness, corrections = {}, {}
    for label, r in rows:
        timeliness.update({(label, None, "Ожидалось реестров"): r["expected"], (label, None, "Получено"): r["received"],
                           (label, None, "Представлено в срок"): r["on_time"],
                           (label, None, "Доля представленных в срок"): ("share", r["on_time_rate"]),
                           (label, None, "Просрочка, рабочих дней"): r["late"]})
        corrections.update({(label, None, "Реестров с ошибками"): r["errors"],
                            (label, None, "Исправлено в срок"): r["corrected"],
                            (label, None, "Доля исправленных в срок"): ("share", r["corrected_rate"])})
    return timeliness, corrections


def expected_errors(run, period: str) -> dict:
    """Errors of the original registries (version 1) by rule, from the defects manifest."""
    rules = pd.read_csv(SEEDS / "validation_rules.csv")
    title = dict(zip(rules.rule_id, rules.title_ru, strict=True))
    hits = original_rule_hits(run.truth.defects, run.truth.submissions)
    out = {}
    for _, start, end in _window(period):
        group = _header(start, end)
        periods = [f"{m:%Y-%m}" for m in _months(start, end)]
        submitted = original_rows(run.truth.submissions, periods)
        out[("Записей в первоначальных реестрах", group, "Записей с ошибкой")] = submitted
        out[("Записей в первоначальных реестрах", group, "Доля записей")] = None
        for rule, n in hits[hits.period.isin(periods)].groupby("rule").size().items():
            out[(title[rule], group, "Записей с ошибкой")] = int(n)
            out[(title[rule], group, "Доля записей")] = ("share", n / submitted)
    return out


PATTERN_LABELS = {
    "outliers:centre": "Выбросы по центрам обслуживания (центр за месяц)",
    "outliers:manager": "Выбросы по менеджерам (менеджер за месяц)",
    "manager_day_overload": "Дни, в которые один менеджер оказал услуг больше, чем вмещает рабочий день",
    "non_working_day": "Услуги, датированные выходными и праздничными днями",
    "repeated_service": "Повторные услуги того же подвида тому же клиенту в течение недели",
    "minor_entrepreneur": "Услуги индивидуальным предпринимателям, не достигшим совершеннолетия",
}


def expected_patterns(counted: pd.DataFrame, period: str) -> dict:
    spans = [(start, end) for _, start, end in _window(period)]
    counts = pattern_counts(counted, spans, CALENDAR.is_working_day)
    out = {}
    for start, end in spans:
        header = _header(start, end)
        for key, label in PATTERN_LABELS.items():
            out[(label, None, header)] = counts[(start, end)][key]
        # the two rows share a label
        out[("из них крайние значения", None, header)] = tuple(
            counts[(start, end)][f"outliers:{kind}:extreme"] for kind in ("centre", "manager"))
    return out


def expected_risk(run, period: str) -> dict:
    """The top ten centres of dq_risk_list for the year to date (SQL here), labelled as printed."""
    _, start, end = _window(period)[-1]
    places = pd.read_csv(SEEDS / "places_of_service.csv").set_index("centre_kind").short_name_ru.to_dict()
    with duckdb.connect(str(run.settings.analytics_path), read_only=True) as con:
        names = dict(con.execute("select distinct region_code, region from i1_clients_by_region "
                                 "where region_code is not null and period_end = ?", [end]).fetchall())
        rows = con.execute(
            "select region_code, centre_kind, risk_rank, q1_answers, not_received_answers, non_receipt_rate, "
            "non_receipt_ci_low, non_receipt_ci_high, outlier_months, is_flagged from dq_risk_list "
            "where unit_kind = 'centre' and period_type = 'year_to_date' and period_start = ? and period_end = ? "
            "order by risk_rank limit 10",
            [start, end]).fetchall()
    out = {}
    for region, kind, rank, answers, no, rate, low, high, outliers, flagged in rows:
        label = f"{places[kind]} – {names.get(region, region)}"
        interval = DASH if low is None else f"{100 * low:.1f}–{100 * high:.1f}".replace(".", ",") + f"{NBSP}%"
        out.update({(label, None, "Место в списке"): rank, (label, None, "Опрошено клиентов"): answers,
                    (label, None, "Сообщили, что не получали услугу"): no,
                    (label, None, "Доля"): ("share", rate), (label, None, "Доверительный интервал"): interval,
                    (label, None, "Месяцев с выбросами"): outliers,
                    (label, None, "Требует проверки"): "да" if flagged else "нет"})
    return out


def read_sheet(path: Path) -> dict[str, dict]:
    """The scorecard sheet's tables by title: {(row label, group, column): cell}."""
    workbook = CalamineWorkbook.from_path(str(path))
    rows = workbook.get_sheet_by_name(SHEET).to_python()
    tables: dict[str, dict] = {}
    index = 0
    while index < len(rows):
        match = re.fullmatch(r"Таблица \d+ – (.*)", str(rows[index][0]))
        if not match:
            index += 1
            continue
        header, second = rows[index + 3], rows[index + 4]
        grouped = second[0] == ""
        keys, group = [], None
        for column in range(1, len(header)):
            if grouped:
                group = str(header[column]) or group
                keys.append((group, str(second[column])) if second[column] != "" else (None, str(header[column])))
            else:
                keys.append((None, str(header[column])))
        cells = {}
        index += 5 if grouped else 4
        while index < len(rows) and rows[index][0] not in ("", None):
            for (group, column), value in zip(keys, rows[index][1:], strict=False):
                if column:
                    cells.setdefault((str(rows[index][0]), group, column), []).append(value)
            index += 1
        tables[match[1]] = cells
    return tables


def read_annex(path: Path) -> tuple[list[str], dict[str, dict]]:
    """The annex's paragraphs and its tables by title (python-docx), as {(row, group, column): [cells]}."""
    document = Document(str(path))
    paragraphs, tables, title, inside = [], {}, "", False
    cells_of = iter(document.tables)
    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(t.text or "" for t in element.iter() if t.tag.endswith("}t"))
            style = element.find(qn("w:pPr") + "/" + qn("w:pStyle"))
            heading = style is not None and style.get(qn("w:val")).startswith("Heading")
            if heading and text.startswith("Приложение"):  # not the table of contents' line
                inside = text == ANNEX
            if inside:
                paragraphs.append(text)
                match = re.match(r"Таблица \d+ – (.*)", text)
                if match:
                    title = match[1]
        elif tag == "tbl":
            table = next(cells_of)
            if not inside:
                continue
            grid = [[cell.text for cell in row.cells] for row in table.rows]
            grouped = len(grid) > 1 and grid[1][0] == grid[0][0]
            cells = tables.setdefault(title, {})
            for row in grid[2 if grouped else 1:]:
                for column in range(1, len(row)):
                    group = grid[0][column] if grouped and grid[1][column] != grid[0][column] else None
                    name = grid[1][column] if grouped else grid[0][column]
                    cells.setdefault((row[0], group, name), []).append(row[column])
    return paragraphs, tables


def _number(raw: object) -> float | None:
    if raw is None or raw == "" or raw == DASH:
        return None
    if isinstance(raw, int | float):
        return float(raw)
    text = str(raw).replace(NBSP, "").replace(" ", "").replace("−", "-")
    if text.endswith("%"):
        return float(text[:-1].replace(",", ".")) / 100
    return float(text.replace(",", "."))


def _matches(raw: object, want: object, source: str) -> bool:
    if isinstance(want, tuple) and want and want[0] == "share":
        value = _number(raw)
        if want[1] is None:
            return value is None
        return value is not None and abs(value - want[1]) <= (1e-9 if source == "xlsx" else 0.0005 + 1e-9)
    if isinstance(want, str):
        return raw == want
    if want is None:
        return raw in ("", None, DASH)
    return _number(raw) == want


def _compare(printed: dict, expected: dict, where: str, source: str) -> None:
    assert printed, f"{where}: no table"
    missing = set(expected) - set(printed)
    assert not missing, f"{where}: not printed: {sorted(missing, key=str)[:5]}"
    for key, cells in printed.items():
        want = expected.get(key)
        if isinstance(want, tuple) and want and want[0] != "share":  # two rows sharing a label
            assert len(cells) == len(want) and all(_matches(c, w, source) for c, w in zip(cells, want, strict=True)), (
                where, key, cells, want)
            continue
        assert len(cells) == 1, (where, key, cells)
        assert key in expected, (where, "printed but not expected", key, cells)
        assert _matches(cells[0], want, source), (where, key, cells[0], want)


TITLES = ("Своевременность представления реестров оператором", "Исправление оператором реестров с ошибками",
          "Ошибки заполнения первоначальных реестров по видам проверок",
          "Выбросы и неправдоподобные закономерности в данных реестров")


@pytest.mark.parametrize("period", PERIODS)
def test_the_scorecard_equals_the_truth_in_the_document_and_the_workbook(run, counted, period):
    folder = run.settings.reports_dir / period
    timeliness, corrections = expected_timeliness(run, period)
    expected = dict(zip(TITLES, (timeliness, corrections, expected_errors(run, period),
                                 expected_patterns(counted, period)), strict=True))
    ytd = _window(period)[-1]
    risk_title = f"Центры обслуживания с наибольшим риском неподтверждения услуг, " \
                 f"{_header(ytd[1], ytd[2]).lower()} 2019{NBSP}г."
    expected[risk_title] = expected_risk(run, period)
    sheet = read_sheet(folder / f"report_{period}.xlsx")
    paragraphs, annex = read_annex(folder / f"report_{period}.docx")
    assert set(sheet) == set(annex) == set(expected)
    for title, want in expected.items():
        _compare(sheet[title], want, f"{period} xlsx «{title}»", "xlsx")
        _compare(annex[title], want, f"{period} docx «{title}»", "docx")
    # the annex says which months it covers
    months = ", ".join(MONTHS[m - 1] for m in range(1, ytd[2].month + 1))
    assert f"({months})" in paragraphs[1]
    assert sum(len(v) for v in expected.values()) > 60


def test_the_scorecard_sheet_is_named_within_excel_s_limit_and_listed(run):
    for period in PERIODS:
        workbook = CalamineWorkbook.from_path(str(run.settings.reports_dir / period / f"report_{period}.xlsx"))
        assert SHEET in workbook.sheet_names and len(SHEET) <= 31
        contents = [str(c) for row in workbook.get_sheet_by_name("Содержание").to_python() for c in row]
        assert sum(f"(лист «{SHEET}»)" in c for c in contents) == 5  # its five tables


def test_the_scorecard_names_no_person(run, planted):
    names = set(run.services.person_name.astype(str)) | set(run.services.client_id.astype(str))
    with duckdb.connect(str(run.settings.warehouse_path), read_only=True) as con:
        managers = {row[0] for row in con.execute("select distinct manager_full_name from raw.registry_rows "
                                                  "where manager_full_name is not null").fetchall()}
    names |= {m.lower() for m in managers} | set(planted.manager[planted.manager != ""].str.lower())
    for period in PERIODS:
        folder = run.settings.reports_dir / period
        workbook = CalamineWorkbook.from_path(str(folder / f"report_{period}.xlsx"))
        text = " ".join(str(c) for row in workbook.get_sheet_by_name(SHEET).to_python() for c in row)
        paragraphs, tables = read_annex(folder / f"report_{period}.docx")
        text += " ".join(paragraphs) + " ".join(str(k) + str(v) for t in tables.values() for k, v in t.items())
        lowered = text.lower()
        assert not [n for n in names if len(n) > 6 and n.lower() in lowered], period
        assert not re.search(r"(?<![\d.])\d{12}(?!\d)", text.replace(NBSP, ""))  # no IIN/BIN (shares are floats)
