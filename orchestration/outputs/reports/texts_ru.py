"""Every word of the report a reader sees, in Russian, in one place.

The document goes to a Kazakh ministry: no English, no column names, no codes. Keeping the
wording here lets an analyst correct a phrase without reading layout code, and lets the
tests check the whole vocabulary for stray Latin letters.
"""

from __future__ import annotations

import re
from datetime import date

from orchestration.outputs.reports.formatting import NBSP
from orchestration.outputs.reports.periods import DateRange, ReportingPeriod

LANGUAGE_TAG = "ru-RU"  # the .docx's proofing language

# Latin letters a reader may see: the sample size 'n = 3' of a survey figure (issue 22).
LATIN_ALLOWED = re.compile(r"(?<![A-Za-z])n\u00a0=")

# --- calendar words --------------------------------------------------------------------

MONTHS = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)
MONTHS_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)


def month_name(month: date) -> str:
    """'Январь 2019 г.' — a registry's reporting month."""
    return f"{MONTHS[month.month - 1].capitalize()} {month.year}{NBSP}г."


def range_name(period: DateRange, with_year: bool = True) -> str:
    """'январь–сентябрь 2019 г.' (or 'март 2019 г.' for one month)."""
    first, last = MONTHS[period.start.month - 1], MONTHS[period.end.month - 1]
    months = first if first == last else f"{first}–{last}"
    return f"{months} {period.end.year}{NBSP}г." if with_year else months


def column_name(period: DateRange) -> str:
    """A column header: 'Январь–сентябрь'."""
    return range_name(period, with_year=False).capitalize()


def long_date(day: date) -> str:
    """'1 декабря 2019 года'."""
    return f"{day.day}{NBSP}{MONTHS_GENITIVE[day.month - 1]} {day.year}{NBSP}года"


# --- title page and headings (numbered as in Appendix 3 of the methodology) -----------

ORGANISATION = "Акционерное общество «Фонд развития предпринимательства «Даму»"
DOCUMENT_TITLE = "Отчет о мониторинге реализации сервисной поддержки"
INSTRUMENT = "«Предоставление сервисной поддержки ведения действующей предпринимательской деятельности»"
CITY = "Алматы"


def document_subtitle(period: ReportingPeriod) -> str:
    if period.is_final:
        return (
            f"Итоговый годовой отчет за {period.year} год "
            f"(данные по состоянию на 1{NBSP}декабря {period.year}{NBSP}года)"
        )
    return f"за {period.quarter_number}-й квартал {period.year}{NBSP}года ({range_name(period.quarter)})"


def generated_on(day: date) -> str:
    return f"Проект отчета сформирован {long_date(day)}"


def outgoing(day: date) -> str:
    """The outgoing number and date, filled in when the letter is registered (clause 13); the
    year is the production date's."""
    return f"Исх. №{NBSP}__________ от «____» ______________ {day.year}{NBSP}года"


TOC_TITLE = "Содержание"
EXECUTOR = "Исполнитель"
PHONE = "тел."
SIGNATURE_LINE = "____________________"


def page_footer() -> str:
    return "Страница "


def table_label(number: int) -> str:
    """'Таблица 1'."""
    return f"{TABLE} {number}"


def figure_label(number: int) -> str:
    """'Рисунок 1'."""
    return f"{FIGURE} {number}"


H1_INTRODUCTION = "1. Введение"
H1_STATISTICS = "2. Анализ статистических показателей"
H1_QUALITY = "3. Аудит качества реализации сервисной поддержки"
H1_CONCLUSION = "4. Заключение"
H2_FINDINGS = "4.1. Ключевые выводы"
H2_PROPOSALS = "4.2. Предложения (проект)"
ANNEX_LATE = "Приложение А. Реестры, представленные с нарушением срока или не представленные"
ANNEX_EXCLUDED = "Приложение Б. Данные, исключенные из отчета, и причины исключения"
ANNEX_LETTERS = "Приложение В. Письма-уведомления оператору и исправления"

NO_DATA = "Данные отсутствуют."
TABLE = "Таблица"
FIGURE = "Рисунок"
CONTINUED = "(продолжение)"
TOTAL_ROW = "Итого по республике"
TOTAL_COLUMN = "Всего"
REGION_HEADER = "Регион"
MEASURE_HEADER = "Показатель"

# --- 1. Introduction -------------------------------------------------------------------

INTRODUCTION = (
    "Настоящий отчет подготовлен финансовым агентством – акционерным обществом «Фонд развития "
    "предпринимательства «Даму» в соответствии с Методикой проведения мониторинга осуществления "
    "сервисной поддержки ведения действующей предпринимательской деятельности, утвержденной приказом "
    "Министра национальной экономики Республики Казахстан от 24 июня 2019 года № 59 (далее – Методика).",
    "Инструмент " + INSTRUMENT + " реализуется в рамках Государственной программы поддержки и развития "
    "бизнеса «Дорожная карта бизнеса 2020». Оператор нефинансовой поддержки – Национальная палата "
    "предпринимателей Республики Казахстан «Атамекен» – оказывает субъектам малого и среднего "
    "предпринимательства сервисные услуги через центры обслуживания предпринимателей, центры поддержки "
    "предпринимательства и мобильные центры поддержки предпринимательства, а также в онлайн-режиме.",
    "Источниками данных являются ежемесячные реестры оказанных услуг, представляемые оператором "
    "(приложение 1 к Методике), акты оказанных услуг, реестры анкет (приложение 2 к Методике) и "
    "результаты телефонного опроса клиентов (приложение 4 к Методике). Данные, представленные с "
    "нарушением срока, в отчет не включаются (пункт 10 Методики); записи реестра, не подтвержденные "
    "актами оказанных услуг либо расходящиеся с ними по дате или перечню услуг, исключаются (пункт 11 "
    "Методики).",
)


