"""Every word of the report a reader sees, in Kazakh (the state language), in one place.

The same public names and signatures as texts_ru (a test checks it), so one layout code writes
both editions from the same figures. The wording follows Kazakh official usage, not the
Russian sentence: no grammatical gender, a numeral takes the singular noun ('3 ай',
'12 қызмет'), dates read '2019 жылғы 1 желтоқсан', a clause is 'Әдістеменің 10-тармағы'. A
period or a month given as a string is never inflected (its suffix would depend on the last
word's vowels): the sentences put a fixed noun after it ('… кезеңінде', '… айының').
"""

from __future__ import annotations

import re
from datetime import date

from orchestration.outputs.reports.formatting import NBSP
from orchestration.outputs.reports.periods import DateRange, ReportingPeriod

LANGUAGE_TAG = "kk-KZ"  # the .docx's proofing language

# Latin letters a reader may see: the sample size 'n = 3' of a survey figure (issue 22).
LATIN_ALLOWED = re.compile(r"(?<![A-Za-z])n\u00a0=")

# --- calendar words --------------------------------------------------------------------

MONTHS = (
    "қаңтар",
    "ақпан",
    "наурыз",
    "сәуір",
    "мамыр",
    "маусым",
    "шілде",
    "тамыз",
    "қыркүйек",
    "қазан",
    "қараша",
    "желтоқсан",
)
# Kazakh dates keep the month in the nominative ('2019 жылғы 1 желтоқсан'); the name is kept
# for texts_ru's interface.
MONTHS_GENITIVE = MONTHS
# The locative of each month ('желтоқсанда'): its suffix follows the word's last vowel and consonant.
_MONTHS_LOCATIVE = (
    "қаңтарда",
    "ақпанда",
    "наурызда",
    "сәуірде",
    "мамырда",
    "маусымда",
    "шілдеде",
    "тамызда",
    "қыркүйекте",
    "қазанда",
    "қарашада",
    "желтоқсанда",
)
_FRONT_VOWEL_MONTHS = frozenset({4, 7, 9})  # сәуір, шілде, қыркүйек: '-гі', the others '-ғы'


def month_name(month: date) -> str:
    """'2019 жылғы қаңтар' — a registry's reporting month."""
    return f"{month.year}{NBSP}жылғы {MONTHS[month.month - 1]}"


def range_name(period: DateRange, with_year: bool = True) -> str:
    """'2019 жылғы қаңтар–қыркүйек' (or '2019 жылғы наурыз' for one month)."""
    first, last = MONTHS[period.start.month - 1], MONTHS[period.end.month - 1]
    months = first if first == last else f"{first}–{last}"
    return f"{period.end.year}{NBSP}жылғы {months}" if with_year else months


def column_name(period: DateRange) -> str:
    """A column header: 'Қаңтар–қыркүйек'."""
    return range_name(period, with_year=False).capitalize()


def long_date(day: date) -> str:
    """'2019 жылғы 1 желтоқсан'."""
    return f"{day.year}{NBSP}жылғы {day.day}{NBSP}{MONTHS[day.month - 1]}"


def _on_date(day: date) -> str:
    """'2019 жылғы 1 желтоқсанда' — when something was done."""
    return f"{day.year}{NBSP}жылғы {day.day}{NBSP}{_MONTHS_LOCATIVE[day.month - 1]}"


def _of_date(day: date) -> str:
    """'2019 жылғы 1 желтоқсандағы' — a date qualifying a noun ('… жағдай бойынша')."""
    suffix = "гі" if day.month in _FRONT_VOWEL_MONTHS else "ғы"
    return f"{day.year}{NBSP}жылғы {day.day}{NBSP}{_MONTHS_LOCATIVE[day.month - 1]}{suffix}"


# --- title page and headings (numbered as in Appendix 3 of the methodology) -----------

ORGANISATION = "«Даму» кәсіпкерлікті дамыту қоры» акционерлік қоғамы"
DOCUMENT_TITLE = "Сервистік қолдаудың іске асырылуына жүргізілген мониторинг туралы есеп"
INSTRUMENT = "«Жұмыс істеп тұрған кәсіпкерлік қызметті жүргізуге сервистік қолдау көрсету»"
CITY = "Алматы"


def document_subtitle(period: ReportingPeriod) -> str:
    if period.is_final:
        return (
            f"{period.year}{NBSP}жылғы қорытынды жылдық есеп "
            f"({_of_date(date(period.year, 12, 1))} жағдай бойынша деректер)"
        )
    return f"{period.year}{NBSP}жылғы {period.quarter_number}-тоқсан ({range_name(period.quarter)})"


def generated_on(day: date) -> str:
    return f"Есептің жобасы {_on_date(day)} жасалды"


def outgoing(day: date) -> str:
    """The outgoing number and date, filled in when the letter is registered (clause 13); the
    year is the production date's."""
    return f"Шығ.{NBSP}№{NBSP}__________ {day.year}{NBSP}жылғы «____» ______________"


TOC_TITLE = "Мазмұны"
EXECUTOR = "Орындаушы"
PHONE = "тел."
SIGNATURE_LINE = "____________________"


def page_footer() -> str:
    return "Бет "


def table_label(number: int) -> str:
    """'1-кесте'."""
    return f"{number}-кесте"


def figure_label(number: int) -> str:
    """'1-сурет'."""
    return f"{number}-сурет"


H1_INTRODUCTION = "1. Кіріспе"
H1_STATISTICS = "2. Статистикалық көрсеткіштерді талдау"
H1_QUALITY = "3. Сервистік қолдаудың іске асырылу сапасының аудиті"
H1_CONCLUSION = "4. Қорытынды"
H2_FINDINGS = "4.1. Негізгі тұжырымдар"
H2_PROPOSALS = "4.2. Ұсыныстар (жоба)"
ANNEX_LATE = "А қосымшасы. Мерзімі бұзылып ұсынылған немесе ұсынылмаған тізілімдер"
ANNEX_EXCLUDED = "Б қосымшасы. Есептен алынып тасталған деректер және оларды алып тастау себептері"
ANNEX_LETTERS = "В қосымшасы. Операторға жіберілген хабарлама хаттар және түзетулер"

