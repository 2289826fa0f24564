"""Persons and client enterprises: the pools registry rows are drawn from.

Why pools: the indicators count *distinct* clients and persons, so realism lives in
who comes back — clients served several times a month and across months, in two
regions, and persons who come on behalf of several companies. A year's *regular* pool is
drawn once per (seed, year) and reused every month; each month also has its own *fresh*
clients, used exactly once in the year, whose identifier serials come from a range of
their own so they never collide with another month's.

IIN/BIN are built vectorised with the same algorithm as ``orchestration.rules.identifiers``
(tests check every generated number with ``identifiers.is_valid``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.tools.sample_data import text, vocab
from orchestration.tools.sample_data.catalogue import Catalogue
from orchestration.tools.sample_data.dates import ymd

_W1 = np.arange(1, 12, dtype=np.int64)
_W2 = np.array([3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2], dtype=np.int64)
_POW = 10 ** np.arange(10, -1, -1, dtype=np.int64)

# Serial ranges: the regular pool and each month's fresh clients never share one.
IIN_REGULAR_SERIALS = (0, 2000)
IIN_FRESH_SPAN = 650  # month m: 2000 + (m-1)*650 ... < 2000 + m*650 (max 9800)
BIN_REGULAR_SERIALS = (0, 30000)
BIN_FRESH_SPAN = 5000  # month m: 30000 + (m-1)*5000 ...


def check_digits(heads: np.ndarray) -> np.ndarray:
    """Check digit for each 11-digit head, -1 where no valid number exists (Decree 406)."""
    first = np.zeros(len(heads), dtype=np.int64)
    second = np.zeros(len(heads), dtype=np.int64)
    for k in range(11):
        digit = heads // _POW[k] % 10
        first += digit * _W1[k]
        second += digit * _W2[k]
    first %= 11
    second %= 11
    out = np.where(first != 10, first, second)
    return np.where((first == 10) & (second == 10), -1, out)


def _complete(heads_without_serial: np.ndarray, serials: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """12-digit numbers, unique, moving a serial on inside [lo, hi) when it is unissuable or taken.

    A pass moves every unissuable number and every repeat of an earlier one. Serials are
    smaller than the step between heads, so numbers can only clash within one head: after
    the first pass only the heads whose rows just moved are checked again (a month's fresh
    BINs need ~25 passes, mostly over a handful of crowded heads).
    """
    serials = serials.copy()
    heads = heads_without_serial
    _, head_id = np.unique(heads, return_inverse=True)
    numbers = np.empty(len(heads), dtype=np.int64)
    unissuable = np.zeros(len(heads), dtype=bool)  # no valid check digit with this serial
    moved = np.arange(len(heads))
    scope = moved  # rows whose status may have changed, ascending
    while True:
        candidate = heads[moved] + serials[moved]
        cd = check_digits(candidate)
        numbers[moved] = candidate * 10 + cd
        unissuable[moved] = cd < 0
        if len(scope) < len(heads):
            scope = np.flatnonzero(np.isin(head_id, head_id[moved]))
        _, first_index = np.unique(numbers[scope], return_index=True)
        bad = unissuable[scope]
        repeat = np.ones(len(scope), dtype=bool)
        repeat[first_index] = False
        moved = scope[bad | repeat]
        if not len(moved):
            return numbers
        serials[moved] = lo + (serials[moved] - lo + 1 + serials[moved] % 7) % (hi - lo)
        scope = moved


def to_text(numbers: np.ndarray) -> pa.Array:
    return text.digits(numbers, 12)


def make_iins(birth: np.ndarray, male: np.ndarray, serials: np.ndarray, lo: int, hi: int) -> pa.Array:
    y, m, d = ymd(birth)
    century = np.where(y >= 2000, 5, np.where(y >= 1900, 3, 1)) + (~male).astype(np.int64)
    base = ((y % 100) * 10000 + m * 100 + d).astype(np.int64) * 100000 + century * 10000
    return to_text(_complete(base, serials.astype(np.int64), lo, hi))


def make_bins(
    reg_year: np.ndarray,
    reg_month: np.ndarray,
    kind: np.ndarray,
    attribute: np.ndarray,
    serials: np.ndarray,
    lo: int,
    hi: int,
) -> pa.Array:
    base = ((reg_year % 100) * 100 + reg_month).astype(np.int64) * 10**7
    base += kind.astype(np.int64) * 10**6 + attribute.astype(np.int64) * 10**5
    return to_text(_complete(base, serials.astype(np.int64), lo, hi))


@dataclass(frozen=True)
class Words:
    """The word lists in the output encoding (cp1251 lacks Kazakh letters)."""

    surnames_m: np.ndarray
    surnames_f: np.ndarray
    names_m: np.ndarray
    names_f: np.ndarray
    patr_m: np.ndarray
    patr_f: np.ndarray
    translit_surnames_m: np.ndarray
    translit_surnames_f: np.ndarray
    translit_names_m: np.ndarray
    translit_names_f: np.ndarray
    brands_first: np.ndarray
    brands_second: np.ndarray
    translit_brands: np.ndarray


def safe_text(text: str, encoding: str) -> str:
    if encoding.lower().replace("-", "") in {"cp1251", "windows1251"}:
        return "".join(vocab.CP1251_FALLBACK.get(ch, ch) for ch in text)
    return text


def translit(text: str) -> str:
    return "".join(vocab.TRANSLIT.get(ch, ch) for ch in text.lower() if ch.isalnum())


def load_words(encoding: str) -> Words:
    def arr(items: list[str] | tuple[str, ...]) -> np.ndarray:
        return np.array([safe_text(x, encoding) for x in items], dtype=object)

    female = [s if s in vocab.INVARIABLE_SURNAMES else s + "а" for s in vocab.SURNAMES]
    return Words(
        surnames_m=arr(vocab.SURNAMES),
        surnames_f=arr(female),
        names_m=arr(vocab.MALE_NAMES),
        names_f=arr(vocab.FEMALE_NAMES),
        patr_m=arr([p[0] for p in vocab.PATRONYMICS]),
        patr_f=arr([p[1] for p in vocab.PATRONYMICS]),
        translit_surnames_m=np.array([translit(s) for s in vocab.SURNAMES], dtype=object),
        translit_surnames_f=np.array([translit(s) for s in female], dtype=object),
        translit_names_m=np.array([translit(s) for s in vocab.MALE_NAMES], dtype=object),
        translit_names_f=np.array([translit(s) for s in vocab.FEMALE_NAMES], dtype=object),
        brands_first=arr(vocab.BRAND_FIRST),
        brands_second=arr(vocab.BRAND_SECOND),
        translit_brands=np.array([translit(s) for s in vocab.BRAND_FIRST], dtype=object),
    )


@dataclass
class ClientTable:
    """One row per client enterprise, person attributes already gathered per client.

    ``region`` indexes ``Catalogue.current_regions``; ``second_region`` is -1 unless the
    client is also served in another region. ``weight`` is the client's share of the
    regular pool's visits (fresh clients: 0, they are used once).

    Text that is the client's own (identifier, names, phones, e-mail) stays Arrow: the
    registry turns it into Python strings only once the rows are in file order, so each
    column's strings lie in memory in the order every later pass reads them (writing,
    copying, the truth), which makes those passes several times faster than over strings
    scattered in client order.
    """

    ident: pa.Array  # IIN (ИП acting alone) or BIN, 12-digit text
    legal: np.ndarray
    enterprise_name: pa.Array
    sme: np.ndarray
    division: np.ndarray
    region: np.ndarray
    settlement: np.ndarray  # vocabulary strings (shared objects)
    second_region: np.ndarray
    work_phone: pa.Array
    email: pa.Array
    person_name: pa.Array
    person_birth: np.ndarray
    person_male: np.ndarray
    mobile_phone: pa.Array
    disability: np.ndarray  # vocabulary strings (shared objects)
    weight: np.ndarray

    def __len__(self) -> int:
        return len(self.ident)

    def take(self, index: np.ndarray) -> ClientTable:
        index = np.asarray(index)
        return ClientTable(**{f.name: _take(getattr(self, f.name), index) for f in fields(self)})

    @staticmethod
    def concat(a: ClientTable, b: ClientTable) -> ClientTable:
        return ClientTable(**{f.name: _concat(getattr(a, f.name), getattr(b, f.name)) for f in fields(ClientTable)})


def _take(values: np.ndarray | pa.Array, index: np.ndarray) -> np.ndarray | pa.Array:
    return values.take(pa.array(index)) if isinstance(values, pa.Array) else values[index]


def _concat(a: np.ndarray | pa.Array, b: np.ndarray | pa.Array) -> np.ndarray | pa.Array:
    return pa.concat_arrays([a, b]) if isinstance(a, pa.Array) else np.concatenate([a, b])


TWO_DIGITS = text.arrow([f"{i:02d}" for i in range(100)])
THREE_DIGITS = text.arrow([f"{i:03d}" for i in range(1000)])


def _phones(rng: np.random.Generator, prefixes: tuple[str, ...], n: int) -> pa.Array:
    """'+7 777 123 45 67' or '8 7172 12 34 56': 11 digits with the country/trunk prefix.

    The local number fills the 10 digits after the code (7 after a 3-digit code, 6 after
    a 4-digit one), grouped as 3-2-2 or 2-2-2; the groups come from digit tables.
    """
    index = rng.integers(0, len(prefixes), n)
    numbers = rng.integers(0, 10**7, n)
    lead = rng.random(n) < 0.6
    width = 10 - np.array([len(p) for p in prefixes])[index]
    local = numbers % 10**width
    head = local // 10_000
    return text.join(
        text.choose(lead, "+7", "8"),
        text.take(prefixes, index),
        text.choose(width == 7, THREE_DIGITS.take(pa.array(head % 1000)), TWO_DIGITS.take(pa.array(head % 100))),
        TWO_DIGITS.take(pa.array(local // 100 % 100)),
        TWO_DIGITS.take(pa.array(local % 100)),
        sep=" ",
    )


def _birth_dates(rng: np.random.Generator, year: int, n: int) -> np.ndarray:
    """Ages on 1 January of the year: mostly 25-60, some young (14-22) and some older.

    Born in year - age - 1, so everyone is at least 14 on every day of the year (the
    birth_date_invalid rule) and nobody is over 90.
    """
    kind = rng.random(n)
    ages = np.clip(rng.normal(40, 11, n).round(), 18, 75).astype(int)
    young = kind < 0.07
    ages[young] = rng.integers(14, 23, young.sum())
    old = kind > 0.97
    ages[old] = rng.integers(62, 80, old.sum())
    starts = np.array([date(year - a - 1, 1, 1).toordinal() for a in range(0, 101)])
    return starts[ages] + rng.integers(0, 365, n)


def make_persons(
    rng: np.random.Generator, words: Words, year: int, n: int, serials: tuple[int, int]
) -> dict[str, np.ndarray | pa.Array]:
    """``n`` persons: text (name, short name, IIN, mobile, e-mail) as Arrow, the rest NumPy."""
    male = rng.random(n) < 0.56
    si = rng.integers(0, len(words.surnames_m), n)
    fi_m = rng.integers(0, len(words.names_m), n)
    fi_f = rng.integers(0, len(words.names_f), n)
    pi = rng.integers(0, len(words.patr_m), n)

    def gendered(masculine: np.ndarray, feminine: np.ndarray, index_m: np.ndarray, index_f: np.ndarray) -> pa.Array:
        return text.choose(male, text.take(masculine, index_m), text.take(feminine, index_f))

    surname = gendered(words.surnames_m, words.surnames_f, si, si)
    first = gendered(words.names_m, words.names_f, fi_m, fi_f)
    patr = gendered(words.patr_m, words.patr_f, pi, pi)
    no_patr = rng.random(n) < 0.04  # "отчество (при наличии)": some have none
    full = text.choose(no_patr, text.join(surname, first, sep=" "), text.join(surname, first, patr, sep=" "))
    birth = _birth_dates(rng, year, n)
    lo, hi = serials
    iin = make_iins(birth, male, rng.integers(lo, hi, n), lo, hi)
    first_latin = gendered(words.translit_names_m, words.translit_names_f, fi_m, fi_f)
    surname_latin = gendered(words.translit_surnames_m, words.translit_surnames_f, si, si)
    email_local = text.join(surname_latin, first_latin, sep=".")
    with_digits = rng.random(n) < 0.5
    email_local = text.choose(with_digits, text.join(email_local, text.digits(birth % 100, 1)), email_local)
    domain = text.take(vocab.EMAIL_DOMAINS, rng.integers(0, len(vocab.EMAIL_DOMAINS), n))
    disability = text.pick(
        vocab.DISABILITY_VALUES,
        rng.choice(len(vocab.DISABILITY_VALUES), n, p=np.array(vocab.DISABILITY_WEIGHTS)),
    )
    initials = text.join(pc.utf8_slice_codeunits(first, 0, 1), ".")
    patr_initial = text.choose(no_patr, "", text.join(pc.utf8_slice_codeunits(patr, 0, 1), "."))
    return {
        "name": full,
        "short": text.join(surname, " ", initials, patr_initial),
        "birth": birth,
        "male": male,
        "iin": iin,
        "mobile": _phones(rng, vocab.MOBILE_PREFIXES, n),
        "email": text.join(email_local, "@", domain),
        "disability": disability,
    }


def make_clients(
    rng: np.random.Generator,
    cat: Catalogue,
    words: Words,
    year: int,
    n: int,
    iin_serials: tuple[int, int],
    bin_serials: tuple[int, int],
    regular: bool,
) -> ClientTable:
    """``n`` clients; in a regular pool some share a representative and some have two regions."""
    persons = make_persons(rng, words, year, n, iin_serials)
    person_of = np.arange(n)
    legal = rng.choice(len(cat.legal_codes), n, p=cat.legal_p)
    is_iin = cat.legal_is_iin[legal]
    weight = rng.lognormal(0.0, 1.2, n) if regular else np.zeros(n)

    if regular and n >= 4:
        # A few percent of companies are represented by a person who also comes for another
        # company (often their own ИП): R13 counts that person once.
        order = np.argsort(-weight, kind="stable")
        shared = np.flatnonzero(~is_iin & (rng.random(n) < 0.04))
        person_of[shared] = rng.integers(0, n, len(shared))
        # Guarantee one such pair among the busiest clients, so even small samples show it.
        top_bin = [i for i in order[:20].tolist() if not is_iin[i]]
        if top_bin:
            j = top_bin[0]
            i = next(k for k in order.tolist() if k != j)
            person_of[j] = i

    codes = np.array(cat.legal_codes, dtype=object)[legal]
    kind = np.where(np.isin(codes, ["kh", "ip_joint"]), 6, 4)
    attribute = np.where(codes == "kh", 3, np.where(rng.random(n) < 0.04, 1, 0))
    reg_year = np.minimum(rng.integers(1996, year + 1, n), year)
    bins = make_bins(
        reg_year,
        rng.integers(1, 13, n),
        kind,
        attribute,
        rng.integers(bin_serials[0], bin_serials[1], n),
        *bin_serials,
    )
    p_iin = persons["iin"].take(pa.array(person_of))
    ident = text.choose(is_iin, p_iin, bins)

    brand_first = text.take(words.brands_first, rng.integers(0, len(words.brands_first), n))
    hyphen = rng.random(n) >= 0.8
    brand_second = text.take(words.brands_second, rng.integers(0, len(words.brands_second), n))
    brand = text.join(brand_first, brand_second, sep=text.choose(hyphen, "-", " "))
    enterprise = text.choose(
        is_iin,
        text.join("ИП ", persons["short"].take(pa.array(person_of))),
        text.join(text.take(cat.legal_short, legal), ' "', brand, '"'),
    )

    section = rng.choice(len(cat.section_codes), n, p=cat.section_p)
    counts = np.bincount(cat.division_section, minlength=len(cat.section_codes))
    by_section = np.argsort(cat.division_section, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    division = by_section[starts[section] + rng.integers(0, 1 << 30, n) % counts[section]]

    region = rng.choice(len(cat.current_regions), n, p=cat.current_regions_p)
    settlement = np.empty(n, dtype=object)
    for r, code in enumerate(cat.current_regions):
        rows = np.flatnonzero(region == r)
        options = np.array(vocab.SETTLEMENTS[code], dtype=object)
        # The regional centre (listed first) takes half of the clients.
        idx = np.where(rng.random(len(rows)) < 0.5, 0, rng.integers(0, len(options), len(rows)))
        settlement[rows] = options[idx]

    second = np.full(n, -1)
    if regular:
        two = rng.random(n) < 0.03
        if n >= 2:
            two[np.argmax(weight)] = True
        others = (region + rng.integers(1, len(cat.current_regions), n)) % len(cat.current_regions)
        second = np.where(two, others, -1)

    has_work_phone = rng.random(n) < 0.45
    work_phone = text.choose(has_work_phone, _phones(rng, vocab.CITY_AREA_CODES, n), "")
    has_email = rng.random(n) < 0.8
    person_of_arrow = pa.array(person_of)
    return ClientTable(
        ident=ident,
        legal=legal,
        enterprise_name=enterprise,
        sme=rng.choice(len(cat.sme_codes), n, p=cat.sme_p),
        division=division,
        region=region,
        settlement=settlement,
        second_region=second,
        work_phone=work_phone,
        email=text.choose(has_email, persons["email"].take(person_of_arrow), ""),
        person_name=persons["name"].take(person_of_arrow),
        person_birth=persons["birth"][person_of],
        person_male=persons["male"][person_of],
        mobile_phone=persons["mobile"].take(person_of_arrow),
        disability=persons["disability"][person_of],
        weight=weight,
    )


def regular_pool(rng: np.random.Generator, cat: Catalogue, words: Words, year: int, n: int) -> ClientTable:
    return make_clients(rng, cat, words, year, n, IIN_REGULAR_SERIALS, BIN_REGULAR_SERIALS, regular=True)


def fresh_clients(
    rng: np.random.Generator, cat: Catalogue, words: Words, year: int, month: int, n: int
) -> ClientTable:
    iin_lo = IIN_REGULAR_SERIALS[1] + (month - 1) * IIN_FRESH_SPAN
    bin_lo = BIN_REGULAR_SERIALS[1] + (month - 1) * BIN_FRESH_SPAN
    return make_clients(
        rng,
        cat,
        words,
        year,
        n,
        (iin_lo, iin_lo + IIN_FRESH_SPAN),
        (bin_lo, bin_lo + BIN_FRESH_SPAN),
        regular=False,
    )
