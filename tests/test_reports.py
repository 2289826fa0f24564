"""The report (issue 6): every figure in the .docx and the .xlsx equals the marts.

The fixture analytics.duckdb is built by hand with chosen numbers (some republic totals
deliberately smaller than the sum of their rows, as distinct counts are), and the expected
texts are formatted here, independently of the code under test.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import openpyxl
import pytest
from docx import Document
from docx.oxml.ns import nsdecls
from lxml import etree
from python_calamine import CalamineWorkbook

from orchestration.outputs.docx_text import cell_text_xml
from orchestration.outputs.reports import build, parse_period, write_report, write_reports
from orchestration.outputs.reports.pdf import PdfConverter, convert_to_pdf, find_office

NB = "\u00a0"
AKM, KAR, TUR, ALM = "Акмолинская область", "Карагандинская область", "Туркестанская область", "город Алматы"
REGIONS = {AKM: ("11", 10), KAR: ("35", 70), TUR: ("61", 130), ALM: ("75", 160)}
OFFICIAL_ORDER = [AKM, KAR, TUR, ALM]
Q1, Q2, H1 = (
    ("quarter", "2019-01-01", "2019-03-31"),
    ("quarter", "2019-04-01", "2019-06-30"),
    ("year_to_date", "2019-01-01", "2019-06-30"),
)
Q1_YTD = ("year_to_date", "2019-01-01", "2019-03-31")
Q4, YTD_NOV = ("quarter", "2019-10-01", "2019-11-30"), ("year_to_date", "2019-01-01", "2019-11-30")
QUARTER, HALF = "Апрель–июнь", "Январь–июнь"  # the column headers of a 2019-Q2 report

# --- the hand-chosen figures: {period: {(region, dims…): count}}; None = the total row ---------

I1 = {
    Q2: {(AKM,): 1200, (KAR,): 2345, (TUR,): 987, (ALM,): 15000, (None,): 19400},  # 19 532 summed: ¹
    H1: {(AKM,): 2100, (KAR,): 4100, (TUR,): 1500, (ALM,): 26000, (None,): 33700},
    Q1: {(AKM,): 1000, (KAR,): 2000, (TUR,): 900, (ALM,): 12000, (None,): 15900},
    Q1_YTD: {(AKM,): 1000, (KAR,): 2000, (TUR,): 900, (ALM,): 12000, (None,): 15900},
    Q4: {(AKM,): 1100, (ALM,): 9000, (None,): 10100},
    YTD_NOV: {(AKM,): 5000, (ALM,): 50000, (None,): 54321},
}
SECTIONS = {
    "A": "Сельское, лесное и рыбное хозяйство",
    "C": "Обрабатывающая промышленность",
    "G": "Оптовая и розничная торговля; ремонт автомобилей и мотоциклов",
}
I2 = {
    Q2: {
        (AKM, "A"): 500,
        (AKM, "G"): 600,
        (AKM, None): 1100,
        (ALM, "C"): 3000,
        (ALM, "G"): 12000,
        (ALM, None): 14990,  # 15 000 summed: ²
        (None, "A"): 500,
        (None, "C"): 3000,
        (None, "G"): 12590,  # 12 600 summed over regions: ¹
        (None, None): 16080,
    },  # 16 090 over regions (¹) and over sections (²)
    H1: {
        (AKM, "A"): 800,
        (AKM, "G"): 900,
        (AKM, None): 1700,
        (ALM, "C"): 5000,
        (ALM, "G"): 20000,
        (ALM, None): 25000,
        (None, "A"): 800,
        (None, "C"): 5000,
        (None, "G"): 20900,
        (None, None): 26700,
    },
}
I3 = {
    Q2: {
        (KAR, "too"): 1500,
        (KAR, "ip"): 845,
        (KAR, None): 2345,
        (None, "too"): 1500,
        (None, "ip"): 845,
        (None, None): 2345,
    },
    H1: {
        (KAR, "too"): 2600,
        (KAR, "ip"): 1500,
        (KAR, None): 4100,
        (None, "too"): 2600,
        (None, "ip"): 1500,
        (None, None): 4100,
    },
}
I4 = {
    Q2: {
        (AKM, "male"): 700,
        (AKM, "female"): 480,
        (AKM, None): 1180,
        (TUR, "male"): 500,
        (TUR, "female"): 480,
        (TUR, None): 980,
        (None, "male"): 1200,
        (None, "female"): 950,
        (None, None): 2150,
    },  # 960 and 2160 summed: ¹ ¹
    H1: {
        (AKM, "male"): 1200,
        (AKM, "female"): 880,
        (AKM, None): 2080,
        (TUR, "male"): 800,
        (TUR, "female"): 700,
        (TUR, None): 1500,
        (None, "male"): 2000,
        (None, "female"): 1580,
        (None, None): 3580,
    },
}
AGES = {"63 года и старше": 6, "18–29 лет": 2, "30–35 лет": 3}  # stored out of order on purpose
I5 = {
    Q2: {
        (r, a): v
        for r in (None, ALM)
        for a, v in (("18–29 лет", 4000), ("30–35 лет", 3000), ("63 года и старше", 250), (None, 7250))
    },
    H1: {
        (r, a): v
        for r in (None, ALM)
        for a, v in (("18–29 лет", 6000), ("30–35 лет", 5000), ("63 года и старше", 400), (None, 11400))
    },
}
I6 = {
    Q2: {
        (AKM, "micro"): 1000,
        (AKM, "small"): 150,
        (AKM, "medium"): 50,
        (AKM, None): 1200,
        (ALM, "micro"): 12000,
        (ALM, "small"): 2500,
        (ALM, "medium"): 500,
        (ALM, None): 15000,
        (None, "micro"): 13000,
        (None, "small"): 2650,
        (None, "medium"): 550,
        (None, None): 16200,
    },
    H1: {
        (AKM, "micro"): 1800,
        (AKM, "small"): 250,
        (AKM, "medium"): 50,
        (AKM, None): 2100,
        (ALM, "micro"): 21000,
        (ALM, "small"): 4200,
        (ALM, "medium"): 800,
        (ALM, None): 26000,
        (None, "micro"): 22800,
        (None, "small"): 4450,
        (None, "medium"): 850,
        (None, None): 28100,
    },
}
ACC, LAW = "Бухгалтерские услуги", "Юридические услуги"
BOOKS, TAX, CONTRACTS = (
    "Ведение бухгалтерского учета",
    "Составление и сдача налоговой отчетности",
    "Составление и экспертиза договоров",
)
I7 = {
    Q2: {
        (AKM, ACC, None): 1300,
        (AKM, ACC, BOOKS): 800,
        (AKM, ACC, TAX): 500,
        (AKM, LAW, None): 200,
        (AKM, LAW, CONTRACTS): 200,
        (AKM, None, None): 1500,
        (TUR, ACC, None): 1000,
        (TUR, ACC, BOOKS): 1000,
        (TUR, LAW, None): 234,
        (TUR, LAW, CONTRACTS): 234,
        (TUR, None, None): 1234,
        (None, ACC, None): 2300,
        (None, ACC, BOOKS): 1800,
        (None, ACC, TAX): 500,
        (None, LAW, None): 434,
        (None, LAW, CONTRACTS): 434,
        (None, None, None): 2734,
    },
    H1: {
        (AKM, ACC, None): 2500,
        (AKM, ACC, BOOKS): 1500,
        (AKM, ACC, TAX): 1000,
        (AKM, LAW, None): 400,
        (AKM, LAW, CONTRACTS): 400,
        (AKM, None, None): 2900,
        (TUR, ACC, None): 1800,
        (TUR, ACC, BOOKS): 1800,
        (TUR, LAW, None): 500,
        (TUR, LAW, CONTRACTS): 500,
        (TUR, None, None): 2300,
        (None, ACC, None): 4300,
        (None, ACC, BOOKS): 3300,
        (None, ACC, TAX): 1000,
        (None, LAW, None): 900,
        (None, LAW, CONTRACTS): 900,
        (None, None, None): 5200,
    },
}
I8 = {
    Q2: {
        (r, p): v
        for r in (None, ALM)
        for p, v in (("operator", 20000), ("service_company", 5000), (None, 25000))
    },
    H1: {
        (r, p): v
        for r in (None, ALM)
        for p, v in (("operator", 35000), ("service_company", 8000), (None, 43000))
    },
}
I9 = {
    Q2: {
        (AKM, "Онлайн"): 300,
        (AKM, "Офлайн"): 1200,
        (AKM, None): 1500,
        (ALM, "Онлайн"): 9000,
        (ALM, "Офлайн"): 16000,
        (ALM, None): 25000,
        (None, "Онлайн"): 9300,
        (None, "Офлайн"): 17200,
        (None, None): 26500,
    },
    H1: {
        (AKM, "Онлайн"): 500,
        (AKM, "Офлайн"): 2400,
        (AKM, None): 2900,
        (ALM, "Онлайн"): 15000,
        (ALM, "Офлайн"): 28000,
        (ALM, None): 43000,
        (None, "Онлайн"): 15500,
        (None, "Офлайн"): 30400,
        (None, None): 45900,
    },
    Q1: {(None, "Онлайн"): 5000, (None, None): 20000},
    Q1_YTD: {(None, "Онлайн"): 5000, (None, None): 20000},
}
INDICATOR_TABLES = {  # table: (dimension columns, count column, figures)
    "i1_clients_by_region": ((), "clients", I1),
    "i2_clients_by_sector": (("oked_section",), "clients", I2),
    "i3_enterprises_by_legal_form": (("legal_form",), "enterprises", I3),
    "i4_persons_by_gender": (("gender",), "persons", I4),
    "i5_persons_by_age_group": (("age_group",), "persons", I5),
    "i6_clients_by_sme_category": (("sme_category",), "clients", I6),
    "i7_services_by_type": (("service", "service_subtype"), "services", I7),
    "i8_services_by_provider": (("provider",), "services", I8),
    "i9_services_by_channel": (("channel",), "services", I9),
}
# What a reader must see instead of the codes some marts carry.
LABELS = {
    "too": "ТОО",
    "ip": "ИП",
    "male": "Мужчины",
    "female": "Женщины",
    "micro": "Микропредпринимательство",
    "small": "Малое предпринимательство",
    "medium": "Среднее предпринимательство",
    "operator": "Оператор нефинансовой поддержки",
    "service_company": "Сервисные компании",
    "Онлайн": "Онлайн",
    "Офлайн": "Очно",
    **SECTIONS,
}


def nb(value: int) -> str:
    """The expected print of a count: groups of three separated by a non-breaking space."""
    digits = str(value)
    groups = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return NB.join(groups)


def build_analytics(path: Path, with_quality: bool = True, with_registries: bool = True) -> None:
    with duckdb.connect(str(path)) as con:
        for table, (dims, measure, figures) in INDICATOR_TABLES.items():
            extra = ""
            if dims == ("oked_section",):
                extra = ", oked_section_name varchar"
            if dims == ("age_group",):
                extra = ", age_group_sort_order integer"
            con.execute(
                f"create table {table} (period_type varchar, period_start date, period_end date, "
                "region varchar, region_code varchar, region_sort_order integer, "
                + "".join(f"{d} varchar, " for d in dims)
                + f"{measure} bigint{extra})"
            )
            for (period_type, start, end), rows in figures.items():
                for key, value in rows.items():
                    region, values = key[0], list(key[1:])
                    code, order = REGIONS.get(region, (None, None))
                    record = [period_type, start, end, region, code, order, *values, value]
                    if dims == ("oked_section",):
                        record.append(SECTIONS.get(values[0]))
                    if dims == ("age_group",):
                        record.append(AGES.get(values[0]))
                    con.execute(f"insert into {table} values ({', '.join('?' * len(record))})", record)
        # a month row must never be mistaken for a quarter
        con.execute(
            "insert into i1_clients_by_region values ('month', '2019-04-01', '2019-04-30', "
            "'город Алматы', '75', 160, 99999)"
        )
        if with_quality:
            _quality(con)
        if with_registries:
            _registries(con)


def _quality(con: duckdb.DuckDBPyConnection) -> None:
    columns = (
        "period_type varchar, period_start date, period_end date, region varchar, region_code varchar, "
        "region_sort_order integer, service varchar, measure varchar, measure_name varchar, unit varchar, "
        "n bigint, value double, ci_low double, ci_high double"
    )
    con.execute(f"create table q1_quality ({columns})")
    con.execute(f"create table q_service_confirmation ({columns})")
    score = ("overall", "Средняя оценка качества услуг (от 1 до 5)", "score")
    rows = [
        (*Q2, None, None, None, None, *score, 412, 4.36, 4.28, 4.44),
        (*H1, None, None, None, None, *score, 800, 4.40, 4.34, 4.46),
        (*Q2, None, None, None, ACC, *score, 200, 4.5, 4.4, 4.6),
        (*Q2, None, None, None, LAW, *score, 30, 3.9, 3.6, 4.2),
    ]
    con.executemany(f"insert into q1_quality values ({', '.join('?' * 14)})", rows)
    confirmed = ("confirmed", "Доля клиентов, подтвердивших получение услуги", "share")
    rows = [
        (*Q2, AKM, "11", 10, None, *confirmed, 50, 0.96, 0.86, 0.99),
        (*Q2, ALM, "75", 160, None, *confirmed, 120, 0.82, 0.74, 0.88),
        (*Q2, None, None, None, None, *confirmed, 170, 0.86, 0.80, 0.90),
        (*H1, None, None, None, None, *confirmed, 300, 0.88, 0.84, 0.91),
    ]
    # Almaty's share of clients denying the service lies wholly above the republic's (issue 22)
    denied = ("not_received", "Доля клиентов, сообщивших, что не получали услугу", "share")
    rows += [
        (*Q2, ALM, "75", 160, None, *denied, 120, 0.12, 0.08, 0.18),
        (*Q2, AKM, "11", 10, None, *denied, 50, 0.06, 0.02, 0.16),
        (*Q2, None, None, None, None, *denied, 170, 0.05, 0.03, 0.08),
    ]
    con.executemany(f"insert into q_service_confirmation values ({', '.join('?' * 14)})", rows)


def _registries(con: duckdb.DuckDBPyConnection) -> None:
    """The shapes of registry_versions_used, registry_timeliness, exclusions_summary, letters_sent
    and reporting_periods: January on time; February late (left out, R8); March corrected in time
    (version 2 used, version 1 superseded); April and June on time; May never received; July late
    (after the Q2 report's period). Timestamps are stored as instants and print in Almaty time."""
    con.execute("set TimeZone = 'UTC'")
    con.execute(
        "create table registry_versions_used (reporting_month date, version integer, due_at timestamptz, "
        "submitted_at timestamptz, status varchar, correction_status varchar, is_used_for_report boolean, "
        "is_month_version boolean, rows_ingested bigint, rows_counted bigint, rows_excluded bigint)"
    )
    con.executemany(
        "insert into registry_versions_used values (?, ?, ?::timestamptz, ?::timestamptz, ?, ?, ?, ?, ?, ?, ?)",
        [
            ("2019-01-01", 1, "2019-02-01 23:59:59+06", "2019-02-01 10:00+06", "on_time", None, True, True,
             5100, 5000, 100),
            ("2019-02-01", 1, "2019-03-01 23:59:59+06", "2019-03-04 10:00+06", "late", None, False, True,
             4800, 0, 4800),
            ("2019-03-01", 1, "2019-04-01 23:59:59+06", "2019-04-01 09:00+06", "on_time", None, False, False,
             5247, 0, 5247),
            ("2019-03-01", 2, "2019-04-01 23:59:59+06", "2019-04-05 12:00+06", "late", "corrected_in_time",
             True, True, 5247, 5200, 47),
            ("2019-04-01", 1, "2019-05-01 23:59:59+06", "2019-04-30 18:00+06", "on_time", None, True, True,
             5320, 5300, 20),
            ("2019-06-01", 1, "2019-07-01 23:59:59+06", "2019-07-01 08:00+06", "on_time", None, True, True,
             5400, 5400, 0),
            ("2019-07-01", 1, "2019-08-01 23:59:59+06", "2019-08-09 08:00+06", "late", None, False, True,
             5000, 0, 5000),
        ],
    )
    con.execute(
        "create table registry_timeliness (reporting_month date, version integer, due_at timestamptz, "
        "submitted_at timestamptz, status varchar, is_used_for_report boolean, violation_kind varchar, "
        "days_after_due integer)"
    )
    con.executemany(
        "insert into registry_timeliness values (?, ?, ?::timestamptz, ?::timestamptz, ?, ?, ?, ?)",
        [
            ("2019-01-01", 1, "2019-02-01 23:59:59+06", "2019-02-01 10:00+06", "on_time", True, None, None),
            ("2019-02-01", 1, "2019-03-01 23:59:59+06", "2019-03-04 10:00+06", "late", False, "late_registry", 3),
            ("2019-03-01", 1, "2019-04-01 23:59:59+06", "2019-04-01 09:00+06", "on_time", False, None, None),
            ("2019-03-01", 2, "2019-04-01 23:59:59+06", "2019-04-05 12:00+06", "late", True, None, 4),
            ("2019-04-01", 1, "2019-05-01 23:59:59+06", "2019-04-30 18:00+06", "on_time", True, None, None),
            ("2019-05-01", None, "2019-06-01 23:59:59+06", None, "missing", False, "missing_registry", None),
            ("2019-06-01", 1, "2019-07-01 23:59:59+06", "2019-07-01 08:00+06", "on_time", True, None, None),
            ("2019-07-01", 1, "2019-08-01 23:59:59+06", "2019-08-09 08:00+06", "late", False, "late_registry", 8),
        ],
    )
    con.execute(
        "create table exclusions_summary (reporting_month date, version integer, reason varchar, "
        "reason_name varchar, reason_sort_order integer, is_month_version boolean, rows_excluded bigint)"
    )
    con.executemany(
        "insert into exclusions_summary values (?, ?, ?, ?, ?, ?, ?)",
        [
            ("2019-01-01", 1, "iin_bin_check_digit", "Неверный контрольный разряд ИИН/БИН", 40, True, 100),
            ("2019-02-01", 1, "late_submission", "Реестр представлен с нарушением срока", 320, True, 4800),
            ("2019-03-01", 1, "version_superseded", "Версия реестра заменена более поздней", 310, False, 5247),
            ("2019-03-01", 2, "act_missing", "Услуга не подтверждена актом", 280, True, 35),
            ("2019-03-01", 2, "act_date_mismatch", "Дата услуги не совпадает с датой в акте", 290, True, 12),
            ("2019-03-01", 2, "iin_bin_check_digit", "Неверный контрольный разряд ИИН/БИН", 40, True, 0),
            ("2019-04-01", 1, "act_missing", "Услуга не подтверждена актом", 280, True, 20),
        ],
    )
    con.execute(
        "create table letters_sent (letter_number varchar, reporting_month date, version integer, "
        "letter_date date, error_rows bigint, error_count bigint, correction_due_at timestamptz, "
        "correction_version integer, correction_submitted_at timestamptz, correction_status varchar)"
    )
    con.executemany(
        "insert into letters_sent values (?, ?, ?, ?, ?, ?, ?::timestamptz, ?, ?::timestamptz, ?)",
        [
            ("Д-2019-01-v1", "2019-01-01", 1, "2019-02-04", 100, 100, "2019-02-07 23:59:59+06", None, None, None),
            ("Д-2019-03-v1", "2019-03-01", 1, "2019-04-02", 47, 52, "2019-04-05 23:59:59+06", 2,
             "2019-04-05 12:00+06", "corrected_in_time"),
            ("Д-2019-07-v1", "2019-07-01", 1, "2019-08-12", 3, 3, "2019-08-15 23:59:59+06", None, None, None),
        ],
    )
    con.execute(
        "create table reporting_periods (period_type varchar, period_start date, period_end date, "
        "report_period varchar, months_in_period integer, months_counted integer)"
    )
    con.executemany(
        "insert into reporting_periods values (?, ?, ?, ?, ?, ?)",
        [
            ("quarter", "2019-01-01", "2019-03-31", "2019-Q1", 3, 2),
            ("year_to_date", "2019-01-01", "2019-03-31", "2019-Q1", 3, 2),
            ("quarter", "2019-04-01", "2019-06-30", "2019-Q2", 3, 2),
            ("year_to_date", "2019-01-01", "2019-06-30", "2019-Q2", 6, 4),
        ],
    )


# --- reading the documents back -------------------------------------------------------------


def docx_tables(path: Path) -> dict[int, list[list[str]]]:
    """Table number → rows of cell texts; a table split into column parts is joined on the region."""
    doc = Document(str(path))
    result: dict[int, list[list[str]]] = {}
    number = None
    body = doc.element.body
    tables = iter(doc.tables)
    for element in body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(t.text or "" for t in element.iter() if t.tag.endswith("}t"))
            match = re.match(r"Таблица (\d+)", text)
            if match:
                number = int(match.group(1))
        elif tag == "tbl":
            table = next(tables)
            rows = [[cell.text for cell in row.cells] for row in table.rows]
            if number in result:  # a continuation: append its value columns to each row
                result[number] = [old + new[1:] for old, new in zip(result[number], rows, strict=True)]
            else:
                result[number] = rows
    return result


def find_table(tables: dict[int, list[list[str]]], first_header: str, must_contain: str) -> list[list[str]]:
    for rows in tables.values():
        if rows[0][0] == first_header and any(must_contain in cell for row in rows[:2] for cell in row):
            return rows
    raise AssertionError(f"no table headed {first_header!r} containing {must_contain!r}")


def cells_of(rows: list[list[str]], grouped: bool) -> dict[tuple[str, str | None, str], str]:
    """(row label, group, period column) → text, from a grid whose header has one or two rows."""
    body = rows[2:] if grouped else rows[1:]
    out = {}
    for row in body:
        for index in range(1, len(row)):
            group = rows[0][index] if grouped else None
            column = rows[1][index] if grouped else rows[0][index]
            out[(row[0], group, column)] = row[index]
    return out


def expected_regional(
    figures,
    marks: dict[tuple, str],
    regions: list[str],
    groups: list[str | None],
    label=lambda v: LABELS.get(v, v),
    width: int = 1,
) -> dict[tuple, str]:
    out = {}
    for region in [*regions, None]:
        for group in groups:
            for period, column in ((Q2, QUARTER), (H1, HALF)):
                key = (region, *(() if width == 0 else (group,) + (None,) * (width - 1)))
                value = figures[period].get(key)
                text = "–" if value is None else nb(value) + marks.get((region, group, column), "")
                row = region or "Итого по республике"
                out[(row, None if width == 0 else ("Всего" if group is None else label(group)), column)] = (
                    text
                )
    return out


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    base = tmp_path_factory.mktemp("report")
    build_analytics(base / "analytics.duckdb")
    files = write_report(
        base / "analytics.duckdb", "2019-Q2", base / "reports", make_pdf=False, generated=date(2019, 7, 10)
    )
    return files, docx_tables(files.docx)


# --- periods --------------------------------------------------------------------------------


def test_periods_quarters_year_to_date_and_the_final_report():
    q2 = parse_period("2019-Q2")
    assert (q2.quarter.start, q2.quarter.end) == (date(2019, 4, 1), date(2019, 6, 30))
    assert (q2.year_to_date.start, q2.year_to_date.end) == (date(2019, 1, 1), date(2019, 6, 30))
    assert (q2.previous_quarter.start, q2.previous_quarter.end) == (date(2019, 1, 1), date(2019, 3, 31))
    final = parse_period("2019-final")
    assert (final.quarter.start, final.quarter.end) == (date(2019, 10, 1), date(2019, 11, 30))
    assert final.year_to_date.end == date(2019, 11, 30) and final.is_final
    assert final.previous_quarter.end == date(2019, 9, 30)
    assert parse_period("2019-Q1").previous_quarter is None
    assert parse_period("2019-Q1").quarter_is_year_to_date
    for bad in ("2019-Q4", "2019-Q0", "2019", "19-Q1", "2019-annual"):
        with pytest.raises(ValueError):
            parse_period(bad)


# --- the tables -----------------------------------------------------------------------------


def test_i1_regions_in_official_order_with_distinct_total_and_its_footnote(report):
    files, tables = report
    rows = find_table(tables, "Регион", QUARTER)
    assert rows[0] == ["Регион", QUARTER, HALF]
    assert [r[0] for r in rows[1:]] == [*OFFICIAL_ORDER, "Итого по республике"]
    assert rows[1:] == [
        [AKM, f"1{NB}200", f"2{NB}100"],
        [KAR, f"2{NB}345", f"4{NB}100"],
        [TUR, "987", f"1{NB}500"],
        [ALM, f"15{NB}000", f"26{NB}000"],
        ["Итого по республике", f"19{NB}400¹", f"33{NB}700"],
    ]


@pytest.mark.parametrize(
    "table, first_header, probe, groups, marks",
    [
        (
            "i2_clients_by_sector",
            "Регион",
            SECTIONS["A"],
            ["A", "C", "G", None],
            {(None, "G", QUARTER): "¹", (ALM, None, QUARTER): "²", (None, None, QUARTER): "¹²"},
        ),
        ("i3_enterprises_by_legal_form", "Регион", "ТОО", ["too", "ip", None], {}),
        (
            "i4_persons_by_gender",
            "Регион",
            "Мужчины",
            ["male", "female", None],
            {(None, "female", QUARTER): "¹", (None, None, QUARTER): "¹"},
        ),
        (
            "i5_persons_by_age_group",
            "Регион",
            "18–29 лет",
            ["18–29 лет", "30–35 лет", "63 года и старше", None],
            {},
        ),
        (
            "i6_clients_by_sme_category",
            "Регион",
            "Микропредпринимательство",
            ["micro", "small", "medium", None],
            {},
        ),
        ("i7_services_by_type", "Регион", ACC, [ACC, LAW, None], {}),
        (
            "i8_services_by_provider",
            "Регион",
            "Сервисные компании",
            ["operator", "service_company", None],
            {},
        ),
        ("i9_services_by_channel", "Регион", "Очно", ["Офлайн", "Онлайн", None], {}),
    ],
)
def test_regional_tables_equal_the_fixture_with_footnotes_exactly_where_totals_differ(
    report, table, first_header, probe, groups, marks
):
    _, tables = report
    dims, _, figures = INDICATOR_TABLES[table]
    rows = find_table(tables, first_header, probe)
    assert [r[0] for r in rows[2:]] == [*OFFICIAL_ORDER, "Итого по республике"]
    # column groups in their natural order (codes and sort orders honoured), "Всего" last
    header_groups = list(dict.fromkeys(rows[0][1:]))
    assert header_groups == [LABELS.get(g, g) if g else "Всего" for g in groups]
    expected = expected_regional(figures, marks, OFFICIAL_ORDER, groups, width=len(dims))
    assert cells_of(rows, grouped=True) == expected


def test_national_tables_list_categories_and_sub_types(report):
    _, tables = report
    sectors = find_table(tables, "Отрасль экономики (секция ОКЭД)", QUARTER)
    assert sectors[1:] == [
        [SECTIONS["A"], "500", "800"],
        [SECTIONS["C"], f"3{NB}000", f"5{NB}000"],
        [SECTIONS["G"], f"12{NB}590", f"20{NB}900"],
        ["Всего", f"16{NB}080²", f"26{NB}700"],
    ]
    services = find_table(tables, "Вид услуги", QUARTER)
    assert services[1:] == [
        [ACC, f"2{NB}300", f"4{NB}300"],
        [BOOKS, f"1{NB}800", f"3{NB}300"],
        [TAX, "500", f"1{NB}000"],
        [LAW, "434", "900"],
        [CONTRACTS, "434", "900"],
        ["Всего", f"2{NB}734", f"5{NB}200"],
    ]
    ages = find_table(tables, "Возрастная категория", QUARTER)
    assert [r[0] for r in ages[1:]] == ["18–29 лет", "30–35 лет", "63 года и старше", "Всего"]
    forms = find_table(tables, "Организационно-правовая форма", QUARTER)
    assert forms[1:] == [
        ["ТОО", f"1{NB}500", f"2{NB}600"],
        ["ИП", "845", f"1{NB}500"],
        ["Всего", f"2{NB}345", f"4{NB}100"],
    ]


def test_footnote_texts_appear_only_under_tables_with_marks(report):
    files, _ = report
    doc = Document(str(files.docx))
    notes = [p.text for p in doc.paragraphs if p.text.startswith(("¹", "²"))]
    # i1 (¹), i2 national (²), i2 regional (¹ and ²), i4 (¹): five notes, no more
    assert sum(n.startswith("¹") for n in notes) == 3
    assert sum(n.startswith("²") for n in notes) == 2


def test_thousands_are_grouped_with_a_non_breaking_space(report):
    files, _ = report
    text = _visible_text(files.docx)
    assert f"19{NB}400" in text and f"15{NB}000" in text
    without_years = re.sub(r"\b(19|20)\d\d\b", "", text)  # years and dates are not grouped
    assert not re.search(r"\d{4,}", without_years), "ungrouped number"
    assert not re.search(r"\d \d{3}\b", text), "an ordinary space inside a number can wrap"


def test_headings_numbered_as_in_appendix_3(report):
    files, _ = report
    doc = Document(str(files.docx))
    level1 = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert level1[:4] == [
        "1. Введение",
        "2. Анализ статистических показателей",
        "3. Аудит качества реализации сервисной поддержки",
        "4. Заключение",
    ]
    assert [h.split(".")[0] for h in level1[4:]] == ["Приложение А", "Приложение Б", "Приложение В", "Приложение Г"]
    level2 = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    assert [h.split(" ")[0] for h in level2] == [
        "2.1.",
        "2.2.",
        "2.3.",
        "2.4.",
        "2.5.",
        "2.6.",
        "2.7.",
        "2.8.",
        "2.9.",
        "3.1.",
        "3.2.",
        "3.3.",
        "3.4.",
        "4.1.",
        "4.2.",
    ]


def test_no_latin_letters_anywhere_a_reader_looks(report):
    files, _ = report
    assert not re.findall(r"[A-Za-z]+", _visible_text(files.docx))
    workbook = CalamineWorkbook.from_path(str(files.xlsx))
    for name in workbook.sheet_names:
        assert not re.search(r"[A-Za-z]", name)
        for row in workbook.get_sheet_by_name(name).to_python():
            for value in row:
                assert not (isinstance(value, str) and re.search(r"[A-Za-z]", value)), value
    assert files.warnings == ()


def test_absent_marts_say_so_politely(report):
    files, _ = report
    doc = Document(str(files.docx))
    paragraphs = [p.text for p in doc.paragraphs]
    for heading in ("3.2.", "3.3."):  # the heading in the text, not its line in the table of contents
        index = next(i for i, p in enumerate(doc.paragraphs)
                     if p.style.name.startswith("Heading") and p.text.startswith(heading))
        assert paragraphs[index + 1] == "Данные отсутствуют."
    assert set(files.missing_tables) == {"q2_satisfaction", "q3_financial_support_interest"}


def test_quality_confirmation_and_conclusion(report):
    files, tables = report
    quality = find_table(tables, "Показатель", "Число ответов")
    assert quality[2] == [
        "Средняя оценка качества услуг (от 1 до 5)",
        "412",
        "4,4",
        "4,3–4,4",
        "800",
        "4,4",
        "4,3–4,5",
    ]
    confirmation = find_table(tables, "Регион", "Доверительный интервал")
    assert confirmation[2:] == [
        [AKM, "50", f"96,0{NB}%", f"86,0–99,0{NB}%", "–", "–", "–"],
        [KAR, "–", "–", "–", "–", "–", "–"],
        [TUR, "–", "–", "–", "–", "–", "–"],
        [ALM, "120", f"82,0{NB}%", f"74,0–88,0{NB}%", "–", "–", "–"],
        [
            "Итого по республике",
            "170",
            f"86,0{NB}%",
            f"80,0–90,0{NB}%",
            "300",
            f"88,0{NB}%",
            f"84,0–91,0{NB}%",
        ],
    ]
    text = _visible_text(files.docx)
    # the headings in the text, after their lines in the table of contents
    conclusion = text[text.rindex("4.1. Ключевые выводы") : text.rindex("4.2. Предложения")]
    assert f"наибольшее число клиентов за квартал – {ALM} (15{NB}000)".lower() in conclusion.lower()
    assert f"наименьшее – {TUR} (987)" in conclusion
    # like for like (issue 22): the quarter misses May and these marts hold no month rows for the
    # republic, so no change against the full first quarter is claimed
    assert "увеличилось" not in conclusion
    assert (f"Сравнение с предыдущим кварталом (январь–март 2019{NB}г.) на сопоставимой основе не "
            "проводится" in conclusion)
    assert f"онлайн-режиме, за апрель–июнь 2019{NB}г. – 35,1{NB}% (за январь–март 2019{NB}г. – 25,0{NB}%)" in conclusion
    # 3,6–4,2 lies wholly below the republic's 4,4: a significant difference, so the service is named
    assert f"Статистически значимо ниже среднего по республике (4,4) оценен вид услуг «{LAW}»: 3,9" in conclusion
    assert (f"за квартал – 5,0{NB}% (95-процентный доверительный интервал – 3,0–8,0{NB}%; "
            "число ответов – 170)" in conclusion)
    assert f"Статистически значимо выше среднего по республике – в регионах: {ALM}." in conclusion  # not Akmola
    assert (f"реестр за февраль 2019{NB}г. представлен 04.03.2019 10:00 при сроке до 01.03.2019 23:59 и в "
            "отчет не включен" in conclusion)  # July's late registry is not in H1
    assert f"реестр за май 2019{NB}г. не представлен (срок – до 01.06.2019 23:59)" in conclusion
    proposals = text[text.rindex("4.2. Предложения") : text.rindex("Приложение А.")]
    assert f"Провести выборочную проверку актов оказанных услуг в регионах: {ALM} (пункт 11 Методики)." in proposals
    assert "Проект предложений сформирован по установленным правилам" in proposals  # a draft, said so


def test_annexes_list_late_registries_exclusions_and_letters(report):
    _, tables = report
    late = find_table(tables, "Отчетный месяц", "Просрочка, дней")
    assert late[1:] == [
        [f"Февраль 2019{NB}г.", "1", "01.03.2019 23:59", "04.03.2019 10:00", "3",
         "реестр представлен с нарушением срока", "нет"],
        [f"Май 2019{NB}г.", "–", "01.06.2019 23:59", "–", "–", "реестр не представлен", "нет"],
    ]
    excluded = find_table(tables, "Причина исключения", "Апрель")
    assert excluded[0] == ["Причина исключения", "Апрель", "Май", "Июнь", HALF]
    assert excluded[1:] == [  # reasons in the rules' order; the superseded March original is not listed
        ["Неверный контрольный разряд ИИН/БИН", "–", "–", "–", "100"],
        ["Услуга не подтверждена актом", "20", "–", "–", "55"],
        ["Дата услуги не совпадает с датой в акте", "–", "–", "–", "12"],
        ["Реестр представлен с нарушением срока", "–", "–", "–", f"4{NB}800"],
        ["Итого", "20", "–", "–", f"4{NB}967"],
    ]
    letters = find_table(tables, "Отчетный месяц", "Дата письма")
    assert letters[1:] == [
        [f"Январь 2019{NB}г.", "1", "04.02.2019", "100", "100", "07.02.2019", "–", "не получено"],
        [f"Март 2019{NB}г.", "1", "02.04.2019", "47", "52", "05.04.2019", "05.04.2019 12:00", "в срок"],
    ]
    registries = find_table(tables, "Отчетный месяц", "Версия реестра")
    assert [r[1] for r in registries[1:]] == ["1", "1", "2", "1", "–", "1", ""]
    assert [r[3] for r in registries[1:]] == [
        "в срок", "с нарушением срока", "исправленный реестр в срок", "в срок", "не представлен", "в срок", "",
    ]
    assert registries[-1][5:] == [f"25{NB}867", f"20{NB}900", f"4{NB}967"]


def test_introduction_says_which_months_were_left_out_and_why(report):
    files, _ = report
    text = _visible_text(files.docx)
    assert (f"за апрель–июнь 2019{NB}г. – по 2 из 3; за январь–июнь 2019{NB}г. – по 4 из 6 месяцев." in text)
    assert (f"Реестр за февраль 2019{NB}г. представлен 04.03.2019 10:00 при сроке до 01.03.2019 "
            "включительно и в отчет не включен (пункт 10 Методики)." in text)
    assert f"Реестр за май 2019{NB}г. не представлен (пункт 7 Методики)." in text
    assert f"– 25{NB}867 записей: учтено в показателях – 20{NB}900, исключено – 4{NB}967" in text


def test_regions_are_keyed_by_code_and_named_as_at_the_period_end(tmp_path):
    """Code 71 is «город Нур-Султан» in the quarter and «город Астана» in a January month row:
    one row, named as in force at the end of the report's period."""
    build_analytics(tmp_path / "a.duckdb", with_quality=False, with_registries=False)
    with duckdb.connect(str(tmp_path / "a.duckdb")) as con:
        con.executemany(
            "insert into i1_clients_by_region values (?, ?, ?, ?, '71', 150, ?)",
            [("quarter", "2019-04-01", "2019-06-30", "город Нур-Султан", 70),
             ("year_to_date", "2019-01-01", "2019-06-30", "город Нур-Султан", 90),
             ("quarter", "2019-01-01", "2019-03-31", "город Нур-Султан", 20),
             ("month", "2019-01-01", "2019-01-31", "город Астана", 10)],
        )
    files = write_report(tmp_path / "a.duckdb", "2019-Q2", tmp_path / "out", make_pdf=False)
    rows = find_table(docx_tables(files.docx), "Регион", QUARTER)
    labels = [r[0] for r in rows[1:]]
    assert labels == [AKM, KAR, TUR, "город Нур-Султан", ALM, "Итого по республике"]
    assert rows[4][1:] == ["70", "90"]


# --- the workbook ---------------------------------------------------------------------------


def test_workbook_has_the_same_figures_russian_headers_and_frozen_rows(report):
    files, tables = report
    workbook = CalamineWorkbook.from_path(str(files.xlsx))
    assert workbook.sheet_names[0] == "Содержание"
    assert len(workbook.sheet_names) == 1 + files.tables
    for number, docx_rows in tables.items():
        sheet = workbook.get_sheet_by_name(f"Таблица {number}").to_python()
        assert sheet[0][0].startswith(f"Таблица {number} – ")
        header = 3
        grouped = len(docx_rows) > 1 and docx_rows[1][0] == docx_rows[0][0]
        data = sheet[header + (2 if grouped else 1) :]
        body = docx_rows[2 if grouped else 1 :]
        assert len(data) >= len(body)
        for docx_row, xlsx_row in zip(body, data, strict=False):
            assert xlsx_row[0] == docx_row[0]
            for text, value in zip(docx_row[1:], xlsx_row[1:], strict=False):
                assert _same(text, value), (number, docx_row[0], text, value)
    i1 = workbook.get_sheet_by_name("Таблица 2").to_python()
    assert i1[3][:3] == ["Регион", QUARTER, HALF]
    assert i1[4][:3] == [AKM, 1200, 2100] and i1[8][:3] == ["Итого по республике", 19400, 33700]
    sheet = openpyxl.load_workbook(files.xlsx)["Таблица 2"]
    assert sheet.freeze_panes == "B5"
    assert sheet["B5"].number_format == "#,##0"
    assert sheet["B9"].number_format == '#,##0"¹"'


# --- other periods, re-runs, the PDF ----------------------------------------------------------


def test_first_quarter_has_one_column_and_the_final_report_runs_to_november(tmp_path):
    build_analytics(tmp_path / "a.duckdb", with_quality=False, with_registries=False)
    q1 = write_report(tmp_path / "a.duckdb", "2019-Q1", tmp_path / "out", make_pdf=False)
    rows = find_table(docx_tables(q1.docx), "Регион", "Январь–март")
    assert rows[0] == ["Регион", "Январь–март"] and rows[-1] == ["Итого по республике", f"15{NB}900"]
    assert "первый в году" in _visible_text(q1.docx)
    final = write_report(tmp_path / "a.duckdb", "2019-final", tmp_path / "out", make_pdf=False)
    rows = find_table(docx_tables(final.docx), "Регион", "Октябрь–ноябрь")
    assert rows[0] == ["Регион", "Октябрь–ноябрь", "Январь–ноябрь"]
    assert rows[-1] == ["Итого по республике", f"10{NB}100", f"54{NB}321¹"]
    text = _visible_text(final.docx)
    assert "Итоговый годовой отчет за 2019 год" in text and "Данные отсутствуют." in text


def test_rerun_replaces_the_folder_atomically(tmp_path):
    build_analytics(tmp_path / "a.duckdb")
    out = tmp_path / "reports"
    first = write_report(tmp_path / "a.duckdb", "2019-Q2", out, make_pdf=False)
    (first.folder / "stale.txt").write_text("from an older run")
    second = write_report(tmp_path / "a.duckdb", "2019-Q2", out, make_pdf=False)
    assert second.folder == out / "2019-Q2"
    assert sorted(p.name for p in second.folder.iterdir()) == ["report_2019-Q2.docx", "report_2019-Q2.xlsx"]
    assert [p.name for p in out.iterdir()] == ["2019-Q2"]  # no temporary or retired folder left


@pytest.fixture
def office() -> str:
    """LibreOffice, which `make install` installs: without it the PDF tests fail, never skip."""
    path = find_office()
    assert path is not None, ("LibreOffice (soffice) is not on PATH: `make install` installs it "
                              "(Debian's libreoffice-writer-nogui), as root")
    return path


def test_pdf_is_skipped_with_a_message_without_libreoffice(tmp_path, monkeypatch):
    monkeypatch.setattr("orchestration.outputs.reports.pdf.shutil.which", lambda name: None)
    build_analytics(tmp_path / "a.duckdb", with_quality=False, with_registries=False)
    files = write_report(tmp_path / "a.duckdb", "2019-Q2", tmp_path / "out")
    assert files.pdf is None and "LibreOffice" in files.pdf_message and "not on PATH" in files.pdf_message


@pytest.mark.usefixtures("office")
def test_pdf_is_written_where_libreoffice_exists(report, tmp_path):
    files, _ = report
    copy = tmp_path / "copy.docx"
    copy.write_bytes(files.docx.read_bytes())
    result = convert_to_pdf(copy)
    assert result.path is not None and result.path.read_bytes()[:4] == b"%PDF"
    # the text in Times New Roman or its metric twin (make install's fonts-liberation2), so the
    # pages break as in Word; not a fallback serif of other widths
    fonts = set(re.findall(rb"/BaseFont\s*/[A-Z]{6}\+([A-Za-z-]+)", result.path.read_bytes()))
    assert fonts and all(name.startswith((b"LiberationSerif", b"TimesNewRoman")) for name in fonts), fonts


@pytest.mark.usefixtures("office")
def test_pdf_from_libreoffice_started_early_leaves_nothing_running(report, tmp_path):
    """The instance started ahead of the .docx converts it (or hands over) and then quits by itself."""
    files, _ = report
    copy = tmp_path / "early.docx"
    copy.write_bytes(files.docx.read_bytes())
    with PdfConverter() as converter:
        early, profile = converter.early, converter.folder
        result = converter.convert(copy)
    assert result.path is not None and result.path.read_bytes()[:4] == b"%PDF"
    assert early is None or early.poll() is not None  # gone, not killed later by its time limit
    assert profile is not None and not profile.exists()


@pytest.mark.usefixtures("office")
def test_libreoffice_started_early_but_never_asked_is_stopped(tmp_path):
    converter = PdfConverter()
    early, profile = converter.early, converter.folder
    converter.close()
    assert early is None or early.poll() is not None
    assert profile is not None and not profile.exists()


def _pdf_without_its_date_and_id(path: Path) -> bytes:
    """A PDF's bytes but for what LibreOffice writes differently every time: the creation date
    and the document id (and the checksum over them)."""
    data = path.read_bytes()
    data = re.sub(rb"/(CreationDate|ModDate)\(D:[^)]*\)", b"", data)
    data = re.sub(rb"/ID \[ <[0-9A-F]+>\s*<[0-9A-F]+> \]", b"", data)
    return re.sub(rb"/DocChecksum /[0-9A-F]+", b"", data)


@pytest.mark.usefixtures("office")
def test_one_libreoffice_converts_several_documents_as_the_plain_command_does(report, tmp_path):
    """The early instance stays up between documents, converts each one, and is gone after close;
    its PDFs are those of a LibreOffice started for the one document."""
    files, _ = report
    plain_dir, kept_dir = tmp_path / "plain", tmp_path / "kept"
    plain_dir.mkdir()
    kept_dir.mkdir()
    names = ["first.docx", "second.docx"]
    for name in names:
        (plain_dir / name).write_bytes(files.docx.read_bytes())
        (kept_dir / name).write_bytes(files.docx.read_bytes())
    with PdfConverter(documents=len(names)) as converter:
        early, profile = converter.early, converter.folder
        assert early is not None  # `timeout` is part of coreutils wherever LibreOffice runs here
        results = []
        for name in names:
            results.append(converter.convert(kept_dir / name))
            assert converter.ready and early.poll() is None  # handed over, and still up for the next
        pipe = converter._pipe_path()
        assert pipe.exists()  # the instance's single-instance pipe, named as computed
    assert early.poll() is not None and profile is not None and not profile.exists()
    assert not pipe.exists()
    for name, result in zip(names, results, strict=True):
        plain = convert_to_pdf(plain_dir / name)
        assert result.path == kept_dir / name.replace(".docx", ".pdf")
        assert plain.path is not None and result.path.read_bytes()[:4] == b"%PDF"
        assert _pdf_without_its_date_and_id(result.path) == _pdf_without_its_date_and_id(plain.path)


@pytest.mark.usefixtures("office")
def test_several_periods_are_converted_by_two_libreoffice_instances_in_turn(tmp_path, monkeypatch):
    """Each period gets its PDF, both instances convert (a free one takes the next .docx), and
    both are gone afterwards with their profiles."""
    build_analytics(tmp_path / "a.duckdb")
    started: list[PdfConverter] = []
    converted: dict[int, list[str]] = {}

    class Recorded(PdfConverter):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self)
            self.seen = (self.early, self.folder)

        def convert(self, docx_path):
            converted.setdefault(id(self), []).append(docx_path.name)
            return super().convert(docx_path)

    monkeypatch.setattr(build, "PdfConverter", Recorded)
    periods = ["2019-Q1", "2019-Q2", "2019-Q3"]
    written = write_reports(tmp_path / "a.duckdb", periods, tmp_path / "out")
    assert [f.period for f in written] == periods
    for files in written:
        assert files.pdf == files.folder / f"report_{files.period}.pdf"
        assert files.pdf.read_bytes()[:4] == b"%PDF"
    assert len(started) == build.PDF_CONVERTERS == 2
    assert sorted(name for names in converted.values() for name in names) == [f"report_{p}.docx" for p in periods]
    assert all(converted.get(id(converter)) for converter in started)  # each converted at least one
    for converter in started:
        early, profile = converter.seen
        assert early is None or early.poll() is not None
        assert profile is not None and not profile.exists()


