"""Header matching: the form's titles are found however an operator's export spells them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingestion import headers
from orchestration.ingestion.headers import (
    allowed_distance,
    bounded_levenshtein,
    find_header,
    is_number_row,
    looks_kazakh,
    match_header_row,
    match_title,
    title_key,
)
from orchestration.reference import INPUTS, input_columns

REGISTRY = input_columns("registry")

# Appendix 1 as printed in the regulation (methodology-ru.txt), column by column: every
# title hyphenated and broken over lines the way the typeset form shows it.
PRINTED_APPENDIX_1 = (
    "Область /го-\nрод респуб-\nликанского \nзначения и \nстолицы",
    "Населенный \nпункт (террито-\nриальное деле-\nние) где оказана \nуслуга",
    "Ме-\nсто \nока-\nза-\nния \nуслу-\nги",
    "Наиме-\nнова-\nние \nпред-\nприя-\nтия кли-\nента",
    "Фамилия, \nимя и от-\nчество \n(при нали-\nчии) кли-\nента",
    "ИИН \nИП \n/БИН \nсубъ-\nек-\nтов \nМСБ",
    "Пол \nкли-\nента",
    "Да-\nта \nрож-\nде-\nния \nкли-\nента",
    "Воз-\nраст \nкли-\nента",
    "Инва-\nлид-\nность \nкли-\nента",
    "Орга-\nниза-\nцион-\nно-\nправо-\nвая \nформа \nпред-\nприя-\nтия",
    "Кате-\nго-\nрия \nсубъ-\nекта \nпред-\nпри-\nнима-\nтель-\nства",
    "Отрасль \nпо ОК-\nЭД \nпред-\nприятия \nклиента",
    "Подот-\nрасль по \nОКЭД \nпредпри-\nятия кли-\nента",
    "Наимено-\nвание спе-\nциализи-\nрованной \nуслуги",
    "Наименова-\nние подвида \nспециализи-\nрованной \nуслуги",
    "Фамилия, имя, отчество \n(при наличии) менеджера \nоператора нефинансовой \nподдержки, оказавшей "
    "\nуслугу",
    "Дата \nобра-\nще-\nния/ \nнача-\nла \nуслу-\nги",
    "Дата \nзавер-\nшения \n/ окон-\nчания \nуслуги",
    "Те-\nле-\nфон \nра-\nбо-\nчий \nкли-\nента",
    "Мо-\nбиль-\nный \nтеле-\nфон \nкли-\nента",
    "Элек-\nтрон-\nный \nад-\nрес \nкли-\nента",
)


def test_printed_appendix_1_titles_match_the_22_columns_in_order():
    names = [match_title(title, "registry") for title in PRINTED_APPENDIX_1]
    assert [m.name if m else None for m in names] == [spec.name for spec in REGISTRY[:22]]
    assert all(m is not None and m.distance == 0 for m in names)


def test_printed_header_row_is_found_under_a_merged_title_row():
    rows = [["Информация о ходе реализации сервисной поддержки", *[None] * 21],
            list(PRINTED_APPENDIX_1),
            [str(n) for n in range(1, 23)]]
    match = find_header(rows, "registry")
    assert match is not None and match.row_index == 1
    assert match.missing(REGISTRY) == []
    assert match.columns["iin_bin"] == 5


@pytest.mark.parametrize("input_name", INPUTS)
def test_every_title_matches_itself_exactly(input_name):
    for spec in input_columns(input_name):
        assert match_title(spec.title_ru, input_name).name == spec.name


@pytest.mark.parametrize("input_name", INPUTS)
def test_title_keys_are_unique_within_each_form(input_name):
    keys = [title_key(spec.title_ru) for spec in input_columns(input_name)]
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize(("text", "expected"), [
    ("ОБЛАСТЬ / ГОРОД РЕСПУБЛИКАНСКОГО ЗНАЧЕНИЯ И СТОЛИЦЫ", "region"),
    ("Об-ласть /го-\nрод республиканского значения и столицы", "region"),
    ("Область/город республиканского значения и столицы*", "region"),
    ("  Населённый пункт (территориальное деление), где оказана услуга  ", "settlement"),
    ("ИИН ИП / БИН субъектов МСБ *", "iin_bin"),
    ("ИИН ИП/БИН субъектов МСБ", "iin_bin"),
    ("Отрасль по OKЭД предприятия клиента", "oked_sector"),  # Latin O and K
    ("Дата обращения /начала услуги", "start_date"),
    ("Дата\u00a0рождения\u00a0клиента", "birth_date"),
    ("Мо\u00adбильный телефон клиента", "mobile_phone"),  # soft hyphen
])
def test_registry_title_variants(text, expected):
    assert match_title(text, "registry").name == expected


def test_one_misspelling_in_a_long_title_is_accepted():
    found = match_title("Наименование специализированой услуги", "registry")  # one 'н' lost
    assert found is not None and found.name == "service" and found.distance == 1


def test_misspelling_in_a_short_title_is_not_guessed():
    # «Пол клиента» has a 10-character key: below 12 characters only exact keys match.
    assert match_title("Пол клиенат", "registry") is None
    assert allowed_distance(title_key("Пол клиента")) == 0


def test_too_many_misspellings_are_not_guessed():
    assert match_title("Наименаваниее спецалезированой услуги", "registry") is None


def test_an_abbreviated_word_still_finds_its_column():
    found = match_title("Наименование подв. специализированной услуги", "registry")
    assert found is not None and found.name == "service_subtype" and found.distance == 3


def test_a_title_close_to_two_columns_is_not_guessed(monkeypatch):
    # No two titles of today's forms are that close, so two made-up ones show the rule.
    keys = {title_key("Сумма субсидии клиента А"): "amount_a",
            title_key("Сумма субсидии клиента Б"): "amount_b"}
    monkeypatch.setattr(headers, "_form_keys", lambda input_name: keys)
    match_title.cache_clear()
    try:
        assert match_title("Сумма субсидии клиента А", "registry").name == "amount_a"
        assert match_title("Сумма субсидии клиента В", "registry") is None  # one edit from both
    finally:
        match_title.cache_clear()


def test_kazakh_titles_are_not_recognised_and_are_recognised_as_kazakh():
    kazakh = ["Облыс / республикалық маңызы бар қала", "Елді мекен", "Қызмет көрсету орны",
              "Клиенттің ЖСН / БСН", "Клиенттің жынысы"]
    assert all(match_title(text, "registry") is None for text in kazakh)
    assert find_header([["Ақпарат"], kazakh], "registry") is None
    assert looks_kazakh([["Ақпарат"], kazakh]) == 1


def test_exact_duplicates_are_reported():
    cells = [spec.title_ru for spec in REGISTRY] + ["ИИН ИП /БИН субъектов МСБ"]
    match = match_header_row(cells, "registry")
    assert match.duplicates == {"iin_bin": [5, 24]}


def test_a_near_copy_beside_the_exact_title_is_an_extra_column():
    cells = [spec.title_ru for spec in REGISTRY] + ["Телефон рабочий клиента 2"]
    match = match_header_row(cells, "registry")
    assert match.duplicates == {}
    assert match.extra == {24: "Телефон рабочий клиента 2"}
    assert match.near_duplicates == {24: "work_phone"}


def test_unknown_titles_are_extra_columns():
    cells = [spec.title_ru for spec in REGISTRY[:22]] + ["Примечание"]
    match = match_header_row(cells, "registry")
    assert match.extra == {22: "Примечание"}
    assert match.missing(REGISTRY) == []


def test_header_needs_half_of_the_required_titles():
    specs = [spec for spec in REGISTRY if spec.required]
    few = [spec.title_ru for spec in specs[:3]] + ["x", "y"]
    assert find_header([few], "registry") is None
    half = [spec.title_ru for spec in specs[: (len(specs) + 1) // 2]]
    assert find_header([half], "registry") is not None


@pytest.mark.parametrize(("cells", "expected"), [
    (["1", "2", "3", "4"], True),
    ([None, "1", "2", "3"], True),
    (["1", "2"], False),  # too short to be sure
    (["3", "2", "1"], False),
    (["1", "2", "x"], False),
    (["2019", "2020", "2021"], False),  # must start at 1
])
def test_number_row(cells, expected):
    assert is_number_row(cells) is expected


def _levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


@given(st.text("абвгд", max_size=12), st.text("абвгд", max_size=12), st.integers(0, 4))
def test_bounded_levenshtein_agrees_with_the_plain_algorithm(a, b, limit):
    exact = _levenshtein(a, b)
    assert bounded_levenshtein(a, b, limit) == (exact if exact <= limit else limit + 1)


ALL_TITLES = [(input_name, spec) for input_name in INPUTS for spec in input_columns(input_name)]


@st.composite
def perturbed_title(draw):
    """A form title as an operator's export might spell it: case, spaces, hyphenation, ё, '*'."""
    input_name, spec = draw(st.sampled_from(ALL_TITLES))
    out = []
    for char in spec.title_ru:
        if char == "е" and draw(st.integers(0, 9)) == 0:
            char = "ё"
        if char.isalpha():
            char = char.upper() if draw(st.booleans()) else char.lower()
        out.append(char)
        if char.isalpha() and draw(st.integers(0, 7)) == 0:
            out.append(draw(st.sampled_from(["-\n", "- ", "\u00ad", "-\r\n"])))
        if char == " " and draw(st.booleans()):
            out.append(draw(st.sampled_from([" ", "\n", "\u00a0", "\t"])))
        if char == "/" and draw(st.booleans()):
            out.append(" ")
    suffix = draw(st.sampled_from(["", "*", " *", ":", " "]))
    prefix = draw(st.sampled_from(["", " ", "\n"]))
    return input_name, spec.name, prefix + "".join(out) + suffix


@settings(max_examples=300)
@given(perturbed_title())
def test_perturbed_titles_still_match_their_column(case):
    input_name, name, text = case
    found = match_title(text, input_name)
    assert found is not None and found.name == name and found.distance == 0


@settings(max_examples=200)
@given(st.sampled_from(ALL_TITLES), st.integers(0, 200), st.sampled_from("абвгдежз"))
def test_one_substitution_never_maps_a_title_to_another_column(case, position, letter):
    input_name, spec = case
    title = spec.title_ru
    position %= len(title)
    changed = title[:position] + letter + title[position + 1:]
    found = match_title(changed, input_name)
    assert found is None or found.name == spec.name