def sentence(text: str) -> str:
    """End with exactly one full stop ('2019 г.' already has one)."""
    return text if text.endswith(".") else text + "."


def introduction_period(period: ReportingPeriod) -> str:
    text = f"Отчетный период – {range_name(period.quarter)}"
    if not period.quarter_is_year_to_date:  # Q1: the quarter is the year to date
        text += f"; показатели нарастающим итогом приведены за {range_name(period.year_to_date)}"
    text = sentence(text)
    if period.is_final:
        text += (
            " Итоговый отчет включает четвертый квартал по данным на 1 декабря "
            f"{period.year} года, то есть с учетом реестра за ноябрь (пункт 12 Методики)."
        )
    return text


COUNTING_RULES = (
    "Клиент – субъект малого и среднего предпринимательства – учитывается по ИИН или БИН; "
    "обратившееся лицо учитывается в гендерном и возрастном разрезах один раз, даже если оно "
    "обращалось от нескольких компаний. Все итоговые значения – число различных клиентов (лиц, "
    "предприятий) за весь период и по всей республике; они могут быть меньше суммы строк, если клиент "
    "обслуживался в нескольких регионах или месяцах. Знак «–» означает отсутствие случаев."
)

REGISTRIES_TITLE = "Реестры оказанных услуг, использованные в отчете"
REGISTRIES_HEADERS = (
    "Отчетный месяц",
    "Версия реестра",
    "Дата представления",
    "Соблюдение срока",
    "Использован в отчете",
    "Записей в реестре",
    "Учтено записей",
    "Исключено записей",
)
REGISTRIES_NOTE = (
    "Срок представления реестра – 1-е число месяца, следующего за отчетным (пункт 7 Методики), "
    "время – по Алматы. Для месяца, по которому оператор направил исправленный реестр (пункт 9 "
    "Методики), приведена использованная версия; реестр, представленный с нарушением срока, в отчет "
    "не включается (пункт 10 Методики), и все его записи исключены (приложение Б)."
)


def registries_summary(ingested: int, counted: int, excluded: int, window: str, fmt) -> str:
    return (
        f"За {window} в реестрах оказанных услуг, относящихся к отчету, – {fmt(ingested)} записей: "
        f"учтено в показателях – {fmt(counted)}, исключено – {fmt(excluded)} (причины – в приложении Б)."
    )


def months_left_out(coverage: list[tuple[str, int, int]], months: list[tuple[str, str]]) -> str:
    """R8: which months' registries are missing from the counts, and why.

    ``coverage``: (period name, months counted, months in the period); ``months``: (month, why).
    """
    counted = "; за ".join(f"{name} – по {n} из {total}" for name, n, total in coverage)
    text = f"Показатели рассчитаны не по всем месяцам периода: за {counted} месяцев."
    for month, why in months:
        text += f" Реестр за {month} {why}."
    return text


def why_left_out(status: str, submitted: str | None, due: str | None) -> str:
    if status == "awaited":
        return "ожидается: срок его представления не истек (пункт 7 Методики)"
    if status == "missing":
        return "не представлен (пункт 7 Методики)"
    if status == "late" and submitted and due:
        return (
            f"представлен {submitted} при сроке до {due} включительно и в отчет не включен "
            "(пункт 10 Методики)"
        )
    return "в отчет не включен: все его записи исключены (приложение Б)"


# Why a month is not in a period's counts, as a table heading or chart caption says it (issue 20).
LEFT_OUT_SHORT = {
    "awaited": "реестр ожидается",
    "missing": "реестр не представлен",
    "late": "реестр представлен с нарушением срока",
}
LEFT_OUT_SHORT_OTHER = "все записи реестра исключены"


def period_note(window: str, months: list[tuple[str, str]]) -> str:
    """'январь–март 2019 г.; март не включен: реестр представлен с нарушением срока'."""
    return "; ".join([window, *(f"{month} не включен: {why}" for month, why in months)])


def with_period_note(title: str, notes: list[str]) -> str:
    """A table heading with the notes of the period columns that miss a month."""
    return f"{title} ({'; '.join(notes)})" if notes else title


STATUS = {
    "on_time": "в срок",
    "late": "с нарушением срока",
    "missing": "не представлен",
    "not_evaluated": "не проверен",
    "corrected_in_time": "исправленный реестр в срок",
    "corrected_late": "исправленный реестр с нарушением срока",
}

# --- 2. Statistics ----------------------------------------------------------------------

STATISTICS_INTRO = (
    "В разделе приведены показатели, предусмотренные подпунктом 1) пункта 5 Методики, за отчетный "
    "квартал и нарастающим итогом с начала года. Регионы перечислены в официальном порядке."
)