def test_pdf_without_timeout_starts_nothing_early(tmp_path, monkeypatch):
    """Without coreutils' timeout an early instance could outlive a killed run: none is started."""
    real_which = shutil.which
    monkeypatch.setattr(
        "orchestration.outputs.reports.pdf.shutil.which", lambda name: None if name == "timeout" else real_which(name)
    )
    with PdfConverter() as converter:
        assert converter.early is None


def _zip_parts(path: Path) -> dict[str, bytes]:
    """A .docx or .xlsx part by part, but for the workbook's creation time (docProps/core.xml)."""
    with zipfile.ZipFile(path) as archive:
        return {name: re.sub(rb"<dcterms:(created|modified)[^<]*</dcterms:\1>", b"", archive.read(name))
                for name in archive.namelist()}


def test_several_periods_in_one_call_are_the_reports_written_one_by_one(tmp_path):
    build_analytics(tmp_path / "a.duckdb")
    together = write_reports(tmp_path / "a.duckdb", ["2019-Q1", "2019-Q2"], tmp_path / "together",
                             make_pdf=False, generated=date(2019, 7, 10))
    assert [f.period for f in together] == ["2019-Q1", "2019-Q2"]
    for files in together:
        alone = write_report(tmp_path / "a.duckdb", files.period, tmp_path / "alone", make_pdf=False,
                             generated=date(2019, 7, 10))
        assert files.folder == tmp_path / "together" / files.period
        assert sorted(p.name for p in files.folder.iterdir()) == sorted(p.name for p in alone.folder.iterdir())
        assert _zip_parts(files.docx) == _zip_parts(alone.docx)
        assert _zip_parts(files.xlsx) == _zip_parts(alone.xlsx)
        assert (files.tables, files.charts, files.missing_tables) == (alone.tables, alone.charts,
                                                                      alone.missing_tables)
    assert sorted(p.name for p in (tmp_path / "together").iterdir()) == ["2019-Q1", "2019-Q2"]