NO_DATA = "Деректер жоқ."
TABLE = "Кесте"
FIGURE = "Сурет"
CONTINUED = "(жалғасы)"
TOTAL_ROW = "Республика бойынша барлығы"
TOTAL_COLUMN = "Барлығы"
REGION_HEADER = "Өңір"
MEASURE_HEADER = "Көрсеткіш"

# --- 1. Introduction -------------------------------------------------------------------

INTRODUCTION = (
    "Осы есепті қаржы агенттігі – «Даму» кәсіпкерлікті дамыту қоры» акционерлік қоғамы Қазақстан "
    "Республикасы Ұлттық экономика министрінің 2019 жылғы 24 маусымдағы № 59 бұйрығымен бекітілген "
    "Жұмыс істеп тұрған кәсіпкерлік қызметті жүргізуге сервистік қолдау көрсетудің мониторингін жүргізу "
    "әдістемесіне (бұдан әрі – Әдістеме) сәйкес дайындады.",
    INSTRUMENT + " құралы «Бизнестің жол картасы – 2020» бизнесті қолдау мен дамытудың мемлекеттік "
    "бағдарламасы шеңберінде іске асырылады. Қаржылық емес қолдау операторы – «Атамекен» Қазақстан "
    "Республикасының Ұлттық кәсіпкерлер палатасы шағын және орта кәсіпкерлік субъектілеріне сервистік "
    "қызметтерді кәсіпкерлерге қызмет көрсету орталықтары, кәсіпкерлікті қолдау орталықтары және "
    "кәсіпкерлікті қолдаудың мобильді орталықтары арқылы, сондай-ақ онлайн режимінде көрсетеді.",
    "Деректер көздері: оператор ай сайын ұсынатын көрсетілген қызметтер тізілімдері (Әдістемеге "
    "1-қосымша), көрсетілген қызметтер актілері, сауалнамалар тізілімдері (Әдістемеге 2-қосымша) және "
    "клиенттерге жүргізілген телефон сауалнамасының нәтижелері (Әдістемеге 4-қосымша). Мерзімі бұзылып "
    "ұсынылған деректер есепке енгізілмейді (Әдістеменің 10-тармағы); көрсетілген қызметтер "
    "актілерімен расталмаған, сондай-ақ олармен күні немесе қызметтер тізбесі бойынша сәйкес келмейтін тізілім "
    "жазбалары алынып тасталады (Әдістеменің 11-тармағы).",
)


def sentence(text: str) -> str:
    """End with exactly one full stop."""
    return text if text.endswith(".") else text + "."


def introduction_period(period: ReportingPeriod) -> str:
    text = f"Есепті кезең – {range_name(period.quarter)}"
    if not period.quarter_is_year_to_date:  # Q1: the quarter is the year to date
        text += f"; өспелі жиынмен көрсеткіштер {range_name(period.year_to_date)} кезеңі үшін келтірілген"
    text = sentence(text)
    if period.is_final:
        text += (
            f" Қорытынды есепке төртінші тоқсан {_of_date(date(period.year, 12, 1))} деректер бойынша, "
            "яғни қараша айының тізілімі ескеріле отырып енгізілді (Әдістеменің 12-тармағы)."
        )
    return text


COUNTING_RULES = (
    "Клиент – шағын және орта кәсіпкерлік субъектісі – ЖСН немесе БСН бойынша есепке алынады; "
    "жүгінген тұлға гендерлік және жас бөліністерінде бірнеше компанияның атынан жүгінсе де бір рет "
    "есепке алынады. Барлық қорытынды мәндер – бүкіл кезеңдегі және бүкіл республика бойынша әртүрлі "
    "клиенттердің (тұлғалардың, кәсіпорындардың) саны; клиенттің бірнеше өңірде немесе бірнеше айда "
    "қызмет алған жағдайында олар жолдардың сомасынан аз болуы мүмкін. «–» белгісі жағдайдың "
    "болмағанын білдіреді."
)

REGISTRIES_TITLE = "Есепте пайдаланылған көрсетілген қызметтер тізілімдері"
REGISTRIES_HEADERS = (
    "Есепті ай",
    "Тізілім нұсқасы",
    "Ұсынылған күні",
    "Мерзімнің сақталуы",
    "Есепте пайдаланылды",
    "Тізілімдегі жазбалар",
    "Есепке алынған жазбалар",
    "Алынып тасталған жазбалар",
)
REGISTRIES_NOTE = (
    "Тізілімді ұсыну мерзімі – есепті айдан кейінгі айдың 1-күні (Әдістеменің 7-тармағы), уақыт "
    "Алматы уақыты бойынша көрсетілген. Оператор түзетілген тізілімді жіберген ай бойынша (Әдістеменің "
    "9-тармағы) пайдаланылған нұсқа келтірілген; мерзімі бұзылып ұсынылған тізілім есепке енгізілмейді "
    "(Әдістеменің 10-тармағы), оның барлық жазбалары алынып тасталды (Б қосымшасы)."
)


def registries_summary(ingested: int, counted: int, excluded: int, window: str, fmt) -> str:
    return (
        f"{window} кезеңінде есепке қатысты көрсетілген қызметтер тізілімдерінде {fmt(ingested)} жазба "
        f"бар: көрсеткіштерде есепке алынғаны – {fmt(counted)}, алынып тасталғаны – {fmt(excluded)} "
        "(себептері Б қосымшасында келтірілген)."
    )


def months_left_out(coverage: list[tuple[str, int, int]], months: list[tuple[str, str]]) -> str:
    """R8: which months' registries are missing from the counts, and why.

    ``coverage``: (period name, months counted, months in the period); ``months``: (month, why).
    """
    counted = "; ".join(f"{name} кезеңінде – {total} айдың {n} айы бойынша" for name, n, total in coverage)
    text = f"Көрсеткіштер кезеңнің барлық айлары бойынша есептелмеді: {counted}."
    for month, why in months:
        text += f" {month} айының тізілімі {why}."
    return text


def why_left_out(status: str, submitted: str | None, due: str | None) -> str:
    if status == "awaited":
        return "күтілуде: оны ұсыну мерзімі әлі өтпеген (Әдістеменің 7-тармағы)"
    if status == "missing":
        return "ұсынылмады (Әдістеменің 7-тармағы)"
    if status == "late" and submitted and due:
        return f"{submitted} ұсынылды (мерзімі – {due}, қоса алғанда) және есепке енгізілмеді (Әдістеменің 10-тармағы)"
    return "есепке енгізілмеді: оның барлық жазбалары алынып тасталды (Б қосымшасы)"