# The nine indicators of clause 5(1): heading, what is counted, and the unit of the table.
INDICATOR_HEADINGS = {
    "i1": "2.1. Количество клиентов, получивших услуги, в региональном разрезе",
    "i2": "2.2. Количество клиентов, получивших услуги, в разрезе отраслей экономики по регионам",
    "i3": "2.3. Количество предприятий клиентов в разрезе организационно-правовой формы по регионам",
    "i4": "2.4. Количество клиентов, получивших услуги, в гендерном разрезе по регионам",
    "i5": "2.5. Количество клиентов по возрастной категории",
    "i6": "2.6. Количество клиентов, получивших услуги, по категории субъекта предпринимательства "
    "в разрезе регионов",
    "i7": "2.7. Количественные показатели по перечню оказанных услуг в региональном разрезе",
    "i8": "2.8. Количество услуг, оказанных оператором нефинансовой поддержки и сервисными компаниями",
    "i9": "2.9. Количество услуг, оказанных в онлайн-режиме",
}

INDICATOR_NOTES = {
    "i4": "Лицо, обратившееся от нескольких компаний, учтено один раз (подпункт 1) пункта 5 Методики).",
    "i5": "Лицо, обратившееся от нескольких компаний, учтено один раз (подпункт 1) пункта 5 Методики).",
}

# Table titles: (by region, national breakdown)
TABLE_TITLES = {
    "i1": ("Количество клиентов, получивших услуги, по регионам", ""),
    "i2": (
        "Количество клиентов по отраслям экономики в разрезе регионов",
        "Количество клиентов по отраслям экономики (секциям ОКЭД), по республике",
    ),
    "i3": (
        "Количество предприятий клиентов по организационно-правовой форме в разрезе регионов",
        "Количество предприятий клиентов по организационно-правовой форме, по республике",
    ),
    "i4": ("Количество клиентов (лиц) по полу в разрезе регионов", ""),
    "i5": (
        "Количество клиентов (лиц) по возрастной категории в разрезе регионов",
        "Количество клиентов (лиц) по возрастной категории, по республике",
    ),
    "i6": ("Количество клиентов по категории субъекта предпринимательства в разрезе регионов", ""),
    "i7": (
        "Количество оказанных услуг по видам услуг в разрезе регионов",
        "Количество оказанных услуг по видам и подвидам услуг, по республике",
    ),
    "i8": ("Количество оказанных услуг по исполнителям в разрезе регионов", ""),
    "i9": ("Количество оказанных услуг по способу оказания в разрезе регионов", ""),
}

UNITS = {
    "clients": "клиентов",
    "enterprises": "предприятий",
    "persons": "лиц",
    "services": "услуг",
}
UNIT_LINE = {
    "clients": "человек",
    "enterprises": "единиц",
    "persons": "человек",
    "services": "единиц",
}

DIMENSION_HEADERS = {
    "oked_section": "Отрасль экономики (секция ОКЭД)",
    "legal_form": "Организационно-правовая форма",
    "gender": "Пол",
    "age_group": "Возрастная категория",
    "sme_category": "Категория субъекта предпринимательства",
    "service": "Вид услуги",
    "provider": "Исполнитель",
    "channel": "Способ оказания",
}


def unit_caption(measure: str) -> str:
    return f"единица измерения: {UNIT_LINE[measure]}"


def footnote_regions(measure: str) -> str:
    unit = UNITS[measure]
    return (
        f"Итог по республике – число различных {unit} за период; он меньше суммы по регионам, "
        "так как часть из них учтена в нескольких регионах."
    )


def footnote_categories(measure: str) -> str:
    unit = UNITS[measure]
    return (
        f"Графа «{TOTAL_COLUMN}» (строка итога) – число различных {unit}; она меньше суммы по "
        "категориям, так как часть из них отнесена к нескольким категориям."
    )


# Codes the marts may carry instead of names (values already in Russian pass through).
CODE_LABELS: dict[str, dict[str, str]] = {
    "gender": {"male": "Мужчины", "мужской": "Мужчины", "female": "Женщины", "женский": "Женщины"},
    "channel": {"online": "Онлайн", "онлайн": "Онлайн", "offline": "Очно", "офлайн": "Очно"},
    "provider": {
        "operator": "Оператор нефинансовой поддержки",
        "service_company": "Сервисные компании",
        "сервисная компания": "Сервисные компании",
    },
    "sme_category": {
        "micro": "Микропредпринимательство",
        "small": "Малое предпринимательство",
        "medium": "Среднее предпринимательство",
    },
    "legal_form": {
        "ip": "ИП",
        "индивидуальный предприниматель": "ИП",
        "ip_joint": "ИП (совместное)",
        "индивидуальный предприниматель (совместное предпринимательство)": "ИП (совместное)",
        "kh": "КХ",
        "крестьянское (фермерское) хозяйство": "КХ",
        "too": "ТОО",
        "товарищество с ограниченной ответственностью": "ТОО",
        "ao": "АО",
        "акционерное общество": "АО",
        "pk": "ПК",
        "производственный кооператив": "ПК",
        "pt": "ПТ",
        "полное товарищество": "ПТ",
        "kt": "КТ",
        "коммандитное товарищество": "КТ",
        "tdo": "ТДО",
        "товарищество с дополнительной ответственностью": "ТДО",
        "gp": "ГП",
        "государственное предприятие": "ГП",
    },
    "age_group": {
        "under_18": "до 18 лет",
        "18_29": "18–29 лет",
        "30_35": "30–35 лет",
        "36_49": "36–49 лет",
        "50_62": "50–62 года",
        "50–62 лет": "50–62 года",
        "63_plus": "63 года и старше",
    },
}