def test_a_period_failing_leaves_every_folder_as_it_was(tmp_path, monkeypatch):
    """The folders are swapped in only once every period is written: a failure in the second
    period leaves the first one's old folder in place and no temporary folder behind."""
    build_analytics(tmp_path / "a.duckdb")
    out = tmp_path / "reports"
    old = write_report(tmp_path / "a.duckdb", "2019-Q1", out, make_pdf=False)
    before = _zip_parts(old.docx)
    (old.folder / "from-the-old-run.txt").write_text("kept")
    real = build.read_figures

    def failing(path, period):
        if period.name == "2019-Q2":
            raise RuntimeError("the second period fails")
        return real(path, period)

    monkeypatch.setattr(build, "read_figures", failing)
    with pytest.raises(RuntimeError, match="second period"):
        write_reports(tmp_path / "a.duckdb", ["2019-Q1", "2019-Q2"], out, make_pdf=False)
    assert [p.name for p in out.iterdir()] == ["2019-Q1"]
    assert (out / "2019-Q1" / "from-the-old-run.txt").read_text() == "kept"
    assert _zip_parts(out / "2019-Q1" / "report_2019-Q1.docx") == before


@pytest.mark.usefixtures("office")
def test_one_run_materialises_each_period_with_its_own_files(tmp_path, monkeypatch):
    """A single-run backfill of two report partitions (as run_year asks for a year): one run,
    one materialisation per partition, each pointing at its own period's files."""
    import dagster as dg

    from orchestration.defs.assets.reports import REPORT_KEY, first_productions
    from orchestration.defs.definitions import build_definitions
    from orchestration.settings import Settings, load_settings

    data = tmp_path / "data"
    data.mkdir()
    build_analytics(data / "analytics.duckdb")
    monkeypatch.setenv("MONITORING_DATA_DIR", str(data))
    # these hand-made marts carry no Kazakh names (the Kazakh edition would refuse them): Russian only
    monkeypatch.setenv("MONITORING_REPORT_LANGUAGES", "ru")
    periods = ["2019-Q1", "2019-Q2"]
    defs = build_definitions(Settings(data_dir=data, hmac_key=load_settings().hmac_key))
    with dg.instance_for_test() as instance:
        result = defs.resolve_job_def("write_report").execute_in_process(
            instance=instance, tags={"dagster/asset_partition_range_start": periods[0],
                                     "dagster/asset_partition_range_end": periods[-1]})
        assert result.success
        records = instance.fetch_materializations(REPORT_KEY, limit=100).records
        assert sorted(r.partition_key for r in records) == periods  # each once
        assert {r.run_id for r in records} == {result.run_id}
        assert len(instance.get_runs()) == 1
        assert sorted(first_productions(instance, periods)) == periods  # what the due-date check reads
        for record in records:
            period, metadata = record.partition_key, record.asset_materialization.metadata
            folder = data / "reports" / period
            assert metadata["folder"].value == str(folder)
            assert metadata["docx"].value == str(folder / f"report_{period}.docx")
            assert metadata["xlsx"].value == str(folder / f"report_{period}.xlsx")
            quarter = {"2019-Q1": f"за 1-й квартал 2019{NB}года", "2019-Q2": f"за 2-й квартал 2019{NB}года"}[period]
            assert quarter in Document(metadata["docx"].value).core_properties.title
            workbook = openpyxl.load_workbook(metadata["xlsx"].value, read_only=True)
            assert metadata["tables"].value == len(workbook.sheetnames) - 1  # a sheet per table, and contents
            assert metadata["pdf"].value == str(folder / f"report_{period}.pdf")
            assert (folder / f"report_{period}.pdf").read_bytes()[:4] == b"%PDF"
        # as the quarterly schedule asks: one partition, one period written, its first production kept
        first = first_productions(instance, periods)
        again = defs.resolve_job_def("write_report").execute_in_process(instance=instance, partition_key="2019-Q2")
        assert again.success
        (latest,) = instance.fetch_materializations(REPORT_KEY, limit=1).records
        assert (latest.run_id, latest.partition_key) == (again.run_id, "2019-Q2")
        assert latest.asset_materialization.metadata["docx"].value == str(data / "reports/2019-Q2/report_2019-Q2.docx")
        assert len(instance.fetch_materializations(REPORT_KEY, limit=100).records) == 3
        assert first_productions(instance, periods) == first