# Why a month is not in a period's counts, as a table heading or chart caption says it (issue 20).
LEFT_OUT_SHORT = {
    "awaited": "тізілім күтілуде",
    "missing": "тізілім ұсынылмады",
    "late": "тізілім мерзімі бұзылып ұсынылды",
}
LEFT_OUT_SHORT_OTHER = "тізілімнің барлық жазбалары алынып тасталды"


def period_note(window: str, months: list[tuple[str, str]]) -> str:
    """'2019 жылғы қаңтар–наурыз; наурыз енгізілмеді: тізілім мерзімі бұзылып ұсынылды'."""
    return "; ".join([window, *(f"{month} енгізілмеді: {why}" for month, why in months)])


def with_period_note(title: str, notes: list[str]) -> str:
    """A table heading with the notes of the period columns that miss a month."""
    return f"{title} ({'; '.join(notes)})" if notes else title


STATUS = {
    "on_time": "мерзімінде",
    "late": "мерзімі бұзылып",
    "missing": "ұсынылмаған",
    "not_evaluated": "тексерілмеген",
    "corrected_in_time": "түзетілген тізілім мерзімінде",
    "corrected_late": "түзетілген тізілім мерзімі бұзылып",
}

# --- 2. Statistics ----------------------------------------------------------------------

STATISTICS_INTRO = (
    "Бөлімде Әдістеменің 5-тармағының 1) тармақшасында көзделген көрсеткіштер есепті тоқсан үшін және "
    "жыл басынан бергі өспелі жиынмен келтірілген. Өңірлер ресми тәртіппен берілген."
)

# The nine indicators of clause 5(1): heading, what is counted, and the unit of the table.
INDICATOR_HEADINGS = {
    "i1": "2.1. Қызмет алған клиенттер саны өңірлер бөлінісінде",
    "i2": "2.2. Қызмет алған клиенттер саны экономика салалары бөлінісінде өңірлер бойынша",
    "i3": "2.3. Клиент кәсіпорындарының саны ұйымдық-құқықтық нысаны бөлінісінде өңірлер бойынша",
    "i4": "2.4. Қызмет алған клиенттер саны гендерлік бөліністе өңірлер бойынша",
    "i5": "2.5. Клиенттер саны жас санаты бойынша",
    "i6": "2.6. Қызмет алған клиенттер саны кәсіпкерлік субъектісінің санаты бойынша өңірлер бөлінісінде",
    "i7": "2.7. Көрсетілген қызметтер тізбесі бойынша сандық көрсеткіштер өңірлер бөлінісінде",
    "i8": "2.8. Қаржылық емес қолдау операторы және сервистік компаниялар көрсеткен қызметтер саны",
    "i9": "2.9. Онлайн режимінде көрсетілген қызметтер саны",
}

INDICATOR_NOTES = {
    "i4": "Бірнеше компанияның атынан жүгінген тұлға бір рет есепке алынды (Әдістеменің 5-тармағының "
    "1) тармақшасы).",
    "i5": "Бірнеше компанияның атынан жүгінген тұлға бір рет есепке алынды (Әдістеменің 5-тармағының "
    "1) тармақшасы).",
}

# Table titles: (by region, national breakdown)
TABLE_TITLES = {
    "i1": ("Қызмет алған клиенттер саны өңірлер бойынша", ""),
    "i2": (
        "Клиенттер саны экономика салалары бойынша өңірлер бөлінісінде",
        "Клиенттер саны экономика салалары (ЭҚЖЖ секциялары) бойынша, республика бойынша",
    ),
    "i3": (
        "Клиент кәсіпорындарының саны ұйымдық-құқықтық нысаны бойынша өңірлер бөлінісінде",
        "Клиент кәсіпорындарының саны ұйымдық-құқықтық нысаны бойынша, республика бойынша",
    ),
    "i4": ("Клиенттер (тұлғалар) саны жынысы бойынша өңірлер бөлінісінде", ""),
    "i5": (
        "Клиенттер (тұлғалар) саны жас санаты бойынша өңірлер бөлінісінде",
        "Клиенттер (тұлғалар) саны жас санаты бойынша, республика бойынша",
    ),
    "i6": ("Клиенттер саны кәсіпкерлік субъектісінің санаты бойынша өңірлер бөлінісінде", ""),
    "i7": (
        "Көрсетілген қызметтер саны қызмет түрлері бойынша өңірлер бөлінісінде",
        "Көрсетілген қызметтер саны қызмет түрлері мен кіші түрлері бойынша, республика бойынша",
    ),
    "i8": ("Көрсетілген қызметтер саны орындаушылар бойынша өңірлер бөлінісінде", ""),
    "i9": ("Көрсетілген қызметтер саны көрсету тәсілі бойынша өңірлер бөлінісінде", ""),
}

UNITS = {
    "clients": "клиент",
    "enterprises": "кәсіпорын",
    "persons": "тұлға",
    "services": "қызмет",
}
UNIT_LINE = {
    "clients": "адам",
    "enterprises": "бірлік",
    "persons": "адам",
    "services": "бірлік",
}

DIMENSION_HEADERS = {
    "oked_section": "Экономика саласы (ЭҚЖЖ секциясы)",
    "legal_form": "Ұйымдық-құқықтық нысаны",
    "gender": "Жынысы",
    "age_group": "Жас санаты",
    "sme_category": "Кәсіпкерлік субъектісінің санаты",
    "service": "Қызмет түрі",
    "provider": "Орындаушы",
    "channel": "Көрсету тәсілі",
}


def unit_caption(measure: str) -> str:
    return f"өлшем бірлігі: {UNIT_LINE[measure]}"


def footnote_regions(measure: str) -> str:
    unit = UNITS[measure]
    return (
        f"Республика бойынша жиынтық – кезеңдегі әртүрлі {unit} саны; ол өңірлер бойынша сомадан аз, "
        "өйткені олардың бір бөлігі бірнеше өңірде есепке алынған."
    )


def footnote_categories(measure: str) -> str:
    unit = UNITS[measure]
    return (
        f"«{TOTAL_COLUMN}» бағаны (жиынтық жолы) – әртүрлі {unit} саны; ол санаттар бойынша сомадан аз, "
        "өйткені олардың бір бөлігі бірнеше санатқа жатқызылған."
    )