LEGAL_FORM_ABBREVIATIONS = {
    "ИП": "индивидуальный предприниматель",
    "ИП (совместное)": "индивидуальный предприниматель (совместное предпринимательство)",
    "КХ": "крестьянское (фермерское) хозяйство",
    "ТОО": "товарищество с ограниченной ответственностью",
    "АО": "акционерное общество",
    "ПК": "производственный кооператив",
    "ПТ": "полное товарищество",
    "КТ": "коммандитное товарищество",
    "ТДО": "товарищество с дополнительной ответственностью",
    "ГП": "государственное предприятие",
}


def abbreviations_note(labels: list[str]) -> str:
    used = [
        f"{short} – {LEGAL_FORM_ABBREVIATIONS[short]}"
        for short in labels
        if short in LEGAL_FORM_ABBREVIATIONS
    ]
    return ("Сокращения: " + "; ".join(used) + ".") if used else ""


def short_region(name: str) -> str:
    """Chart labels: 'Акмолинская область' → 'Акмолинская обл.'; 'город Алматы' → 'г. Алматы'."""
    return name.replace(" область", f"{NBSP}обл.").replace("город ", f"г.{NBSP}")


# --- charts -----------------------------------------------------------------------------

CHART_REGIONS = "Количество клиентов, получивших услуги, по регионам"
CHART_GENDER = "Количество клиентов (лиц) по полу в разрезе регионов"
CHART_AGE = "Количество клиентов (лиц) по возрастной категории"
CHART_SERVICES = "Количество оказанных услуг по видам услуг"
CHART_ONLINE = "Доля услуг, оказанных в онлайн-режиме, по регионам"
AXIS_CLIENTS = "Клиентов"
AXIS_PERSONS = "Лиц"
AXIS_SERVICES = "Услуг"
AXIS_SHARE = "Доля, %"
LEGEND_REPUBLIC = "В среднем по республике"

# --- the year's dynamics (final report, issue 22) ---------------------------------------------

H2_DYNAMICS = "2.10. Динамика основных показателей за год"
DYNAMICS_INTRO = (
    "Для сопоставимости периодов показатели приведены по месяцам, а по кварталам – в среднем за "
    "месяц по учтенным месяцам квартала: месяц, данные за который в отчет не включены, в среднее не "
    "входит и на графике показан разрывом линии."
)
DYNAMICS_TITLE = "Основные показатели по месяцам и в среднем за месяц по кварталам"
DYNAMICS_STUB = "Период"
DYNAMICS_HEADERS = (
    "Клиенты, получившие услуги",
    "Оказанные услуги",
    "Услуги, оказанные в онлайн-режиме",
    "Доля услуг в онлайн-режиме",
)
DYNAMICS_UNIT = "единица измерения: человек, единиц"
DYNAMICS_NOTE = (
    "Число клиентов за месяц – число различных клиентов в месяце; среднее за квартал – среднее "
    "арифметическое учтенных месяцев. «Не включен» – данные за месяц в отчет не включены (пункт 10 "
    "Методики; причины – в разделе 1 и приложении А)."
)
MONTH_LEFT_OUT = "не включен"
CHART_DYNAMICS = "Число клиентов, оказанных услуг и услуг в онлайн-режиме по месяцам"
DYNAMICS_SERIES = ("Клиенты", "Услуги", "Услуги в онлайн-режиме")
AXIS_COUNT = "Человек, единиц"


def quarter_average_label(number: int, months: str) -> str:
    """'2-й квартал, в среднем за месяц (май–июнь 2019 г.)'."""
    return f"{number}-й квартал, в среднем за месяц" + (f" ({months})" if months else "")


# --- 3. Quality -------------------------------------------------------------------------

QUALITY_INTRO = (
    "Аудит качества проводится финансовым агентством путем телефонного опроса клиентов через "
    "региональную филиальную сеть и (или) колл-центр финансового агентства, а также по реестру анкет, "
    "посредством оценки "
    "удовлетворенности клиентов и анализа востребованности финансовых инструментов государственной "
    "поддержки (подпункт 2) пункта 5 Методики). Для каждого показателя приведены число ответов и "
    "95-процентный доверительный интервал."
)
QUALITY_HEADINGS = {
    "q1": "3.1. Показатели по оценке качества полученных услуг и (или) консультаций",
    "q2": "3.2. Показатели по удовлетворенности полученной сервисной услугой и (или) консультацией",
    "q3": "3.3. Заинтересованность клиентов в получении финансовых инструментов государственной поддержки",
    "confirmation": "3.4. Подтверждение получения услуг клиентами",
}
QUALITY_TITLES = {
    "q1": "Оценка качества полученных услуг и консультаций",
    "q2": "Удовлетворенность полученными услугами и консультациями",
    "q3": "Заинтересованность клиентов в финансовых инструментах государственной поддержки",
    "confirmation": "Подтверждение получения услуг при телефонном опросе",
}
QUALITY_BY_REGION = "по регионам"
QUALITY_AXES = {"service": "по видам услуг", "place_of_service": "по центрам обслуживания"}
QUALITY_AXIS_HEADERS = {"service": "Вид услуги", "place_of_service": "Центр обслуживания"}
QUALITY_SUBHEADERS = ("Число ответов", "Значение", "Доверительный интервал")
def small_sample(n: int) -> str:
    """A mean or share on too few answers (the marts' is_small_sample): 'н/д (n = 3)'."""
    return f"н/д (n{NBSP}={NBSP}{n})"