def test_docx_header_cells_are_shaded_once_in_schema_order(report):
    """python-docx's merge-then-shade left repeated w:shd after w:vAlign; each header cell has one, before it."""
    files, _ = report
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    grouped = 0
    for table in Document(str(files.docx)).tables:
        for tr in table._tbl.tr_lst:
            header = tr.find(f"{w}trPr/{w}tblHeader") is not None
            for tc in tr.tc_lst:
                tags = [child.tag.rsplit("}", 1)[-1] for child in tc.tcPr]
                assert tags.count("shd") == (1 if header else 0)
                assert tags[0] == "tcW" and tags[-1] == "vAlign"
                grouped += "vMerge" in tags
    assert grouped  # the grouped regional tables were among them


def test_a_chart_is_drawn_once_and_is_what_savefig_draws_after_tight_layout(monkeypatch):
    """savefig draws a figure twice while a layout engine is set (tight_layout leaves one):
    the charts drop it once laid out, and the PNG is the one the plain calls make."""
    import io

    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    from orchestration.outputs.reports import charts

    labels, series = ["Акмолинская область", "город Алматы"], [("Услуги", [1200.0, 5.0])]

    def plain_png(fig):  # what _png did before: tight_layout, then savefig
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=charts.DPI)
        plt.close(fig)
        return buffer.getvalue()

    draws = []
    real_draw = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda fig, renderer: (draws.append(fig), real_draw(fig, renderer))[1])
    png = charts.horizontal_bars(labels, series, "услуг")
    assert len(draws) == 1
    assert png.startswith(b"\x89PNG")
    monkeypatch.setattr(charts, "_png", plain_png)
    assert charts.horizontal_bars(labels, series, "услуг") == png
    assert len(draws) == 3  # the plain calls draw twice