# Codes a mart may carry where its Kazakh name column is empty are not translated here: the
# Kazakh edition prints the seeds' Kazakh names and fails on a missing one (figures.py).
CODE_LABELS: dict[str, dict[str, str]] = {}

LEGAL_FORM_ABBREVIATIONS = {
    "ЖК": "жеке кәсіпкер",
    "ЖК (бірлескен)": "жеке кәсіпкер (бірлескен кәсіпкерлік)",
    "ШҚ": "шаруа (фермер) қожалығы",
    "ЖШС": "жауапкершілігі шектеулі серіктестік",
    "АҚ": "акционерлік қоғам",
    "ӨК": "өндірістік кооператив",
    "ТС": "толық серіктестік",
    "КС": "коммандиттік серіктестік",
    "ҚЖС": "қосымша жауапкершілігі бар серіктестік",
    "МК": "мемлекеттік кәсіпорын",
}


def abbreviations_note(labels: list[str]) -> str:
    used = [
        f"{short} – {LEGAL_FORM_ABBREVIATIONS[short]}"
        for short in labels
        if short in LEGAL_FORM_ABBREVIATIONS
    ]
    return ("Қысқартулар: " + "; ".join(used) + ".") if used else ""


def short_region(name: str) -> str:
    """Chart labels: 'Ақмола облысы' → 'Ақмола обл.'; 'Алматы қаласы' → 'Алматы қ.'."""
    return name.replace(" облысы", f"{NBSP}обл.").replace(" қаласы", f"{NBSP}қ.")


# --- charts -----------------------------------------------------------------------------

CHART_REGIONS = "Қызмет алған клиенттер саны өңірлер бойынша"
CHART_GENDER = "Клиенттер (тұлғалар) саны жынысы бойынша өңірлер бөлінісінде"
CHART_AGE = "Клиенттер (тұлғалар) саны жас санаты бойынша"
CHART_SERVICES = "Көрсетілген қызметтер саны қызмет түрлері бойынша"
CHART_ONLINE = "Онлайн режимінде көрсетілген қызметтердің үлесі өңірлер бойынша"
AXIS_CLIENTS = "Клиенттер"
AXIS_PERSONS = "Тұлғалар"
AXIS_SERVICES = "Қызметтер"
AXIS_SHARE = "Үлесі, %"
LEGEND_REPUBLIC = "Республика бойынша орташа"

# --- the year's dynamics (final report, issue 22) ---------------------------------------------

H2_DYNAMICS = "2.10. Негізгі көрсеткіштердің жыл ішіндегі серпіні"
DYNAMICS_INTRO = (
    "Кезеңдерді салыстыру үшін көрсеткіштер айлар бойынша, ал тоқсандар бойынша – тоқсанның есепке "
    "алынған айлары бойынша айына орта есеппен келтірілген: деректері есепке енгізілмеген ай орташа "
    "мәнге кірмейді және графикте сызықтың үзілуімен көрсетілген."
)
DYNAMICS_TITLE = "Негізгі көрсеткіштер айлар бойынша және тоқсандар бойынша айына орта есеппен"
DYNAMICS_STUB = "Кезең"
DYNAMICS_HEADERS = (
    "Қызмет алған клиенттер",
    "Көрсетілген қызметтер",
    "Онлайн режимінде көрсетілген қызметтер",
    "Онлайн режиміндегі қызметтердің үлесі",
)
DYNAMICS_UNIT = "өлшем бірлігі: адам, бірлік"
DYNAMICS_NOTE = (
    "Айдағы клиенттер саны – айдағы әртүрлі клиенттердің саны; тоқсан бойынша орташа – есепке "
    "алынған айлардың орташа арифметикалық мәні. «Енгізілмеді» – айдың деректері есепке енгізілмеді "
    "(Әдістеменің 10-тармағы; себептері 1-бөлімде және А қосымшасында келтірілген)."
)
MONTH_LEFT_OUT = "енгізілмеді"
CHART_DYNAMICS = "Клиенттер, көрсетілген қызметтер және онлайн режиміндегі қызметтер саны айлар бойынша"
DYNAMICS_SERIES = ("Клиенттер", "Қызметтер", "Онлайн режиміндегі қызметтер")
AXIS_COUNT = "Адам, бірлік"


def quarter_average_label(number: int, months: str) -> str:
    """'2-тоқсан, айына орта есеппен (2019 жылғы мамыр–маусым)'."""
    return f"{number}-тоқсан, айына орта есеппен" + (f" ({months})" if months else "")


# --- 3. Quality -------------------------------------------------------------------------

QUALITY_INTRO = (
    "Сапа аудитін қаржы агенттігі өңірлік филиалдар желісі және (немесе) қаржы агенттігінің "
    "байланыс орталығы арқылы клиенттерге телефон сауалнамасын жүргізу, сондай-ақ сауалнамалар "
    "тізілімі бойынша клиенттердің қанағаттанушылығын бағалау және мемлекеттік қолдаудың қаржы "
    "құралдарына сұранысты талдау арқылы жүргізеді (Әдістеменің 5-тармағының 2) тармақшасы). Әрбір "
    "көрсеткіш бойынша жауаптар саны және 95 пайыздық сенім аралығы келтірілген."
)
QUALITY_HEADINGS = {
    "q1": "3.1. Алынған қызметтердің және (немесе) консультациялардың сапасын бағалау көрсеткіштері",
    "q2": "3.2. Алынған сервистік қызметке және (немесе) консультацияға қанағаттанушылық көрсеткіштері",
    "q3": "3.3. Клиенттердің мемлекеттік қолдаудың қаржы құралдарын алуға мүдделілігі",
    "confirmation": "3.4. Клиенттердің қызметтерді алғанын растауы",
}
QUALITY_TITLES = {
    "q1": "Алынған қызметтер мен консультациялардың сапасын бағалау",
    "q2": "Алынған қызметтер мен консультацияларға қанағаттанушылық",
    "q3": "Клиенттердің мемлекеттік қолдаудың қаржы құралдарына мүдделілігі",
    "confirmation": "Телефон сауалнамасы кезінде қызметтерді алғанын растау",
}
QUALITY_BY_REGION = "өңірлер бойынша"
QUALITY_AXES = {"service": "қызмет түрлері бойынша", "place_of_service": "қызмет көрсету орталықтары бойынша"}
QUALITY_AXIS_HEADERS = {"service": "Қызмет түрі", "place_of_service": "Қызмет көрсету орталығы"}
QUALITY_SUBHEADERS = ("Жауаптар саны", "Мәні", "Сенім аралығы")