def phone_survey_missing(quarter: str, year_to_date: str | None) -> str:
    """A table whose phone-survey figures for the quarter are not in at the report's date."""
    text = (
        f"Результаты телефонного опроса клиентов за {quarter} на дату составления отчета не поступили: "
        "показатели телефонного опроса за этот период не приводятся"
    )
    if year_to_date:
        text += f", за {year_to_date} они рассчитаны по предыдущим кварталам"
    return text + "."


SMALL_SAMPLE_NOTE = (
    f"«н/д (n{NBSP}={NBSP}…)» – значение не приводится: число ответов меньше установленного минимума; такие "
    "значения в сравнениях и выводах не используются."
)
QUALITY_UNIT_NOTE = (
    "Оценки – средний балл по шкале от 1 до 5; доли – в процентах от числа ответивших. "
    "Доверительный интервал – 95-процентный."
)

# --- 4. Conclusion ----------------------------------------------------------------------


def months_phrase(months: list[date]) -> str:
    """The months a figure covers: 'май–июнь 2019 г.' when consecutive, else
    'январь, февраль и май 2019 г.'."""
    if not months:
        return ""
    consecutive = all(
        (b.year * 12 + b.month) - (a.year * 12 + a.month) == 1 for a, b in zip(months, months[1:], strict=False)
    )
    if consecutive:
        return range_name(DateRange(months[0], months[-1]))
    names = [MONTHS[m.month - 1] for m in months]
    return f"{', '.join(names[:-1])} и {names[-1]} {months[-1].year}{NBSP}г."


def finding_totals(quarter: str, year_to_date: str, clients_q: str, clients_ytd: str,
                   counted: str | None = None, left_out: str | None = None) -> str:
    """``counted``: the quarter's counted months when it misses one; ``left_out``: the months of
    the year to date not counted."""
    if quarter == year_to_date:  # the first quarter is its year to date
        text = f"Число клиентов, получивших услуги, за {quarter} – {clients_q}."
    else:
        text = f"Число клиентов, получивших услуги: за {quarter} – {clients_q}, за {year_to_date} – {clients_ytd}."
    if counted:
        text += " " + sentence(f"В показателях квартала учтены данные только за {counted}")
    if left_out:
        text += " " + sentence(f"Данные за {left_out} в показатели с начала года не включены")
    return text


def finding_regions(largest: str, largest_n: str, smallest: str, smallest_n: str) -> str:
    return (
        f"Наибольшее число клиентов за квартал – {largest} ({largest_n}), "
        f"наименьшее – {smallest} ({smallest_n})."
    )


SUBJECT_CLIENTS = "число клиентов"
SUBJECT_SERVICES = "число оказанных услуг"
TREND = {
    "grew": "увеличилось",
    "fell": "уменьшилось",
    "stable": "существенно не изменилось",
}


def finding_monthly_change(subject: str, now: str, months: str, before: str, before_months: str,
                           change: str, trend: str) -> str:
    """Like for like (issue 22): monthly averages over the months each period has counted."""
    return (
        f"В среднем за месяц {subject} составило {now} за {months} против {before} за "
        f"{before_months}, то есть {TREND[trend]} ({change}); сравнение проведено по среднемесячным "
        "значениям учтенных месяцев."
    )


def finding_not_comparable(previous: str) -> str:
    return (
        f"Сравнение с предыдущим кварталом ({previous}) на сопоставимой основе не проводится: "
        "нет помесячных данных."
    )


def finding_region_change(
    grew: str | None, grew_by: str | None, fell: str | None, fell_by: str | None
) -> str:
    parts = []
    if grew:
        parts.append(f"наибольший рост – {grew} ({grew_by})")
    if fell:
        parts.append(f"наибольшее снижение – {fell} ({fell_by})")
    return ("По регионам (по среднемесячному числу клиентов): " + "; ".join(parts) + ".") if parts else ""


FINDING_NO_PREVIOUS = "Сравнение с предыдущим кварталом не проводится: отчетный квартал – первый в году."

# what the largest category of an indicator is called in a finding (I2, I3, I5, I6, I8)
CATEGORY_KIND = {
    "i2": "отрасль экономики",
    "i3": "организационно-правовая форма",
    "i5": "возрастная категория",
    "i6": "категория субъекта предпринимательства",
    "i8": "исполнитель",
}
UNITS_GENITIVE = {"клиентов": "клиентов", "предприятий": "предприятий", "лиц": "клиентов (лиц)", "услуг": "услуг"}