def test_docx_cell_text_keeps_tabs_and_line_breaks_as_python_docx_writes_them():
    def parts(run) -> list[tuple]:
        return [(child.tag, dict(child.attrib), child.text) for child in run]

    text = " a\tb\nc "
    expected = Document().add_paragraph().add_run(text)._r
    written = etree.fromstring(f"<w:r {nsdecls('w')}>{cell_text_xml(text)}</w:r>")
    assert parts(written) == parts(expected)
    assert [tag.rsplit("}", 1)[-1] for tag, _, _ in parts(written)] == ["t", "tab", "t", "br", "t"]


def _same(text: str, value: object) -> bool:
    """A .docx cell and the .xlsx cell of the same figure agree."""
    if text == "–":
        return value in ("", "–")
    if isinstance(value, str):
        return value == text
    plain = text.rstrip("¹²").replace(NB, "")
    if re.fullmatch(r"\d+", plain):
        return value == int(plain)
    if plain.endswith("%"):
        return f"{100 * value:.1f}".replace(".", ",") == plain[:-1]
    return f"{value:.1f}".replace(".", ",") == plain


def _visible_text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    for section in doc.sections:
        parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    parts += [doc.core_properties.title or "", doc.core_properties.author or ""]
    return "\n".join(parts)


# --- when reports are produced and when they are due ------------------------------------------


