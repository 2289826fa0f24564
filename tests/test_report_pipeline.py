"""The reports of a generated year, run through the real Dagster jobs (issue 6, "a test asserts
it on every table"): every figure of every table of each report — the .docx read back with
python-docx, the .xlsx with python-calamine — equals the analytics database.

The expected figures come from SQL written here over analytics.duckdb, not from the report's
own readers; the only things shared with the report are the conventions a reader sees
(Russian month names, "Итого по республике", the Russian words for statuses), spelled out
below. A table whose title this test does not know fails the test, so a new table cannot
slip in unchecked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pytest
from docx import Document
from python_calamine import CalamineWorkbook
from report_words import MONTHS, NBSP, months_phrase

PERIODS = ("2019-Q1", "2019-Q2", "2019-Q3", "2019-final")
DASH = "–"
MARKS = "¹²"
TOTAL_ROW, TOTAL_COLUMN, EXCLUDED_TOTAL = "Итого по республике", "Всего", "Итого"
# The report's display words for a few mart values (plural headings, a grammatical fix).
RELABEL = {"Мужской": "Мужчины", "Женский": "Женщины", "Офлайн": "Очно",
           "Сервисная компания": "Сервисные компании", "50–62 лет": "50–62 года"}
STATUS = {"on_time": "в срок", "late": "с нарушением срока", "not_evaluated": "не проверен",
          "corrected_in_time": "исправленный реестр в срок",
          "corrected_late": "исправленный реестр с нарушением срока"}
VIOLATION = {"missing_registry": "реестр не представлен",
             "late_registry": "реестр представлен с нарушением срока",
             "late_correction": "исправленный реестр представлен с нарушением срока"}
CORRECTION = {"corrected_in_time": "в срок", "corrected_late": "с нарушением срока", None: "не получено"}
YES_NO = {True: "да", False: "нет"}

# Title of a table → (mart, dimension column or None, count column, regional?)
INDICATOR_TITLES = {
    "Количество клиентов, получивших услуги, по регионам": ("i1_clients_by_region", None, "clients", True),
    "Количество клиентов по отраслям экономики в разрезе регионов": (
        "i2_clients_by_sector", "oked_section_name", "clients", True),
    "Количество клиентов по отраслям экономики (секциям ОКЭД), по республике": (
        "i2_clients_by_sector", "oked_section_name", "clients", False),
    "Количество предприятий клиентов по организационно-правовой форме в разрезе регионов": (
        "i3_enterprises_by_legal_form", "legal_form", "enterprises", True),
    "Количество предприятий клиентов по организационно-правовой форме, по республике": (
        "i3_enterprises_by_legal_form", "legal_form", "enterprises", False),
    "Количество клиентов (лиц) по полу в разрезе регионов": ("i4_persons_by_gender", "gender", "persons", True),
    "Количество клиентов (лиц) по возрастной категории в разрезе регионов": (
        "i5_persons_by_age_group", "age_group", "persons", True),
    "Количество клиентов (лиц) по возрастной категории, по республике": (
        "i5_persons_by_age_group", "age_group", "persons", False),
    "Количество клиентов по категории субъекта предпринимательства в разрезе регионов": (
        "i6_clients_by_sme_category", "sme_category", "clients", True),
    "Количество оказанных услуг по видам услуг в разрезе регионов": (
        "i7_services_by_type", "service", "services", True),
    "Количество оказанных услуг по видам и подвидам услуг, по республике": (
        "i7_services_by_type", "service", "services", False),
    "Количество оказанных услуг по исполнителям в разрезе регионов": (
        "i8_services_by_provider", "provider", "services", True),
    "Количество оказанных услуг по способу оказания в разрезе регионов": (
        "i9_services_by_channel", "channel", "services", True),
}
QUALITY_TITLES = {
    "Оценка качества полученных услуг и консультаций": "q1_quality",
    "Удовлетворенность полученными услугами и консультациями": "q2_satisfaction",
    "Заинтересованность клиентов в финансовых инструментах государственной поддержки":
        "q3_financial_support_interest",
    "Подтверждение получения услуг при телефонном опросе": "q_service_confirmation",
}
QUALITY_AXES = {"по регионам": "region", "по видам услуг": "service", "по центрам обслуживания": "place_of_service"}
# The operator's scorecard (annex Г, one workbook sheet): every figure is checked against the
# generator's truth in tests/test_data_quality_sample_year.py, on a year with anomalies planted.
SCORECARD_TITLES = ("Своевременность представления реестров оператором",
                    "Исправление оператором реестров с ошибками",
                    "Ошибки заполнения первоначальных реестров по видам проверок",
                    "Выбросы и неправдоподобные закономерности в данных реестров",
                    "Центры обслуживания с наибольшим риском неподтверждения услуг")


# --- the period a report covers, spelled as its column headers -------------------------------


@dataclass(frozen=True)
class Window:
    name: str
    quarter: tuple[date, date]
    ytd: tuple[date, date]

    @property
    def columns(self) -> list[tuple[str, str, date, date]]:
        """(period_type, header, start, end); Q1 prints one column (its quarter is its year to date)."""
        out = [("quarter", _header(*self.quarter), *self.quarter)]
        if self.ytd != self.quarter:
            out.append(("year_to_date", _header(*self.ytd), *self.ytd))
        return out

    @property
    def ytd_months(self) -> list[date]:
        return [date(self.ytd[0].year, m, 1) for m in range(1, self.ytd[1].month + 1)]

    @property
    def quarter_months(self) -> list[date]:
        return [date(self.ytd[0].year, m, 1) for m in range(self.quarter[0].month, self.quarter[1].month + 1)]


def window(period: str) -> Window:
    year, part = int(period[:4]), period[5:]
    first, last = {"Q1": (1, 3), "Q2": (4, 6), "Q3": (7, 9), "final": (10, 11)}[part]
    end = date(year, last + 1, 1).toordinal() - 1
    return Window(period, (date(year, first, 1), date.fromordinal(end)), (date(year, 1, 1), date.fromordinal(end)))


def _header(start: date, end: date) -> str:
    first, last = MONTHS[start.month - 1], MONTHS[end.month - 1]
    return (first if first == last else f"{first}–{last}").capitalize()


def month_label(month: date) -> str:
    return f"{MONTHS[month.month - 1].capitalize()} {month.year}{NBSP}г."


# --- reading the documents back ----------------------------------------------------------------


@dataclass
class Grid:
    """One table as printed: its title and rows of (label, {(group, column header): raw cell})."""

    number: int
    title: str
    rows: list[tuple[str, dict[tuple[str | None, str], object]]] = field(default_factory=list)
    note: str = ""  # issue 20: '(январь–март 2019 г.; март не включен: …)' after the title

    def __post_init__(self) -> None:
        match = re.fullmatch(r"(.*) \((.* не включен: .*)\)", self.title)
        if match:
            self.title, self.note = match[1], match[2]

    def cell(self, row: str, column: str, group: str | None = None) -> object:
        for label, cells in self.rows:
            if label == row:
                return cells[(group, column)]
        raise KeyError(row)

    @property
    def labels(self) -> list[str]:
        return [label for label, _ in self.rows]


def _keys(header: list, sub: list | None) -> list[tuple[str | None, str]]:
    keys, group = [], None
    for index in range(1, len(header)):
        if sub is None:
            keys.append((None, str(header[index])))
            continue
        if header[index] not in ("", None):
            group = str(header[index])
        column = str(sub[index])
        keys.append((None, column) if column == group or column == "" else (group, column))
    return keys


def read_xlsx(path: Path) -> dict[int, Grid]:
    workbook = CalamineWorkbook.from_path(str(path))
    grids = {}
    for name in workbook.sheet_names:
        match = re.fullmatch(r"Таблица (\d+)", name)
        if not match:
            continue
        rows = workbook.get_sheet_by_name(name).to_python()
        title = str(rows[0][0]).split(" – ", 1)[1]
        header, second = rows[3], rows[4]
        grouped = second[0] == ""
        keys = _keys(header, second if grouped else None)
        grid = Grid(int(match[1]), title)
        for row in rows[5 if grouped else 4:]:
            if row[0] in ("", None):
                break
            grid.rows.append((str(row[0]), dict(zip(keys, row[1:], strict=False))))
        grids[grid.number] = grid
    return grids


def read_docx(path: Path) -> dict[int, Grid]:
    """Tables by number; a table split into column parts is joined on its row labels."""
    document = Document(str(path))
    grids: dict[int, Grid] = {}
    tables = iter(document.tables)
    number, title = None, ""
    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(t.text or "" for t in element.iter() if t.tag.endswith("}t"))
            match = re.match(r"Таблица (\d+)(?: – (.*))?", text)
            if match:
                number, title = int(match[1]), match[2] or title
        elif tag == "tbl":
            table = next(tables)
            cells = [[cell.text for cell in row.cells] for row in table.rows]
            grouped = len(cells) > 1 and cells[1][0] == cells[0][0]
            keys = _keys(cells[0], cells[1] if grouped else None)
            grid = grids.setdefault(number, Grid(number, title))
            body = cells[2 if grouped else 1:]
            if grid.rows:  # a continuation part: same rows, further columns
                for (label, old), row in zip(grid.rows, body, strict=True):
                    assert label == row[0]
                    old.update(zip(keys, row[1:], strict=True))
            else:
                grid.rows = [(row[0], dict(zip(keys, row[1:], strict=True))) for row in body]
    return grids


def as_number(raw: object) -> int | float | None:
    """A printed count back to a number: '12 345¹' → 12345; '–' or an empty cell → None."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, int | float):
        return raw
    text = str(raw).strip().rstrip(MARKS).replace(NBSP, "")
    return None if text in (DASH, "") else int(text)