def small_sample(n: int) -> str:
    """A mean or share on too few answers (the marts' is_small_sample): 'д/ж (n = 3)'."""
    return f"д/ж (n{NBSP}={NBSP}{n})"


def phone_survey_missing(quarter: str, year_to_date: str | None) -> str:
    """A table whose phone-survey figures for the quarter are not in at the report's date."""
    text = (
        f"Есеп жасалған күнге {quarter} кезеңі бойынша клиенттерге жүргізілген телефон сауалнамасының "
        "нәтижелері түскен жоқ: осы кезең үшін телефон сауалнамасының көрсеткіштері келтірілмейді"
    )
    if year_to_date:
        text += f", ал {year_to_date} кезеңі үшін олар алдыңғы тоқсандар бойынша есептелді"
    return text + "."


SMALL_SAMPLE_NOTE = (
    f"«д/ж (n{NBSP}={NBSP}…)» – мән келтірілмейді (деректер жеткіліксіз): жауаптар саны белгіленген "
    "ең аз мөлшерден кем; мұндай мәндер салыстыруларда және тұжырымдарда пайдаланылмайды."
)
QUALITY_UNIT_NOTE = (
    "Бағалар – 1-ден 5-ке дейінгі шкала бойынша орташа балл; үлестер – жауап бергендер санына "
    "пайызбен. Сенім аралығы – 95 пайыздық."
)

# --- 4. Conclusion ----------------------------------------------------------------------


def months_phrase(months: list[date]) -> str:
    """The months a figure covers: '2019 жылғы мамыр–маусым' when consecutive, else
    '2019 жылғы қаңтар, ақпан және мамыр'."""
    if not months:
        return ""
    consecutive = all(
        (b.year * 12 + b.month) - (a.year * 12 + a.month) == 1 for a, b in zip(months, months[1:], strict=False)
    )
    if consecutive:
        return range_name(DateRange(months[0], months[-1]))
    names = [MONTHS[m.month - 1] for m in months]
    return f"{months[-1].year}{NBSP}жылғы {', '.join(names[:-1])} және {names[-1]}"


def finding_totals(quarter: str, year_to_date: str, clients_q: str, clients_ytd: str,
                   counted: str | None = None, left_out: str | None = None) -> str:
    """``counted``: the quarter's counted months when it misses one; ``left_out``: the months of
    the year to date not counted."""
    if quarter == year_to_date:  # the first quarter is its year to date
        text = f"{quarter} кезеңінде қызмет алған клиенттер саны – {clients_q}."
    else:
        text = (
            f"Қызмет алған клиенттер саны: {quarter} кезеңінде – {clients_q}, {year_to_date} кезеңінде – "
            f"{clients_ytd}."
        )
    if counted:
        text += " " + sentence(f"Тоқсан көрсеткіштерінде тек {counted} кезеңінің деректері ескерілді")
    if left_out:
        text += " " + sentence(f"{left_out} кезеңінің деректері жыл басынан бергі көрсеткіштерге енгізілмеді")
    return text


def finding_regions(largest: str, largest_n: str, smallest: str, smallest_n: str) -> str:
    return (
        f"Тоқсан ішінде клиенттер саны ең көп өңір – {largest} ({largest_n}), "
        f"ең аз өңір – {smallest} ({smallest_n})."
    )


SUBJECT_CLIENTS = "клиенттер саны"
SUBJECT_SERVICES = "көрсетілген қызметтер саны"
TREND = {
    "grew": "өсті",
    "fell": "азайды",
    "stable": "айтарлықтай өзгерген жоқ",
}


def finding_monthly_change(subject: str, now: str, months: str, before: str, before_months: str,
                           change: str, trend: str) -> str:
    """Like for like (issue 22): monthly averages over the months each period has counted."""
    return (
        f"Айына орта есеппен {subject} {months} кезеңінде {now}, ал {before_months} кезеңінде {before} "
        f"болды, яғни {TREND[trend]} ({change}); салыстыру есепке алынған айлардың айлық орташа мәндері "
        "бойынша жүргізілді."
    )


def finding_not_comparable(previous: str) -> str:
    return (
        f"Алдыңғы тоқсанмен ({previous}) салыстырмалы негізде салыстыру жүргізілмейді: айлар бойынша "
        "деректер жоқ."
    )


def finding_region_change(
    grew: str | None, grew_by: str | None, fell: str | None, fell_by: str | None
) -> str:
    parts = []
    if grew:
        parts.append(f"ең көп өсім – {grew} ({grew_by})")
    if fell:
        parts.append(f"ең көп төмендеу – {fell} ({fell_by})")
    return ("Өңірлер бойынша (клиенттердің айлық орташа саны бойынша): " + "; ".join(parts) + ".") if parts else ""


FINDING_NO_PREVIOUS = "Алдыңғы тоқсанмен салыстыру жүргізілмейді: есепті тоқсан – жылдың бірінші тоқсаны."

# what the largest category of an indicator is called in a finding (I2, I3, I5, I6, I8)
CATEGORY_KIND = {
    "i2": "экономика саласы",
    "i3": "ұйымдық-құқықтық нысан",
    "i5": "жас санаты",
    "i6": "кәсіпкерлік субъектісінің санаты",
    "i8": "орындаушы",
}
UNITS_GENITIVE = {"клиент": "клиенттердің", "кәсіпорын": "кәсіпорындардың", "тұлға": "клиенттердің (тұлғалардың)",
                  "қызмет": "қызметтердің"}


def finding_largest(kind: str, name: str, n: str, share: str, unit: str) -> str:
    return f"Тоқсан ішінде {UNITS_GENITIVE.get(unit, unit)} ең үлкен үлесі – {kind} «{name}»: {n} ({share})."


def finding_services(total: str, top: str, top_n: str) -> str:
    return f"Тоқсан ішінде көрсетілген қызметтер: {total}; ең көп сұранысқа ие қызмет түрі – «{top}» ({top_n})."