def _cron_times(expressions: str | list[str], start: datetime, count: int) -> list[datetime]:
    """The first ``count`` minutes from ``start`` (in its time zone) that any of the cron
    expressions names, read field by field (numbers, comma lists and '*': what the schedules
    use) — an independent reading of the cron strings, not Dagster's iterator."""
    def matches(field: str, value: int) -> bool:
        return field == "*" or value in {int(part) for part in field.split(",")}

    crons = [expressions] if isinstance(expressions, str) else list(expressions)
    found: list[datetime] = []
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    while len(found) < count:
        for cron in crons:
            minute, hour, day_of_month, month, weekday = cron.split()
            assert weekday == "*"
            if matches(day_of_month, day.day) and matches(month, day.month):
                found += [day.replace(hour=h, minute=m) for h in range(24) for m in range(60)
                          if matches(hour, h) and matches(minute, m) and day.replace(hour=h, minute=m) >= start]
        day = (day + timedelta(days=1)).replace(tzinfo=start.tzinfo)
    return sorted(found)[:count]


def test_report_schedule_ticks_before_each_due_date_and_requests_its_period():
    """10 April, 10 July, 10 October and 8 December at 09:00 Asia/Almaty; each tick asks for the
    partition of the report due that month (clause 12: by the 12th; the final one by 10 December)."""
    from zoneinfo import ZoneInfo

    import dagster as dg

    from orchestration.defs.definitions import build_definitions
    from orchestration.defs.schedules import report_schedule
    from orchestration.rules.deadlines import report_due_date

    almaty = ZoneInfo("Asia/Almaty")
    assert report_schedule.execution_timezone == "Asia/Almaty"
    first = _cron_times(report_schedule.cron_schedule, datetime(2024, 1, 1, tzinfo=almaty), 5)
    assert [(t.month, t.day, t.hour, t.minute) for t in first] == [
        (4, 10, 9, 0), (7, 10, 9, 0), (10, 10, 9, 0), (12, 8, 9, 0), (4, 10, 9, 0)
    ]
    assert all(t.utcoffset() == timedelta(hours=5) or t.utcoffset() == timedelta(hours=6) for t in first)
    assert first[-1].year == 2025
    expected = ["2024-Q1", "2024-Q2", "2024-Q3", "2024-final", "2025-Q1"]
    repository = build_definitions().get_repository_def()
    for tick, period in zip(first, expected, strict=True):
        with dg.build_schedule_context(scheduled_execution_time=tick, repository_def=repository) as context:
            request = report_schedule.evaluate_tick(context).run_requests[0]
        assert request.partition_key == period and request.run_key == period
        assert tick.date() < report_due_date(period)  # produced before it is due