# --- the expected figures, from SQL over analytics.duckdb ------------------------------------------


def _period_filter(w: Window) -> tuple[str, list]:
    clauses, params = [], []
    for period_type, _, start, end in w.columns:
        clauses.append("(period_type = ? and period_start = ? and period_end = ?)")
        params += [period_type, start, end]
    return "(" + " or ".join(clauses) + ")", params


def _headers(w: Window) -> dict[tuple[str, date, date], str]:
    return {(t, s, e): h for t, h, s, e in w.columns}


def expected_indicator(con, w: Window, table: str, dim: str | None, measure: str, regional: bool) -> dict:
    """{(row label, group, column header): count} for every mart row the table must print."""
    where, params = _period_filter(w)
    headers = _headers(w)
    extra = " and service_subtype is null" if table == "i7_services_by_type" else ""
    rows = con.execute(
        f"select period_type, period_start, period_end, region, {dim or 'null'}, {measure} from {table} "
        f"where {where}{extra}" + ("" if regional else " and region_code is null"),
        params,
    ).fetchall()
    expected = {}
    for period_type, start, end, region, value, count in rows:
        column = headers[(period_type, start, end)]
        label = TOTAL_COLUMN if value is None else RELABEL.get(value, value)
        if regional:
            key = (region or TOTAL_ROW, None if dim is None else label, column)
        else:
            key = (label, None, column)
        expected[key] = count
    if table == "i7_services_by_type" and not regional:
        subtypes = con.execute(
            f"select period_type, period_start, period_end, service_subtype, services from {table} "
            f"where {where} and region_code is null and service_subtype is not null",
            params,
        ).fetchall()
        for period_type, start, end, subtype, count in subtypes:
            expected[(subtype, None, headers[(period_type, start, end)])] = count
    return expected