def finding_largest(kind: str, name: str, n: str, share: str, unit: str) -> str:
    return f"Наибольшая доля {UNITS_GENITIVE.get(unit, unit)} за квартал – {kind} «{name}»: {n} ({share})."


def finding_services(total: str, top: str, top_n: str) -> str:
    return f"Оказано услуг за квартал: {total}; наиболее востребованный вид услуг – «{top}» ({top_n})."


def finding_online(share: str, months: str, previous: str | None, previous_months: str | None) -> str:
    text = f"Доля услуг, оказанных в онлайн-режиме, за {months} – {share}"
    return text + (f" (за {previous_months} – {previous})." if previous and previous_months else ".")


def finding_women(share: str) -> str:
    return f"Доля женщин среди клиентов (лиц) за квартал – {share}."


def estimate_phrase(value: str, interval: str, responses: str) -> str:
    return f"{value} (95-процентный доверительный интервал – {interval}; число ответов – {responses})"


def finding_quality(measure: str, estimate: str) -> str:
    return f"По республике за квартал {measure} – {estimate}."


def finding_significant(kind: str, name: str, below: bool, estimate: str, national: str) -> str:
    side = "ниже" if below else "выше"
    return (
        f"Статистически значимо {side} среднего по республике ({national}) оценен {kind} «{name}»: "
        f"{estimate}."
    )


FINDING_NO_DIFFERENCES = (
    "Между видами услуг и центрами обслуживания статистически значимых различий в оценке качества "
    "не выявлено (доверительные интервалы включают среднее по республике; значения по выборкам "
    "менее установленного минимума ответов не сравниваются)."
)
LOWEST_KIND = {"service": "вид услуг", "place_of_service": "центр обслуживания"}

# Q2 (issue 22): satisfaction from the questionnaires and the share the service helped (phone)
SATISFACTION_MEASURES = ("satisfied", "phone_helped", "phone_helped_at_least_partly")
FINANCING_PHONE = "phone_interested"
FINANCING_QUESTIONNAIRE = "questionnaire_financial_any"


def finding_measure(label: str, estimate: str) -> str:
    return f"{label}, за квартал – {estimate}."


def finding_financing(phone: str, questionnaire: str, verdict: str) -> str:
    """``verdict``: 'separate' (the intervals do not hold the other's value), 'same', or 'small'
    (one of the two is a small sample and is not compared)."""
    text = (
        "Заинтересованность в финансовых инструментах государственной поддержки: при телефонном "
        f"опросе – {phone}, по анкетам – {questionnaire}. "
    )
    if verdict == "small":
        return text + "Сравнение не проводится: число ответов меньше установленного минимума."
    if verdict == "separate":
        return text + (
            "Расхождение объясняется различием выборок и вопросов: телефонный опрос охватывает "
            "отобранных клиентов, ответивших на звонок, и спрашивает об интересе к инструментам в целом "
            "(вопрос 4 приложения 4 к Методике), анкеты заполняют клиенты по собственному желанию, "
            "отмечая желаемые виды поддержки (приложение 2 к Методике); изменением спроса оно не является."
        )
    return text + "Статистически значимого расхождения между двумя выборками не выявлено."


def finding_not_received(estimate: str, regions: list[str], centres: list[str], managers: int,
                         managers_total: int) -> str:
    text = (
        "Доля клиентов, сообщивших при телефонном опросе, что не получали услугу, указанную в реестре, "
        f"за квартал – {estimate}."
    )
    above = []
    if regions:
        above.append("в регионах: " + ", ".join(regions))
    if centres:
        above.append("в центрах обслуживания: " + ", ".join(f"«{c}»" for c in centres))
    if managers:
        above.append(f"у менеджеров оператора: {managers} из {managers_total}")
    if above:
        return text + " Статистически значимо выше среднего по республике – " + "; ".join(above) + "."
    return text + (
        " Регионов, центров обслуживания и менеджеров со статистически значимо более высокой долей "
        "не выявлено."
    )


def violation_late(month: str, submitted: str, due: str) -> str:
    return f"реестр за {month} представлен {submitted} при сроке до {due} и в отчет не включен"


def violation_missing(month: str, due: str) -> str:
    return f"реестр за {month} не представлен (срок – до {due})"


def violation_late_correction(month: str, submitted: str, due: str) -> str:
    return f"исправленный реестр за {month} представлен {submitted} при сроке до {due}"


def violation_no_correction(month: str, letter: str, due: str) -> str:
    return f"по письму-уведомлению от {letter} исправленный реестр за {month} в срок до {due} не представлен"


def finding_violations(parts: list[str]) -> str:
    if not parts:
        return "Нарушений оператором сроков представления и исправления реестров (пункты 7 и 9 Методики) не выявлено."
    return (
        "Оператором нефинансовой поддержки допущены нарушения сроков (пункты 7, 9 и 14 Методики): "
        + "; ".join(parts)
        + " (перечень – в приложениях А и В)."
    )


PROPOSALS_DRAFT = (
    "Проект предложений сформирован по установленным правилам на основании ключевых выводов "
    "(подраздел 4.1) и подлежит рассмотрению и редактированию специалистом финансового агентства "
    "до подписания отчета."
)
PROPOSALS_NONE = (
    "По итогам отчетного периода условия для формирования предложений не выявлены: нарушений сроков "
    "оператором и статистически значимых отклонений показателей качества от средних по республике нет."
)