def test_report_due_date_decision_at_chosen_dates():
    from zoneinfo import ZoneInfo

    from orchestration.outputs.reports.deadline import (
        LATE,
        NOT_DUE,
        ON_TIME,
        OVERDUE,
        report_deadline,
        report_deadlines,
    )

    almaty = ZoneInfo("Asia/Almaty")

    def at(*args):
        return datetime(*args, tzinfo=almaty)

    # Q1 2019 is due by the end of 12 April 2019 (Almaty)
    assert report_deadline("2019-Q1", None, at(2019, 4, 12, 23, 59)).state == NOT_DUE
    assert report_deadline("2019-Q1", None, at(2019, 4, 13, 0, 0)).state == OVERDUE
    assert report_deadline("2019-Q1", at(2019, 4, 10, 9, 5), at(2019, 4, 13)).state == ON_TIME
    assert report_deadline("2019-Q1", at(2019, 4, 12, 23, 0), at(2019, 4, 20)).state == ON_TIME
    late = report_deadline("2019-Q1", at(2019, 4, 13, 8, 0), at(2019, 4, 20))
    assert late.state == LATE and late.is_violation and late.due == date(2019, 4, 12)
    # a production after "now" is not yet known (evaluating the past)
    assert report_deadline("2019-Q1", at(2019, 4, 13, 8, 0), at(2019, 4, 13, 1, 0)).state == OVERDUE
    # the final report: 10 December; the day after, unproduced, it is overdue
    assert report_deadline("2019-final", None, at(2019, 12, 10, 18, 0)).state == NOT_DUE
    assert report_deadline("2019-final", None, at(2019, 12, 11, 0, 1)).state == OVERDUE
    states = report_deadlines(
        ["2019-Q2", "2019-Q1", "2019-Q3"], {"2019-Q1": at(2019, 4, 10, 9)}, at(2019, 10, 1)
    )
    assert [(d.period, d.state) for d in states] == [
        ("2019-Q1", ON_TIME), ("2019-Q2", OVERDUE), ("2019-Q3", NOT_DUE)
    ]