def expected_region_order(con, w: Window) -> list[str]:
    rows = con.execute(
        "select distinct region_sort_order, region_code, region from i1_clients_by_region "
        "where region_code is not null and period_type in ('quarter', 'year_to_date') and period_end = ? "
        "order by region_sort_order, region_code",
        [w.quarter[1]],
    ).fetchall()
    return [name for _, _, name in rows]


def _decimal(value: float) -> str:
    return f"{value:,.1f}".replace(",", NBSP).replace(".", ",").replace("-", "−")


def _estimate_texts(unit: str, value: float, low: float | None, high: float | None) -> tuple[str, str]:
    if unit == "share":
        interval = DASH if low is None or high is None else f"{_decimal(100 * low)}–{_decimal(100 * high)}{NBSP}%"
        return f"{_decimal(100 * value)}{NBSP}%", interval
    return _decimal(value), DASH if low is None or high is None else f"{_decimal(low)}–{_decimal(high)}"


def expected_quality(con, w: Window, table: str, axis: str | None, measure_label: str | None) -> dict:
    """{(row label, group (period header), sub-column): value} for a quality table."""
    where, params = _period_filter(w)
    headers = _headers(w)
    scope = {
        None: "region_code is null and service is null and place_of_service is null",
        "region": "region_code is not null and service is null and place_of_service is null",
        "service": "region_code is null and service is not null and place_of_service is null",
        "place_of_service": "region_code is null and service is null and place_of_service is not null",
    }[axis]
    label_column = {None: "measure_name", "region": "region", "service": "service",
                    "place_of_service": "place_of_service"}[axis]
    rows = con.execute(
        f"select period_type, period_start, period_end, {label_column}, measure_name, unit, n, value, "
        f"ci_low, ci_high, is_small_sample from {table} where {where} and {scope}",
        params,
    ).fetchall()
    expected = {}
    for period_type, start, end, label, name, unit, n, value, low, high, small in rows:
        if axis is not None and not _is_measure(name, measure_label):
            continue
        group = headers[(period_type, start, end)]
        text, interval = _estimate_texts(unit, value, low, high)
        expected[(label, group, "Число ответов")] = n
        # issue 22: a small sample (the mart's flag) prints no value and no interval
        expected[(label, group, "Значение")] = f"н/д (n{NBSP}={NBSP}{n})" if small else (value, text)
        expected[(label, group, "Доверительный интервал")] = DASH if small else interval
    if axis == "region":  # the republic row closes a regional table
        totals = expected_quality(con, w, table, None, None)
        for (label, group, column), value in totals.items():
            if _is_measure(label, measure_label):
                expected[(TOTAL_ROW, group, column)] = value
    return expected


