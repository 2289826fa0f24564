"""Issue 20: periods closed by the calendar, identifiers per the law, deadline-dependent statuses.

A small registry year goes through the real raw layer (``load_batch``, as ingestion writes it),
the deadlines (``write_registry_deadlines``, as the Dagster asset writes them), the full dbt
build, the letters, the publish step and the report writer, evaluated on 10 April 2019 — the
day the Q1 report is produced in operation:

- January on time (with a КХ carrying its head's IIN, an ИП in joint entrepreneurship with a
  BIN, and a ТОО with an IIN, which the law does not allow);
- February with an error, corrected within the window (version 2 counts);
- March received on 5 April, after its deadline of 1 April (left out, clause 10), with an
  error whose letter's correction deadline (11 April) has not passed on 10 April;
- nothing after March.

The expected figures are recomputed here with pandas from the rows written, never read from
the marts.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pytest
from docx import Document
from python_calamine import CalamineWorkbook
from registry_fixture import FIRST_DATA_ROW, GOOD_ROW, _input_table, dbt, load_rows, service_day

from orchestration.defs.assets.dbt import RULE_CHECKS_SELECTION, dbt_project, nodes_after_rule_checks
from orchestration.defs.assets.publish import publish_analytics
from orchestration.outputs.letters import produce_letters
from orchestration.outputs.reports import write_report
from orchestration.rules.identifiers import make_bin, make_iin
from orchestration.rules.timeliness import write_registry_deadlines

ALMATY = ZoneInfo("Asia/Almaty")
EVALUATED = datetime(2019, 4, 10, tzinfo=ALMATY)
AFTER_MARCH_CORRECTION = datetime(2019, 4, 12, tzinfo=ALMATY)


def _first(make, *args, start: int = 1) -> str:
    """The first serial from ``start`` that gives a valid number (an unissuable serial gives None)."""
    return next(n for serial in range(start, start + 100) if (n := make(*args, serial)) is not None)


# The client row's birth date and gender (GOOD_ROW: 02.07.1990, female) match these IINs.
KH_HEAD_IIN = _first(make_iin, date(1990, 7, 2), False)
TOO_IIN = _first(make_iin, date(1990, 7, 2), False, start=5555)
IP_JOINT_BIN = _first(make_bin, date(2015, 3, 1), 6, 0)  # type 6: joint individual entrepreneurship
TOO_BIN = _first(make_bin, date(2010, 4, 1), 4, 0, start=777)  # type 4: resident legal entity

# (overrides, counted?) per registry row; the second element is the law's answer, by hand.
JANUARY = [
    ({}, True),  # ТОО with its BIN (GOOD_ROW)
    ({"legal_form": "КХ", "enterprise_name": "КХ «Береке»", "iin_bin": KH_HEAD_IIN}, True),
    ({"legal_form": "ИП", "enterprise_name": "ИП «Жулдыз»", "iin_bin": IP_JOINT_BIN}, True),
    ({"legal_form": "ТОО", "iin_bin": TOO_IIN}, False),  # a legal entity needs a BIN
    ({"iin_bin": TOO_BIN}, True),
]
FEBRUARY_V1 = [({}, True), ({"iin_bin": "100440000015"}, False)]  # wrong check digit: a letter
FEBRUARY_V2 = [({}, True), ({"iin_bin": TOO_BIN}, True), ({"legal_form": "КХ", "iin_bin": KH_HEAD_IIN}, True)]
MARCH = [({}, True), ({"region": "Марс"}, False)]  # late: nothing of it counts
SUBMITTED = {
    ("2019-01", 1): datetime(2019, 2, 1, 10, tzinfo=ALMATY),
    ("2019-02", 1): datetime(2019, 3, 1, 10, tzinfo=ALMATY),
    # letter due Monday 4 March; correction within 5, 6, 7 March (8 March is a holiday)
    ("2019-02", 2): datetime(2019, 3, 5, 10, tzinfo=ALMATY),
    # due 1 April: late; letter due Monday 8 April, correction due 11 April
    ("2019-03", 1): datetime(2019, 4, 5, 10, tzinfo=ALMATY),
}
REGISTRIES = {("2019-01", 1): JANUARY, ("2019-02", 1): FEBRUARY_V1, ("2019-02", 2): FEBRUARY_V2,
              ("2019-03", 1): MARCH}
USED = {("2019-01", 1), ("2019-02", 2)}  # the versions the report may use, by hand (clauses 7, 9, 10)


def _rows(period: str, spec: list[tuple[dict[str, str], bool]]) -> list[dict[str, str]]:
    rows = []
    for index, (override, _) in enumerate(spec):
        day = service_day(period, index)
        rows.append({**GOOD_ROW, "start_date": day, "end_date": day, "client_full_name": f"Клиент {index}",
                     **override})
    return rows


def _acts(period: str, rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{"act_number": f"{period}-{index}", "act_date": row["end_date"], "iin_bin": row["iin_bin"],
             "service": row["service"], "service_subtype": row["service_subtype"],
             "service_date": row["end_date"], "confirmation_method": "ЭЦП"}
            for index, row in enumerate(rows)]


def expected_counts() -> pd.DataFrame:
    """Services and distinct clients of the quarter, from the rows written (pandas, by hand)."""
    frames = []
    for (period, version), spec in REGISTRIES.items():
        frame = pd.DataFrame(_rows(period, spec))
        frame["counted"] = [counted for _, counted in spec]
        frame["period"], frame["version"] = period, version
        frames.append(frame)
    rows = pd.concat(frames, ignore_index=True)
    is_used = pd.Series([(p, v) in USED for p, v in zip(rows.period, rows.version, strict=True)], index=rows.index)
    used = rows[is_used & rows.counted]
    return pd.DataFrame({"services": [len(used)], "clients": [used.iin_bin.nunique()]})


def _build(warehouse, letters_dir, at) -> None:
    """A build in the order the build job runs it: dbt's rule checks, the letters, the deadlines
    (evaluated at ``at``), then the rest of dbt (orchestration/defs/assets/dbt.py)."""
    dbt(warehouse, "build", "--select", RULE_CHECKS_SELECTION, "--indirect-selection", "cautious",
        "--exclude-resource-type", "unit_test")
    with duckdb.connect(str(warehouse)) as con:
        produce_letters(con, letters_dir, at)
        write_registry_deadlines(con, at)
    dbt(warehouse, "build", "--select", nodes_after_rule_checks(dbt_project.manifest_path),
        "--exclude-resource-type", "unit_test")


@pytest.fixture(scope="module")
def small_year(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("calendar_periods")
    warehouse, analytics = data_dir / "warehouse.duckdb", data_dir / "analytics.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        for (period, version), spec in REGISTRIES.items():
            rows = _rows(period, spec)
            load_rows(con, "registry", period, version, SUBMITTED[(period, version)],
                      _input_table("registry", rows))
        for period in ("2019-01", "2019-02", "2019-03"):
            acts = [act for (p, _), spec in REGISTRIES.items() if p == period for act in _acts(p, _rows(p, spec))]
            unique = list({(a["iin_bin"], a["service_date"]): a for a in acts}.values())
            load_rows(con, "acts", period, 1, SUBMITTED[(period, 1)], _input_table("acts", unique))
    _build(warehouse, data_dir / "letters", EVALUATED)
    publish_analytics(warehouse, analytics)
    files = write_report(analytics, "2019-Q1", data_dir / "reports", make_pdf=False)
    return data_dir, warehouse, analytics, files


def _sheets(path) -> dict[str, list[list]]:
    workbook = CalamineWorkbook.from_path(str(path))
    return {name: workbook.get_sheet_by_name(name).to_python() for name in workbook.sheet_names}


def _table(sheets: dict[str, list[list]], title_start: str) -> list[list]:
    for name, rows in sheets.items():
        if name.startswith("Таблица") and str(rows[0][0]).split(" – ", 1)[1].startswith(title_start):
            return rows
    raise KeyError(title_start)


def _row(rows: list[list], label: str) -> list:
    return next(row for row in rows if row and row[0] == label)


NOTE = "(январь–март 2019\u00a0г.; март не включен: реестр представлен с нарушением срока)"


def test_q1_is_reportable_with_a_late_last_month_and_nothing_after_it(small_year):
    _, _, analytics, _ = small_year
    with duckdb.connect(str(analytics), read_only=True) as con:
        periods = con.execute(
            "select period_type, months_in_period, months_counted from reporting_periods "
            "where report_period = '2019-Q1' order by period_type").fetchall()
        later = con.execute("select count(*) from reporting_periods where report_period > '2019-Q1'").fetchone()
    assert periods == [("quarter", 3, 2), ("year_to_date", 3, 2)]
    assert later == (0,)  # Q2's cut-off (5 July) has not passed on 10 April


def test_the_report_s_figures_are_those_of_january_and_february(small_year):
    *_, files = small_year
    expected = expected_counts().iloc[0]
    sheets = _sheets(files.xlsx)
    clients = _table(sheets, "Количество клиентов, получивших услуги, по регионам")
    services = _table(sheets, "Количество оказанных услуг по видам услуг в разрезе регионов")
    assert _row(clients, "Итого по республике")[1] == expected.clients
    assert _row(services, "Итого по республике")[1] == expected.services
    assert expected.services == 7 and expected.clients == 4  # the scenario, as designed: 4 + 3 rows


def test_the_year_to_date_mart_counts_the_same_two_months(small_year):
    _, _, analytics, _ = small_year
    expected = expected_counts().iloc[0]
    with duckdb.connect(str(analytics), read_only=True) as con:
        rows = con.execute(
            "select period_type, clients from i1_clients_by_region where region_code is null "
            "and period_start = date '2019-01-01' and period_end = date '2019-03-31' order by 1").fetchall()
        services = con.execute(
            "select period_type, services from i7_services_by_type where region_code is null "
            "and service is null and period_start = date '2019-01-01' and period_end = date '2019-03-31' "
            "order by 1").fetchall()
    assert rows == [("quarter", expected.clients), ("year_to_date", expected.clients)]
    assert services == [("quarter", expected.services), ("year_to_date", expected.services)]


def test_every_statistical_heading_and_sheet_says_march_is_not_included(small_year):
    *_, files = small_year
    sheets = _sheets(files.xlsx)
    titles = [str(rows[0][0]) for name, rows in sheets.items() if name.startswith("Таблица")]
    statistical = [t for t in titles if t.split(" – ", 1)[1].startswith(("Количество", "Оценка", "Удовлетвор",
                                                                          "Заинтересованность", "Подтверждение"))]
    assert statistical and all(t.endswith(NOTE) for t in statistical), statistical
    contents = [str(row[1]) for row in sheets["Содержание"][4:] if row and row[1]]
    assert sum(t.endswith(NOTE) for t in contents) == len(statistical)
    document = Document(str(files.docx))
    captions = [p.text for p in document.paragraphs if p.text.startswith("Рисунок")]
    assert captions and all("март не включен: реестр представлен с нарушением срока" in c for c in captions)
    body = "\n".join(p.text for p in document.paragraphs)
    assert "Данные отсутствуют" not in body.split("3. Аудит качества")[0]


@pytest.mark.parametrize("identifier", ["КХ", "ИП"])
def test_kh_with_an_iin_and_ip_with_a_joint_bin_are_counted(small_year, identifier):
    _, warehouse, _, _ = small_year
    source_row = {"КХ": 1, "ИП": 2}[identifier] + FIRST_DATA_ROW
    with duckdb.connect(str(warehouse), read_only=True) as con:
        violations = con.execute(
            "select rule_id from intermediate.int_registry_rule_violations as v "
            "join staging.stg_raw__batches as b using (batch_id) "
            "where b.period = '2019-01' and v.source_row = ?", [source_row]).fetchall()
    assert violations == []


def test_too_with_an_iin_is_excluded(small_year):
    _, warehouse, _, _ = small_year
    with duckdb.connect(str(warehouse), read_only=True) as con:
        violations = con.execute(
            "select rule_id from intermediate.int_registry_rule_violations as v "
            "join staging.stg_raw__batches as b using (batch_id) "
            "where b.period = '2019-01' and v.source_row = ?", [3 + FIRST_DATA_ROW]).fetchall()
    assert violations == [("identifier_kind_mismatch",)]


def _letters(xlsx) -> dict[str, list]:
    rows = _table(_sheets(xlsx), "Письма-уведомления")
    return {str(row[0]): row for row in rows[4:] if row and row[0]}


def test_a_correction_not_yet_due_is_awaited_then_not_received(small_year):
    data_dir, warehouse, analytics, files = small_year
    letters = _letters(files.xlsx)
    assert letters["Февраль 2019\u00a0г."][-1] == "в срок"
    assert letters["Март 2019\u00a0г."][-1] == "ожидается"  # due 11 April, evaluated 10 April
    _build(warehouse, data_dir / "letters", AFTER_MARCH_CORRECTION)
    publish_analytics(warehouse, analytics)
    later = write_report(analytics, "2019-Q1", data_dir / "reports_later", make_pdf=False)
    assert _letters(later.xlsx)["Март 2019\u00a0г."][-1] == "не получено"


# The cut-offs by hand (clauses 7-9): Q1 — March's registry due Monday 1 April 2019, a letter by
# 2 April, a correction by 5 April; the final report — November's due Sunday 1 December, 2 December
# a day off (moved from 1 December), a letter by 3 December, a correction by 6 December.
@pytest.mark.parametrize(("period", "last_open", "first_closed", "cutoff"), [
    ("2019-Q1", datetime(2019, 4, 5, 23, 59, tzinfo=ALMATY), datetime(2019, 4, 6, tzinfo=ALMATY), "05.04.2019"),
    ("2019-final", datetime(2019, 12, 6, 23, 59, tzinfo=ALMATY), datetime(2019, 12, 7, tzinfo=ALMATY), "06.12.2019"),
])
def test_a_report_is_refused_until_its_cut_off_has_passed_and_the_database_holds_the_period(
        period, last_open, first_closed, cutoff):
    from orchestration.outputs.reports.closure import refusals

    [refusal] = refusals([period], last_open, closed_in_database={period})
    assert "период еще не закрыт" in refusal.message_ru() and f"истекает {cutoff}" in refusal.message_ru()
    assert refusals([period], first_closed, closed_in_database={period}) == []
    [refusal] = refusals([period], first_closed, closed_in_database=set())
    assert f"истек {cutoff}, но аналитическая база собрана до этого срока" in refusal.message_ru()