def finding_online(share: str, months: str, previous: str | None, previous_months: str | None) -> str:
    text = f"{months} кезеңінде онлайн режимінде көрсетілген қызметтердің үлесі – {share}"
    return text + (f" ({previous_months} кезеңінде – {previous})." if previous and previous_months else ".")


def finding_women(share: str) -> str:
    return f"Тоқсан ішінде клиенттер (тұлғалар) арасындағы әйелдердің үлесі – {share}."


def estimate_phrase(value: str, interval: str, responses: str) -> str:
    return f"{value} (95 пайыздық сенім аралығы – {interval}; жауаптар саны – {responses})"


def finding_quality(measure: str, estimate: str) -> str:
    return f"Тоқсан ішінде республика бойынша {measure} – {estimate}."


def finding_significant(kind: str, name: str, below: bool, estimate: str, national: str) -> str:
    side = "төмен" if below else "жоғары"
    return (
        f"Республика бойынша орташа мәннен ({national}) статистикалық тұрғыдан маңызды {side} бағаланған "
        f"{kind} – «{name}»: {estimate}."
    )


FINDING_NO_DIFFERENCES = (
    "Қызмет түрлері мен қызмет көрсету орталықтары арасында сапаны бағалауда статистикалық тұрғыдан "
    "маңызды айырмашылықтар анықталған жоқ (сенім аралықтары республика бойынша орташа мәнді қамтиды; "
    "жауаптар саны белгіленген ең аз мөлшерден кем іріктемелер бойынша мәндер салыстырылмайды)."
)
LOWEST_KIND = {"service": "қызмет түрі", "place_of_service": "қызмет көрсету орталығы"}

# Q2 (issue 22): satisfaction from the questionnaires and the share the service helped (phone)
SATISFACTION_MEASURES = ("satisfied", "phone_helped", "phone_helped_at_least_partly")
FINANCING_PHONE = "phone_interested"
FINANCING_QUESTIONNAIRE = "questionnaire_financial_any"


def finding_measure(label: str, estimate: str) -> str:
    return f"{label}, тоқсан ішінде – {estimate}."


def finding_financing(phone: str, questionnaire: str, verdict: str) -> str:
    """``verdict``: 'separate' (the intervals do not hold the other's value), 'same', or 'small'
    (one of the two is a small sample and is not compared)."""
    text = (
        "Мемлекеттік қолдаудың қаржы құралдарына мүдделілік: телефон сауалнамасы бойынша – "
        f"{phone}, сауалнамалар бойынша – {questionnaire}. "
    )
    if verdict == "small":
        return text + "Салыстыру жүргізілмейді: жауаптар саны белгіленген ең аз мөлшерден кем."
    if verdict == "separate":
        return text + (
            "Айырмашылық іріктемелер мен сұрақтардың әртүрлілігімен түсіндіріледі: телефон сауалнамасы "
            "қоңырауға жауап берген іріктелген клиенттерді қамтиды және жалпы құралдарға қызығушылық туралы "
            "сұрайды (Әдістемеге 4-қосымшаның 4-сұрағы), ал сауалнамаларды клиенттер өз қалауы бойынша "
            "толтырып, қажетті қолдау түрлерін белгілейді (Әдістемеге 2-қосымша); бұл сұраныстың "
            "өзгеруін білдірмейді."
        )
    return text + "Екі іріктеме арасында статистикалық тұрғыдан маңызды айырмашылық анықталған жоқ."


def finding_not_received(estimate: str, regions: list[str], centres: list[str], managers: int,
                         managers_total: int) -> str:
    text = (
        "Телефон сауалнамасы кезінде тізілімде көрсетілген қызметті алмағанын хабарлаған клиенттердің "
        f"үлесі тоқсан ішінде – {estimate}."
    )
    above = []
    if regions:
        above.append("өңірлерде: " + ", ".join(regions))
    if centres:
        above.append("қызмет көрсету орталықтарында: " + ", ".join(f"«{c}»" for c in centres))
    if managers:
        above.append(f"оператор менеджерлерінде: {managers_total} менеджердің {managers}")
    if above:
        return text + " Республика бойынша орташа мәннен статистикалық тұрғыдан маңызды жоғары – " + "; ".join(
            above) + "."
    return text + (
        " Үлесі статистикалық тұрғыдан маңызды жоғары өңірлер, қызмет көрсету орталықтары және "
        "менеджерлер анықталған жоқ."
    )


def violation_late(month: str, submitted: str, due: str) -> str:
    return f"{month} айының тізілімі {submitted} ұсынылды (мерзімі – {due}) және есепке енгізілмеді"


def violation_missing(month: str, due: str) -> str:
    return f"{month} айының тізілімі ұсынылмады (мерзімі – {due})"


def violation_late_correction(month: str, submitted: str, due: str) -> str:
    return f"{month} айының түзетілген тізілімі {submitted} ұсынылды (мерзімі – {due})"


def violation_no_correction(month: str, letter: str, due: str) -> str:
    return f"{letter} хабарлама хат бойынша {month} айының түзетілген тізілімі ұсынылмады (мерзімі – {due})"


def finding_violations(parts: list[str]) -> str:
    if not parts:
        return (
            "Оператордың тізілімдерді ұсыну және түзету мерзімдерін бұзуы (Әдістеменің 7 және "
            "9-тармақтары) анықталған жоқ."
        )
    return (
        "Қаржылық емес қолдау операторы мерзімдерді бұзды (Әдістеменің 7, 9 және 14-тармақтары): "
        + "; ".join(parts)
        + " (тізбесі А және В қосымшаларында)."
    )


PROPOSALS_DRAFT = (
    "Ұсыныстардың жобасы негізгі тұжырымдар (4.1-кіші бөлім) негізінде белгіленген қағидалар бойынша "
    "жасалды және есепке қол қойылғанға дейін қаржы агенттігінің маманы қарап, өңдеуге тиіс."
)
PROPOSALS_NONE = (
    "Есепті кезеңнің қорытындысы бойынша ұсыныстар жасау үшін жағдайлар анықталған жоқ: оператордың "
    "мерзімдерді бұзуы және сапа көрсеткіштерінің республика бойынша орташа мәндерден статистикалық "
    "тұрғыдан маңызды ауытқуы жоқ."
)


def proposal(text: str, reference: str) -> str:
    return f"{text} ({reference})."