def expected_dynamics(con, w: Window) -> dict:
    """Final report (issue 22): I1, I7 and I9 of each month from the marts' month rows, a month
    without rows printed 'не включен'; each quarter's row the mean of its months that have rows."""
    headers = ("Клиенты, получившие услуги", "Оказанные услуги", "Услуги, оказанные в онлайн-режиме",
               "Доля услуг в онлайн-режиме")
    rows = con.execute(
        "select c.period_start, c.clients, s.services, o.services from i1_clients_by_region c "
        "join i7_services_by_type s on s.period_type = 'month' and s.period_start = c.period_start "
        "and s.region_code is null and s.service is null and s.service_subtype is null "
        "join (select period_start, sum(services) filter (where lower(channel) in ('online', 'онлайн')) as services "
        "      from i9_services_by_channel where period_type = 'month' and region_code is null "
        "      and channel is not null group by period_start) o on o.period_start = c.period_start "
        "where c.period_type = 'month' and c.region_code is null and c.period_start between ? and ?",
        [w.ytd[0], w.ytd[1]],
    ).fetchall()
    by_month = {month: (clients, services, online) for month, clients, services, online in rows}
    expected: dict = {}
    for month in w.ytd_months:
        label = month_label(month)
        if month not in by_month:
            expected.update({(label, None, h): "не включен" for h in headers})
            continue
        clients, services, online = by_month[month]
        share = online / services
        expected.update({(label, None, headers[0]): clients, (label, None, headers[1]): services,
                         (label, None, headers[2]): online,
                         (label, None, headers[3]): (share, f"{_decimal(100 * share)}{NBSP}%")})
    for number, (first, last) in enumerate(((1, 3), (4, 6), (7, 9), (10, 11)), start=1):
        months = [m for m in sorted(by_month) if first <= m.month <= last]
        assert months, "the sample year counts at least one month of each quarter"
        label = f"{number}-й квартал, в среднем за месяц ({months_phrase(months)})"
        means = [sum(by_month[m][i] for m in months) / len(months) for i in range(3)]
        for header, mean in zip(headers, means, strict=False):
            expected[(label, None, header)] = (mean, _decimal(mean))
        share = means[2] / means[1]
        expected[(label, None, headers[3])] = (share, f"{_decimal(100 * share)}{NBSP}%")
    return expected


def _is_measure(name: str, printed_name: str | None) -> bool:
    """A breakdown table names its measure after a colon, first letter lower-cased (not an abbreviation's)."""
    return printed_name in (name, name[0].lower() + name[1:])


def _local(column: str) -> str:
    return f"strftime(timezone('Asia/Almaty', {column}), '%d.%m.%Y %H:%M')"