def proposal(text: str, reference: str) -> str:
    return f"{text} ({reference})."


def proposal_letter(month: str, letter_date: str) -> str:
    return f"{month} (письмо-уведомление от {letter_date})"

# --- annexes ----------------------------------------------------------------------------

ANNEX_LATE_INTRO = (
    "Перечень случаев нарушения оператором срока представления реестра оказанных "
    "услуг (пункты 7 и 14 Методики) и срока исправления (пункт 9 Методики) за {period}"
)
ANNEX_LATE_NONE = "Нарушений срока представления реестров за {period} не выявлено"
LATE_HEADERS = (
    "Отчетный месяц",
    "Версия реестра",
    "Срок представления",
    "Дата представления",
    "Просрочка, дней",
    "Нарушение",
    "Использован в отчете",
)
VIOLATIONS = {
    "missing_registry": "реестр не представлен",
    "late_registry": "реестр представлен с нарушением срока",
    "late_correction": "исправленный реестр представлен с нарушением срока",
}
YES, NO = "да", "нет"

ANNEX_EXCLUDED_INTRO = (
    "Записи реестров, не включенные в показатели отчета: реестры, представленные с нарушением "
    "срока (пункт 10 Методики), записи, не подтвержденные актами оказанных услуг (пункт 11 "
    "Методики), и записи с ошибками заполнения, за {period}"
)
ANNEX_EXCLUDED_NONE = "Данные за {period} из отчета не исключались"
EXCLUDED_HEADER = "Причина исключения"
EXCLUDED_UNIT = "единица измерения: записей реестра"
EXCLUDED_NOTE = (
    "Запись, исключенная сразу по нескольким причинам, учтена один раз – по первой из них: сначала "
    "причины, относящиеся ко всему реестру (нарушение срока), затем ошибки заполнения в порядке "
    "перечня проверок, затем расхождения с актами оказанных услуг. По каждому месяцу приведена "
    "использованная версия реестра, а если ни одна версия не использована – последняя полученная."
)
EXCLUDED_TOTAL = "Итого"

ANNEX_LETTERS_INTRO = (
    "Письма-уведомления о выявленных ошибках в реестрах (пункт 8 Методики) и "
    "исправления оператора (пункт 9 Методики) за {period}"
)
ANNEX_LETTERS_NONE = "Письма-уведомления за {period} не направлялись"
LETTERS_HEADERS = (
    "Отчетный месяц",
    "Версия реестра",
    "Дата письма",
    "Записей с ошибками",
    "Число ошибок",
    "Срок исправления",
    "Исправленный реестр получен",
    "Исправление",
)
CORRECTION = {
    "corrected_in_time": "в срок",
    "corrected_late": "с нарушением срока",
    "awaited": "ожидается",  # its correction deadline has not passed at the evaluation time
    "": "не получено",
}
CONTENTS_TITLE_HEADER = "Наименование"


# --- revisions (reports as issued) --------------------------------------------------------

ANNEX_CHANGES = "Приложение Д. Изменения по сравнению с редакцией {revision}"
ANNEX_CHANGES_INTRO = (
    "Настоящий отчет является редакцией {revision} отчета за {period}. {reason}. "
    "Ниже приведены показатели, значения которых отличаются от редакции {previous}"
)
ANNEX_CHANGES_NONE = "Значения показателей не изменились; изменился состав использованных реестров"
CHANGES_TABLE_TITLE = "Изменения показателей по сравнению с редакцией {previous}"
CHANGES_STUB = "Показатель"
CHANGES_COLUMNS = ("Было", "Стало")
CHANGES_SCOPES = {"quarter": "за квартал", "year_to_date": "с начала года"}
CHANGES_NOT_PRINTED = "нет"
CHANGES_MEASURE_PARTS = {
    "n": "число ответов",
    "value": "значение",
    "ci_low": "нижняя граница интервала",
    "ci_high": "верхняя граница интервала",
}
FIRST_REVISION = "Первая редакция отчета"


def changes_month_scope(month: str) -> str:
    """A month of the dynamics table in the annex of changes: 'за март 2019 г.'."""
    return f"за {month}"


def revision_reason(added: list[str], removed: list[str], changed: int) -> str:
    """Why a new revision: the registry versions now used or no longer used, and how many figures moved."""
    parts = []
    if added:
        parts.append("использованы версии реестров " + ", ".join(added))
    if removed:
        parts.append("не используются версии реестров " + ", ".join(removed))
    parts.append(f"изменено показателей: {changed}")
    return "Изменились данные: " + "; ".join(parts)


# --- the workbook -----------------------------------------------------------------------------

CONTENTS_SHEET = "Содержание"  # a workbook sheet name: at most 31 characters


def on_sheet(title: str, sheet: str) -> str:
    """A contents line of a table sharing a sheet: 'Ошибки … (лист «Оценка работы оператора»)'."""
    return f"{title} (лист «{sheet}»)"


# --- annex Г: the operator's scorecard (scorecard.py) ----------------------------------------