def proposal_letter(month: str, letter_date: str) -> str:
    return f"{month} ({letter_date} хабарлама хат)"

# --- annexes ----------------------------------------------------------------------------

ANNEX_LATE_INTRO = (
    "{period} кезеңінде оператордың көрсетілген қызметтер тізілімін ұсыну мерзімін (Әдістеменің 7 және "
    "14-тармақтары) және түзету мерзімін (Әдістеменің 9-тармағы) бұзу жағдайларының тізбесі"
)
ANNEX_LATE_NONE = "{period} кезеңінде тізілімдерді ұсыну мерзімін бұзу анықталған жоқ"
LATE_HEADERS = (
    "Есепті ай",
    "Тізілім нұсқасы",
    "Ұсыну мерзімі",
    "Ұсынылған күні",
    "Кешіктіру, күн",
    "Бұзушылық",
    "Есепте пайдаланылды",
)
VIOLATIONS = {
    "missing_registry": "тізілім ұсынылмады",
    "late_registry": "тізілім мерзімі бұзылып ұсынылды",
    "late_correction": "түзетілген тізілім мерзімі бұзылып ұсынылды",
}
YES, NO = "иә", "жоқ"

ANNEX_EXCLUDED_INTRO = (
    "{period} кезеңінде есеп көрсеткіштеріне енгізілмеген тізілім жазбалары: мерзімі бұзылып ұсынылған "
    "тізілімдер (Әдістеменің 10-тармағы), көрсетілген қызметтер актілерімен расталмаған жазбалар "
    "(Әдістеменің 11-тармағы) және толтыру қателері бар жазбалар"
)
ANNEX_EXCLUDED_NONE = "{period} кезеңінің деректері есептен алынып тасталған жоқ"
EXCLUDED_HEADER = "Алып тастау себебі"
EXCLUDED_UNIT = "өлшем бірлігі: тізілім жазбалары"
EXCLUDED_NOTE = (
    "Бірден бірнеше себеп бойынша алынып тасталған жазба бір рет – олардың біріншісі бойынша есепке "
    "алынды: алдымен бүкіл тізілімге қатысты себептер (мерзімді бұзу), содан кейін тексерулер тізбесінің "
    "ретімен толтыру қателері, содан кейін көрсетілген қызметтер актілерімен сәйкессіздіктер. Әр ай "
    "бойынша тізілімнің пайдаланылған нұсқасы, ал бірде-бір нұсқа пайдаланылмаса – соңғы алынған "
    "нұсқасы келтірілген."
)
EXCLUDED_TOTAL = "Барлығы"

ANNEX_LETTERS_INTRO = (
    "{period} кезеңінде тізілімдерде анықталған қателер туралы хабарлама хаттар (Әдістеменің "
    "8-тармағы) және оператордың түзетулері (Әдістеменің 9-тармағы)"
)
ANNEX_LETTERS_NONE = "{period} кезеңінде хабарлама хаттар жіберілген жоқ"
LETTERS_HEADERS = (
    "Есепті ай",
    "Тізілім нұсқасы",
    "Хаттың күні",
    "Қатесі бар жазбалар",
    "Қателер саны",
    "Түзету мерзімі",
    "Түзетілген тізілім алынды",
    "Түзету",
)
CORRECTION = {
    "corrected_in_time": "мерзімінде",
    "corrected_late": "мерзімі бұзылып",
    "awaited": "күтілуде",  # its correction deadline has not passed at the evaluation time
    "": "алынған жоқ",
}
CONTENTS_TITLE_HEADER = "Атауы"


# --- revisions (reports as issued) --------------------------------------------------------

ANNEX_CHANGES = "Д қосымшасы. {revision}-редакциямен салыстырғандағы өзгерістер"
ANNEX_CHANGES_INTRO = (
    "Осы есеп {period} кезеңіндегі есептің {revision}-редакциясы болып табылады. {reason}. "
    "Төменде мәндері {previous}-редакциядан өзгеше көрсеткіштер келтірілген"
)
ANNEX_CHANGES_NONE = "Көрсеткіштердің мәндері өзгерген жоқ; пайдаланылған тізілімдердің құрамы өзгерді"
CHANGES_TABLE_TITLE = "{previous}-редакциямен салыстырғанда көрсеткіштердің өзгерістері"
CHANGES_STUB = "Көрсеткіш"
CHANGES_COLUMNS = ("Бұрынғы мәні", "Жаңа мәні")
CHANGES_SCOPES = {"quarter": "тоқсан ішінде", "year_to_date": "жыл басынан бері"}
CHANGES_NOT_PRINTED = "жоқ"
CHANGES_MEASURE_PARTS = {
    "n": "жауаптар саны",
    "value": "мәні",
    "ci_low": "аралықтың төменгі шегі",
    "ci_high": "аралықтың жоғарғы шегі",
}
FIRST_REVISION = "Есептің бірінші редакциясы"


def changes_month_scope(month: str) -> str:
    """A month of the dynamics table in the annex of changes: '2019 жылғы наурыз айында'."""
    return f"{month} айында"


def revision_reason(added: list[str], removed: list[str], changed: int) -> str:
    """Why a new revision: the registry versions now used or no longer used, and how many figures moved."""
    parts = []
    if added:
        parts.append("тізілімдердің мына нұсқалары пайдаланылды: " + ", ".join(added))
    if removed:
        parts.append("тізілімдердің мына нұсқалары пайдаланылмайды: " + ", ".join(removed))
    parts.append(f"өзгерген көрсеткіштер: {changed}")
    return "Деректер өзгерді: " + "; ".join(parts)


# --- the workbook -----------------------------------------------------------------------------

CONTENTS_SHEET = "Мазмұны"  # a workbook sheet name: at most 31 characters


def on_sheet(title: str, sheet: str) -> str:
    """A contents line of a table sharing a sheet: '… («Оператор жұмысын бағалау» парағы)'."""
    return f"{title} («{sheet}» парағы)"


# --- annex Г: the operator's scorecard (scorecard.py) ----------------------------------------