def expected_registries(con, w: Window) -> dict:
    rows = con.execute(
        f"select reporting_month, version, {_local('submitted_at')}, coalesce(correction_status, status), "
        "is_used_for_report, rows_ingested, rows_counted, rows_excluded from registry_versions_used "
        "where is_month_version and reporting_month between ? and ?",
        [w.ytd[0], w.ytd[1]],
    ).fetchall()
    expected = {}
    for month, version, submitted, status, used, ingested, counted, excluded in rows:
        label = month_label(month)
        expected.update({
            (label, None, "Версия реестра"): version,
            (label, None, "Дата представления"): submitted,
            (label, None, "Соблюдение срока"): STATUS[status],
            (label, None, "Использован в отчете"): YES_NO[used],
            (label, None, "Записей в реестре"): ingested,
            (label, None, "Учтено записей"): counted,
            (label, None, "Исключено записей"): excluded,
        })
    totals = con.execute(
        "select sum(rows_ingested), sum(rows_counted), sum(rows_excluded) from registry_versions_used "
        "where is_month_version and reporting_month between ? and ?",
        [w.ytd[0], w.ytd[1]],
    ).fetchall()[0]
    for column, value in zip(("Записей в реестре", "Учтено записей", "Исключено записей"), totals, strict=True):
        expected[(EXCLUDED_TOTAL, None, column)] = value
    missing = con.execute(
        "select reporting_month from registry_timeliness where status = 'missing' and reporting_month between ? and ?",
        [w.ytd[0], w.ytd[1]],
    ).fetchall()
    for (month,) in missing:
        expected[(month_label(month), None, "Соблюдение срока")] = "не представлен"
        expected[(month_label(month), None, "Использован в отчете")] = YES_NO[False]
    return expected


def expected_late(con, w: Window) -> dict:
    rows = con.execute(
        f"select reporting_month, version, {_local('due_at')}, {_local('submitted_at')}, days_after_due, "
        "violation_kind, is_used_for_report from registry_timeliness "
        "where violation_kind is not null and reporting_month between ? and ?",
        [w.ytd[0], w.ytd[1]],
    ).fetchall()
    expected = {}
    for month, version, due, submitted, days, kind, used in rows:
        label = month_label(month)
        expected.update({
            (label, None, "Версия реестра"): version,
            (label, None, "Срок представления"): due,
            (label, None, "Дата представления"): submitted or DASH,
            (label, None, "Просрочка, дней"): days,
            (label, None, "Нарушение"): VIOLATION[kind],
            (label, None, "Использован в отчете"): YES_NO[bool(used)],
        })
    return expected


def expected_exclusions(con, w: Window) -> dict:
    headers = {m: MONTHS[m.month - 1].capitalize() for m in w.quarter_months}
    ytd_header = _header(*w.ytd)
    expected: dict = {}
    rows = con.execute(
        "select reason_name, reporting_month, rows_excluded from exclusions_summary "
        "where is_month_version and rows_excluded > 0 and reporting_month between ? and ?",
        [w.ytd[0], w.ytd[1]],
    ).fetchall()
    for name, month, n in rows:
        if month in headers:
            expected[(name, None, headers[month])] = n
    totals = con.execute(
        "select reason_name, sum(rows_excluded) from exclusions_summary "
        "where is_month_version and rows_excluded > 0 and reporting_month between ? and ? group by reason_name",
        [w.ytd[0], w.ytd[1]],
    ).fetchall()
    if len(headers) > 1 or w.quarter != w.ytd:
        expected.update({(name, None, ytd_header): n for name, n in totals})
    # the total row is each month's excluded rows of the version standing for it
    per_month = con.execute(
        "select reporting_month, rows_excluded from registry_versions_used "
        "where is_month_version and rows_excluded > 0 and reporting_month between ? and ?",
        [w.ytd[0], w.ytd[1]],
    ).fetchall()
    for month, n in per_month:
        if month in headers:
            expected[(EXCLUDED_TOTAL, None, headers[month])] = n
    if len(headers) > 1 or w.quarter != w.ytd:
        expected[(EXCLUDED_TOTAL, None, ytd_header)] = sum(n for _, n in per_month)
    return expected