def test_report_deadline_sensor_flags_a_report_not_produced_and_then_stays_quiet(tmp_path, monkeypatch):
    import dagster as dg

    from orchestration.defs.assets.reports import DEADLINE_CHECK, REPORT_KEY, report_deadline_sensor
    from orchestration.defs.resources import MonitoringSettings

    data = tmp_path / "data"
    data.mkdir()
    build_analytics(data / "analytics.duckdb")  # reporting_periods: 2019-Q1 and 2019-Q2
    monkeypatch.setenv("MONITORING_EVALUATION_TIME", "2099-01-01T10:00:00+06:00")
    resources = {"monitoring": MonitoringSettings(data_dir=str(data))}
    with dg.instance_for_test() as instance:
        # Q1 produced today, years after its due date (late); Q2 never produced (overdue)
        instance.report_runless_asset_event(dg.AssetMaterialization(REPORT_KEY, partition="2019-Q1"))
        context = dg.build_sensor_context(instance=instance, resources=resources)
        result = report_deadline_sensor(context)
        assert isinstance(result, dg.SensorResult)
        (evaluation,) = result.asset_events
        assert evaluation.check_name == DEADLINE_CHECK and not evaluation.passed
        assert evaluation.severity == dg.AssetCheckSeverity.ERROR
        assert evaluation.metadata["overdue"].value == ["2019-Q2"]
        assert evaluation.metadata["late"].value == ["2019-Q1"]
        # the same state an hour later: nothing new to record
        again = report_deadline_sensor(dg.build_sensor_context(instance=instance, resources=resources,
                                                               cursor=context.cursor))
        assert isinstance(again, dg.SkipReason)
        # Q2 produced at last: no longer overdue, still late — a warning, recorded once
        instance.report_runless_asset_event(dg.AssetMaterialization(REPORT_KEY, partition="2019-Q2"))
        later = report_deadline_sensor(dg.build_sensor_context(instance=instance, resources=resources,
                                                               cursor=context.cursor))
        (evaluation,) = later.asset_events
        assert evaluation.severity == dg.AssetCheckSeverity.WARN
        assert evaluation.metadata["overdue"].value == []
        assert evaluation.metadata["late"].value == ["2019-Q1", "2019-Q2"]


# --- the form (issue 22) -----------------------------------------------------------------------


def test_title_page_contents_and_signature_come_from_the_settings(tmp_path, monkeypatch):
    """Addressee, outgoing number and the production year agree; the signatory and the executor
    are the settings' people; a table of contents lists the sections before the introduction."""
    build_analytics(tmp_path / "a.duckdb", with_quality=False)
    monkeypatch.setenv("MONITORING_REPORT_ADDRESSEE", "Министерство торговли и интеграции Республики Казахстан")
    monkeypatch.setenv("MONITORING_REPORT_SIGNATORY_NAME", "А. Б. Сейткали")
    monkeypatch.setenv("MONITORING_REPORT_SIGNATORY_POSITION", "Заместитель Председателя Правления")
    monkeypatch.setenv("MONITORING_REPORT_EXECUTOR_NAME", "Д. Е. Оспанова")
    monkeypatch.setenv("MONITORING_REPORT_EXECUTOR_POSITION", "главный менеджер")
    monkeypatch.setenv("MONITORING_REPORT_EXECUTOR_PHONE", "8 (727) 244-55-66")
    files = write_report(tmp_path / "a.duckdb", "2019-Q2", tmp_path / "out", make_pdf=False,
                         generated=date(2020, 7, 10))
    paragraphs = [p.text for p in Document(str(files.docx)).paragraphs]
    title = paragraphs[: paragraphs.index("Содержание")]
    assert "Министерство торговли и интеграции Республики Казахстан" in title
    assert f"Исх. №{NB}__________ от «____» ______________ 2020{NB}года" in title
    assert "Алматы, 2020" in title  # the production's year, not the reported one
    assert not any("2019" in line and "сформирован" in line for line in title)
    first = paragraphs.index("1. Введение")  # its line in the contents; then the heading itself
    contents = paragraphs[paragraphs.index("Содержание") + 1 : paragraphs.index("1. Введение", first + 1)]
    assert contents[:2] == ["1. Введение", "2. Анализ статистических показателей"]
    assert "4.2. Предложения (проект)" in contents
    text = "\n".join(paragraphs)
    assert "Заместитель Председателя Правления" in text
    assert "\t____________________\tА. Б. Сейткали" in text
    assert "Исполнитель: Д. Е. Оспанова, главный менеджер, тел. 8 (727) 244-55-66" in text
    monkeypatch.delenv("MONITORING_REPORT_SIGNATORY_NAME")
    files = write_report(tmp_path / "a.duckdb", "2019-Q2", tmp_path / "out", make_pdf=False,
                         generated=date(2020, 7, 10))
    text = "\n".join(p.text for p in Document(str(files.docx)).paragraphs)
    assert "Сейткали" not in text and "\t____________________\t____________________" in text  # a line to fill in