SCORECARD_ANNEX = "Г қосымшасы. Қаржылық емес қолдау операторының жұмысын бағалау"
SCORECARD_SHEET = "Оператор жұмысын бағалау"  # a workbook sheet name: at most 31 characters
SCORECARD_INTRO = (
    "Қаржылық емес қолдау операторының жұмысын бағалау {months} кезеңін ({names}) қамтиды: көрсетілген "
    "қызметтер тізілімдерін ұсыну және түзету мерзімдерінің сақталуы (Әдістеменің 7, 9 және "
    "14-тармақтары), бастапқы тізілімдерді толтыру қателері тексеру түрлері бойынша, тізілім "
    "деректеріндегі шығарындылар мен күмәнді заңдылықтар, сондай-ақ көрсетілген қызметтер актілерін бірінші "
    "кезекте тексеру ұсынылатын қызмет көрсету орталықтары. Анықталған ауытқулар деректерді есептен алып "
    "тастамайды және оператордың түсініктемесін талап етеді"
)
SCORECARD_SUMMARY = (
    "{months} кезеңінде оператор күтілген {expected} тізілімнің {on_time} тізілімін мерзімінде ұсынды "
    "({rate}); қатесі бар тізілімдер – {with_errors}, оның ішінде мерзімінде түзетілгені – {corrected} "
    "({corrected_rate})"
)
SCORECARD_SUMMARY_LATE = "; ең ұзақ кешіктіру – {days}{nbsp}жұмыс күні"

TIMELINESS_TITLE = "Оператордың тізілімдерді уақтылы ұсынуы"
CORRECTIONS_TITLE = "Оператордың қатесі бар тізілімдерді түзетуі"
TIMELINESS_STUB = "Есепті ай"
# (the mart's column, its header): one table for the deadline of clause 7, one for the corrections
TIMELINESS_COLUMNS = (
    ("registries_expected", "Күтілген тізілімдер"),
    ("registries_received", "Алынғаны"),
    ("registries_on_time", "Мерзімінде ұсынылғаны"),
    ("on_time_rate", "Мерзімінде ұсынылғандардың үлесі"),
    ("working_days_late", "Кешіктіру, жұмыс күні"),
)
CORRECTIONS_COLUMNS = (
    ("registries_with_errors", "Қатесі бар тізілімдер"),
    ("registries_corrected_in_time", "Мерзімінде түзетілгені"),
    ("corrected_in_time_rate", "Мерзімінде түзетілгендердің үлесі"),
)
TIMELINESS_TOTAL = "Барлығы ({months})"
TIMELINESS_NOTE = (
    "Тізілімді ұсыну мерзімі – есепті айдан кейінгі айдың 1-күні (Әдістеменің 7-тармағы); кешіктіру – "
    "Қазақстан Республикасының өндірістік күнтізбесі бойынша мерзімнен кейінгі жұмыс күндерінің саны."
)
CORRECTIONS_NOTE = (
    "Қатесі бар тізілім – толтыру қателері анықталған және ол бойынша хабарлама хат жіберілген тізілім "
    "(Әдістеменің 8-тармағы); мерзімінде түзету – хат жіберілген күннен бастап 3 жұмыс күні ішінде "
    "түзету (Әдістеменің 9-тармағы)."
)

ERRORS_TITLE = "Бастапқы тізілімдерді толтыру қателері тексеру түрлері бойынша"
ERRORS_STUB = "Тексеру түрі"
ERRORS_HEADERS = ("Қатесі бар жазбалар", "Жазбалардың үлесі")
ERRORS_SUBMITTED = "Бастапқы тізілімдердегі жазбалар"
ERRORS_NONE = "Қателер анықталған жоқ"
ERRORS_NOTE = (
    "Бастапқы тізілім – оператор ұсынған айдың тізілімінің бірінші нұсқасы. Бірнеше қатесі бар жазба "
    "олардың әрқайсысы бойынша есепке алынды, сондықтан тексеру түрлері бойынша сома қатесі бар "
    "жазбалар санынан асуы мүмкін."
)

PATTERNS_TITLE = "Тізілім деректеріндегі шығарындылар мен күмәнді заңдылықтар"
PATTERNS_STUB = "Көрсеткіш"
PATTERN_ROWS = (
    ("outliers:centre", "Қызмет көрсету орталықтары бойынша шығарындылар (айдағы орталық)"),
    ("outliers:centre:extreme", "оның ішінде шекті мәндер"),
    ("outliers:manager", "Менеджерлер бойынша шығарындылар (айдағы менеджер)"),
    ("outliers:manager:extreme", "оның ішінде шекті мәндер"),
    ("manager_day_overload", "Бір менеджер жұмыс күніне сыятыннан көп қызмет көрсеткен күндер"),
    ("non_working_day", "Демалыс және мереке күндерімен белгіленген қызметтер"),
    ("repeated_service", "Бір апта ішінде сол клиентке сол кіші түрдегі қайталама қызметтер"),
    ("minor_entrepreneur", "Кәмелетке толмаған жеке кәсіпкерлерге көрсетілген қызметтер"),
)
PATTERNS_NOTE = (
    "Шығарынды – алдыңғы айлардағы медианадан күрт ерекшеленетін қызметтердің немесе клиенттердің "
    "айлық саны (медианадан ауытқудың медианалық абсолюттік ауытқуға қатынасы шектен жоғары); шекті "
    "мән – жоғарылатылған шектен асатын ауытқу. Нормадан тыс күндер – күндер саны (күндегі менеджер), "
    "қалған жолдар – қызметтер саны. Шекті мәндер деректер сапасын тексеру баптауларында белгіленген."
)

RISK_TITLE = "Қызметтердің расталмау тәуекелі ең жоғары қызмет көрсету орталықтары, {months}"
RISK_STUB = "Қызмет көрсету орталығы"
RISK_HEADERS = (
    "Тізімдегі орны",
    "Сауалнамаға қатысқан клиенттер",
    "Қызметті алмағанын хабарлағандар",
    "Үлесі",
    "Сенім аралығы",
    "Шығарындылары бар айлар",
    "Тексеруді қажет етеді",
)
RISK_NOTE = (
    "Орталықтар телефон сауалнамасы кезінде қызметті алмағанын хабарлаған клиенттер үлесінің 95 "
    "пайыздық сенім аралығының төменгі шегі бойынша (Әдістемеге 4-қосымша), содан кейін шығарындылары "
    "бар айлар саны бойынша реттелген. Алғашқы {top} орталық келтірілген."
)
RISK_NONE = "Қызмет көрсету орталықтары бойынша телефон сауалнамасының деректері мен шығарындылар жоқ"