def expected_letters(con, w: Window) -> dict:
    rows = con.execute(
        "select reporting_month, version, strftime(letter_date, '%d.%m.%Y'), error_rows, error_count, "
        "strftime(timezone('Asia/Almaty', correction_due_at), '%d.%m.%Y'), "
        f"{_local('correction_submitted_at')}, correction_status from letters_sent "
        "where reporting_month between ? and ?",
        [w.ytd[0], w.ytd[1]],
    ).fetchall()
    expected = {}
    for month, version, letter_date, error_rows, errors, due, corrected_at, status in rows:
        label = month_label(month)
        expected.update({
            (label, None, "Версия реестра"): version,
            (label, None, "Дата письма"): letter_date,
            (label, None, "Записей с ошибками"): error_rows,
            (label, None, "Число ошибок"): errors,
            (label, None, "Срок исправления"): due,
            (label, None, "Исправленный реестр получен"): corrected_at or DASH,
            (label, None, "Исправление"): CORRECTION[status],
        })
    return expected


# --- comparing ---------------------------------------------------------------------------------------


def expected_for(con, w: Window, grid: Grid) -> dict:
    """The expected cells of a table, chosen by its title."""
    if grid.title in INDICATOR_TITLES:
        return expected_indicator(con, w, *INDICATOR_TITLES[grid.title])
    for prefix, table in QUALITY_TITLES.items():
        if grid.title == prefix:
            return expected_quality(con, w, table, None, None)
        if grid.title.startswith(prefix + ": "):
            measure, axis = grid.title[len(prefix) + 2:].rsplit(", ", 1)
            return expected_quality(con, w, table, QUALITY_AXES[axis], measure)
    if grid.title == "Основные показатели по месяцам и в среднем за месяц по кварталам":
        return expected_dynamics(con, w)
    if grid.title == "Реестры оказанных услуг, использованные в отчете":
        return expected_registries(con, w)
    if grid.title == "Реестры, представленные с нарушением срока или не представленные":
        return expected_late(con, w)
    if grid.title == "Данные, исключенные из отчета, и причины исключения":
        return expected_exclusions(con, w)
    if grid.title == "Письма-уведомления оператору и исправления":
        return expected_letters(con, w)
    raise AssertionError(f"table {grid.number} «{grid.title}»: no SQL in this test checks it")


def printed(grid: Grid) -> dict:
    return {(label, group, column): raw for label, cells in grid.rows for (group, column), raw in cells.items()}


def compare(grid: Grid, expected: dict, source: str) -> None:
    """Every figure of the database is printed, and every printed cell is a figure of the database."""
    cells = printed(grid)
    where = f"{source}, table {grid.number} «{grid.title}»"
    missing = set(expected) - set(cells)
    assert not missing, f"{where}: figures of the database not printed: {sorted(missing, key=str)[:5]}"
    for key, raw in cells.items():
        want = expected.get(key)
        if want is None:  # no row in the database: an empty cell or a dash
            assert raw in ("", None, DASH), (where, key, raw)
        elif isinstance(want, tuple):  # a survey estimate: the number in the workbook, its print in the document
            number, text = want
            if source == "xlsx":
                assert raw == pytest.approx(number, abs=1e-9), (where, key, raw, number)
            else:
                assert raw == text, (where, key, raw, text)
        elif isinstance(want, str):
            assert raw == want, (where, key, raw, want)
        else:
            assert as_number(raw) == want, (where, key, raw, want)


@pytest.fixture(scope="module")
def reports(pipeline_run):
    settings = pipeline_run.settings
    with duckdb.connect(str(settings.analytics_path), read_only=True) as con:
        yield con, settings.reports_dir


def test_q1_q2_q3_and_final_exist_as_docx_and_xlsx(reports):
    _, folder = reports
    for period in PERIODS:
        assert (folder / period / f"report_{period}.docx").stat().st_size > 0
        assert (folder / period / f"report_{period}.xlsx").stat().st_size > 0


def test_the_year_s_reports_are_one_run_and_each_period_its_own_materialisation(pipeline_run):
    """run_year writes the four reports in one run (a single-run backfill); the due-date check and
    the report_deadlines sensor still find each period's partition materialised, with its files."""
    import dagster as dg

    instance, folder = pipeline_run.instance, pipeline_run.settings.reports_dir
    records = instance.fetch_materializations(dg.AssetKey(["reports", "monitoring_report"]), limit=100).records
    assert sorted(r.partition_key for r in records) == sorted(PERIODS)  # each period once
    (run_id,) = {r.run_id for r in records}
    assert instance.get_run_by_id(run_id).job_name == "write_report"
    for record in records:
        period, metadata = record.partition_key, record.asset_materialization.metadata
        docx = folder / period / f"report_{period}.docx"
        assert metadata["docx"].value == str(docx) and docx.stat().st_size > 0
        assert metadata["tables"].value == len(read_docx(docx))  # the numbered tables, read back