SCORECARD_ANNEX = "Приложение Г. Оценка работы оператора нефинансовой поддержки"
SCORECARD_SHEET = "Оценка работы оператора"  # a workbook sheet name: at most 31 characters
SCORECARD_INTRO = (
    "Оценка работы оператора нефинансовой поддержки охватывает {months} ({names}): соблюдение сроков "
    "представления и исправления реестров оказанных услуг (пункты 7, 9 и 14 Методики), ошибки "
    "заполнения первоначальных реестров по видам проверок, выбросы и неправдоподобные закономерности в "
    "данных реестров, а также центры обслуживания, по которым рекомендуется в первую очередь проверить "
    "акты оказанных услуг. Выявленные отклонения не исключают данные из отчета и требуют пояснения оператора"
)
SCORECARD_SUMMARY = (
    "За {months} оператором представлено в срок {on_time} из {expected} ожидаемых реестров ({rate}); "
    "реестров с ошибками – {with_errors}, из них исправлено в срок – {corrected} ({corrected_rate})"
)
SCORECARD_SUMMARY_LATE = "; наибольшая просрочка – {days}{nbsp}раб. дн."

TIMELINESS_TITLE = "Своевременность представления реестров оператором"
CORRECTIONS_TITLE = "Исправление оператором реестров с ошибками"
TIMELINESS_STUB = "Отчетный месяц"
# (the mart's column, its header): one table for the deadline of clause 7, one for the corrections
TIMELINESS_COLUMNS = (
    ("registries_expected", "Ожидалось реестров"),
    ("registries_received", "Получено"),
    ("registries_on_time", "Представлено в срок"),
    ("on_time_rate", "Доля представленных в срок"),
    ("working_days_late", "Просрочка, рабочих дней"),
)
CORRECTIONS_COLUMNS = (
    ("registries_with_errors", "Реестров с ошибками"),
    ("registries_corrected_in_time", "Исправлено в срок"),
    ("corrected_in_time_rate", "Доля исправленных в срок"),
)
TIMELINESS_TOTAL = "Итого за {months}"
TIMELINESS_NOTE = (
    "Срок представления реестра – 1-е число месяца, следующего за отчетным (пункт 7 Методики); "
    "просрочка – число рабочих дней после срока по производственному календарю Республики Казахстан."
)
CORRECTIONS_NOTE = (
    "Реестр с ошибками – реестр, в котором выявлены ошибки заполнения и по которому направлено "
    "письмо-уведомление (пункт 8 Методики); исправление в срок – в течение 3 рабочих дней со дня "
    "письма (пункт 9 Методики)."
)

ERRORS_TITLE = "Ошибки заполнения первоначальных реестров по видам проверок"
ERRORS_STUB = "Вид проверки"
ERRORS_HEADERS = ("Записей с ошибкой", "Доля записей")
ERRORS_SUBMITTED = "Записей в первоначальных реестрах"
ERRORS_NONE = "Ошибок не выявлено"
ERRORS_NOTE = (
    "Первоначальный реестр – первая версия реестра за месяц, представленная оператором. Запись с "
    "несколькими ошибками учтена по каждой из них, поэтому сумма по видам проверок может превышать "
    "число записей с ошибками."
)

PATTERNS_TITLE = "Выбросы и неправдоподобные закономерности в данных реестров"
PATTERNS_STUB = "Показатель"
PATTERN_ROWS = (
    ("outliers:centre", "Выбросы по центрам обслуживания (центр за месяц)"),
    ("outliers:centre:extreme", "из них крайние значения"),
    ("outliers:manager", "Выбросы по менеджерам (менеджер за месяц)"),
    ("outliers:manager:extreme", "из них крайние значения"),
    ("manager_day_overload", "Дни, в которые один менеджер оказал услуг больше, чем вмещает рабочий день"),
    ("non_working_day", "Услуги, датированные выходными и праздничными днями"),
    ("repeated_service", "Повторные услуги того же подвида тому же клиенту в течение недели"),
    ("minor_entrepreneur", "Услуги индивидуальным предпринимателям, не достигшим совершеннолетия"),
)
PATTERNS_NOTE = (
    "Выброс – месячное число услуг или клиентов, резко отличающееся от медианы за предыдущие месяцы "
    "(отклонение от медианы, отнесенное к медианному абсолютному отклонению, выше порога); крайнее "
    "значение – отклонение выше повышенного порога. Дни сверх "
    "нормы – число дней (менеджер за день), остальные строки – число услуг. Пороговые значения "
    "установлены в настройках проверки качества данных."
)

RISK_TITLE = "Центры обслуживания с наибольшим риском неподтверждения услуг, {months}"
RISK_STUB = "Центр обслуживания"
RISK_HEADERS = (
    "Место в списке",
    "Опрошено клиентов",
    "Сообщили, что не получали услугу",
    "Доля",
    "Доверительный интервал",
    "Месяцев с выбросами",
    "Требует проверки",
)
RISK_NOTE = (
    "Центры упорядочены по нижней границе 95-процентного доверительного интервала доли клиентов, "
    "сообщивших при телефонном опросе, что не получали услугу (приложение 4 к Методике), затем по "
    "числу месяцев с выбросами. Приведены первые {top} центров."
)
RISK_NONE = "Данных телефонного опроса и выбросов по центрам обслуживания нет"