@pytest.mark.parametrize("period", PERIODS)
def test_every_figure_of_every_table_equals_the_analytics_database(reports, period):
    con, folder = reports
    w = window(period)
    docx = read_docx(folder / period / f"report_{period}.docx")
    xlsx = read_xlsx(folder / period / f"report_{period}.xlsx")
    scorecard = {number for number, grid in docx.items() if grid.title.startswith(SCORECARD_TITLES)}
    assert len(scorecard) == len(SCORECARD_TITLES)
    assert sorted(docx) == list(range(1, len(docx) + 1)) and sorted(xlsx) == sorted(set(docx) - scorecard)
    checked = 0
    for number, grid in docx.items():
        if number in scorecard:
            continue
        assert xlsx[number].title == grid.title
        expected = expected_for(con, w, grid)
        compare(grid, expected, "docx")
        compare(xlsx[number], expected, "xlsx")
        checked += len(expected)
    assert checked > 1000  # the statistical tables alone hold thousands of figures


@pytest.mark.parametrize("period", PERIODS)
def test_regions_are_one_row_per_code_in_the_official_order(reports, period):
    con, folder = reports
    w = window(period)
    grid = next(g for g in read_docx(folder / period / f"report_{period}.docx").values()
                if g.title == "Количество клиентов, получивших услуги, по регионам")
    assert grid.labels == [*expected_region_order(con, w), TOTAL_ROW]
    assert len(set(grid.labels)) == len(grid.labels)


@pytest.mark.parametrize("period", PERIODS)
def test_the_introduction_says_which_months_were_left_out_and_why(reports, period):
    con, folder = reports
    w = window(period)
    text = " ".join(p.text for p in Document(str(folder / period / f"report_{period}.docx")).paragraphs)
    short = con.execute(
        "select months_counted, months_in_period from reporting_periods "
        "where report_period = ? and months_counted < months_in_period",
        [period],
    ).fetchall()
    if not short:
        assert "не по всем месяцам" not in text
        return
    assert "Показатели рассчитаны не по всем месяцам периода" in text
    for counted, total in short:
        assert f"по {counted} из {total}" in text
    left_out = con.execute(
        "select distinct reporting_month, status from registry_timeliness t where reporting_month between ? and ? "
        "and not exists (select 1 from registry_versions_used u where u.reporting_month = t.reporting_month "
        "and u.is_used_for_report and u.rows_counted > 0)",
        [w.ytd[0], w.ytd[1]],
    ).fetchall()
    assert left_out
    for month, status in left_out:
        assert f"Реестр за {MONTHS[month.month - 1]} {month.year}{NBSP}г." in text
        if status == "late":
            assert "в отчет не включен (пункт 10 Методики)" in text
    # issue 20: every statistical table heading says which month is not included, and why
    why = {"late": "реестр представлен с нарушением срока", "missing": "реестр не представлен"}
    for source in (read_xlsx(folder / period / f"report_{period}.xlsx"),
                   read_docx(folder / period / f"report_{period}.docx")):
        statistical = [g for g in source.values() if g.title in INDICATOR_TITLES
                       or g.title.split(": ")[0] in QUALITY_TITLES]
        assert statistical
        for grid in statistical:
            for month, status in left_out:
                if status in why:
                    assert f"{MONTHS[month.month - 1]} не включен: {why[status]}" in grid.note, grid.title


def test_no_latin_letters_in_any_table(reports):
    _, folder = reports
    for period in PERIODS:
        for grid in read_docx(folder / period / f"report_{period}.docx").values():
            for key, raw in printed(grid).items():
                visible = " ".join(str(x) for x in (grid.title, *key, raw) if x is not None)
                visible = re.sub(f"n{NBSP}=", "", visible)  # the sample size of a small sample: 'н/д (n = 3)'
                assert not re.search(r"[A-Za-z]", visible), (period, grid.title, key)
