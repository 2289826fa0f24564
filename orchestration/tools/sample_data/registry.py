"""The clean registry rows of one month (Appendix 1), before any defect is injected.

A row is a service completed in the reporting month (its end date is in the month, as
the validation layer requires). Every clean row passes every rule in
``validation_rules.csv``: names come from the seeds, the region is the one valid on the
end date (the 2022 oblasts exist from 2022-06-08, Astana is named so from 2022-09-17),
ages agree with birth dates on the end date, phones and e-mails are well formed, and no
two rows share the duplicate key (client, person, service, sub-type, dates).

The frame keeps written values under the form's column names and canonical values under
``t_*`` columns (the truth), plus ``x_*`` writer hints (write this date as text, this IIN
as a number).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import holidays
import numpy as np

from orchestration.tools.sample_data import text, vocab
from orchestration.tools.sample_data.catalogue import Catalogue
from orchestration.tools.sample_data.dates import age_at, month_bounds
from orchestration.tools.sample_data.frames import Table
from orchestration.tools.sample_data.people import ClientTable, Words, make_persons

DATE_COLUMNS = ("birth_date", "start_date", "end_date")
REGULAR_SHARE = 0.45  # share of a month's rows that go to the year's regular clients
SECOND_REGION_SHARE = 0.4  # a two-region client's rows served in the other region
TEXT_DATE_SHARE = 0.02  # dates an operator typed as text 'dd.mm.yyyy' into the xlsx
REGION_ALIAS_SHARE = 0.08
GENDER_ALIAS_SHARE = 0.04
OKED_2007_SHARE = 0.3  # of sections that have a 2007 wording
SERVICE_COMPANY_SHARE = 0.12


@dataclass(frozen=True)
class Managers:
    """A fixed pool of operator managers per current region (same for every year of a seed)."""

    names: dict[str, np.ndarray]


def make_managers(seed: int, cat: Catalogue, words: Words) -> Managers:
    rng = np.random.default_rng([seed, 4242])
    names = {}
    for code in cat.current_regions:
        k = max(3, round(vocab.REGION_WEIGHTS[code] * 1.5))
        names[code] = text.objects(make_persons(rng, words, 2019, k, (0, 9000))["name"])
    return Managers(names)


def _day_weights(first: int, last: int) -> np.ndarray:
    """Working days carry the load; Saturdays a little, Sundays and holidays almost none."""
    days = [date.fromordinal(o) for o in range(first, last + 1)]
    kz = holidays.country_holidays("KZ", years=days[0].year)
    weights = np.array(
        [0.05 if d in kz or d.weekday() == 6 else 0.25 if d.weekday() == 5 else 1.0 for d in days]
    )
    return weights / weights.sum()


def _region_tables(cat: Catalogue, first: int, last: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per (current region, day of month): shown KATO code, official name, name valid since."""
    n_days = last - first + 1
    kato = np.empty((len(cat.current_regions), n_days), dtype=object)
    name = np.empty_like(kato)
    since = np.zeros(kato.shape, dtype=np.int64)
    for r, code in enumerate(cat.current_regions):
        for k in range(n_days):
            day = date.fromordinal(first + k)
            shown = cat.shown_region(code, day)
            version = next(v for v in cat.region_versions if v.kato == shown and v.valid_on(day))
            kato[r, k], name[r, k], since[r, k] = shown, version.name_ru, version.valid_from.toordinal()
    return kato, name, since


def _alias_choices(cat: Catalogue, official: str, kato: str, encoding: str) -> list[str]:
    """Aliases an operator might write for this region that still name it correctly.

    For the capital only the spelling of the name in force (Нур-Султан or Астана) is used.
    """
    out = []
    for alias in cat.region_aliases.get(kato, ()):
        low = alias.lower()
        if kato == "71":
            astana_now = "астана" in official.lower()
            if astana_now != ("астан" in low or "astana" in low):
                continue
        if _encodable(alias, encoding):
            out.append(alias)
    return out


def build_month(
    rng: np.random.Generator,
    cat: Catalogue,
    managers: Managers,
    year: int,
    month: int,
    regular: ClientTable,
    fresh: ClientTable,
    n_rows: int,
    encoding: str,
) -> Table:
    """``n_rows`` clean rows; every fresh client is used once, regular ones by weight."""
    n_regular = min(round(n_rows * REGULAR_SHARE), n_rows) if len(regular) else 0
    n_fresh = n_rows - n_regular
    if len(fresh) < n_fresh:
        raise ValueError(f"{len(fresh)} fresh clients for {n_fresh} rows")
    p = regular.weight / regular.weight.sum() if len(regular) else None
    which = np.concatenate([rng.choice(len(regular), n_regular, p=p), len(regular) + np.arange(n_fresh)])
    first, last = month_bounds(year, month)
    end = first + rng.choice(last - first + 1, n_rows, p=_day_weights(first, last))
    # File order: by end date (as the IS exports), clients shuffled within a day.
    order = np.lexsort((rng.random(n_rows), end))
    which, end = which[order], end[order]
    clients = ClientTable.concat(regular, fresh).take(which)
    is_regular = which < len(regular)
    # The clients' own text as Python strings, made now that the rows are in file order
    # (see ClientTable): written and truth columns share these objects.
    ident = text.objects(clients.ident)
    person_name = text.objects(clients.person_name)
    mobile_phone = text.objects(clients.mobile_phone)
    work_phone = text.objects(clients.work_phone)

    duration = np.where(rng.random(n_rows) < 0.55, 0, np.minimum(rng.geometric(0.15, n_rows), 45))
    start = end - duration

    served = np.where(
        (clients.second_region >= 0) & (rng.random(n_rows) < SECOND_REGION_SHARE),
        clients.second_region,
        clients.region,
    )
    kato_t, name_t, since_t = _region_tables(cat, first, last)
    k = end - first
    kato = kato_t[served, k]
    region_name = name_t[served, k]
    start = np.maximum(start, since_t[served, k])  # both dates inside the name's validity

    settlement = clients.settlement.copy()
    away = served != clients.region
    for r in np.unique(served[away]).tolist():
        rows = np.flatnonzero(away & (served == r))
        options = np.array(vocab.SETTLEMENTS[cat.current_regions[r]], dtype=object)
        settlement[rows] = options[rng.integers(0, len(options), len(rows))]

    place = rng.choice(len(cat.place_codes), n_rows, p=cat.place_p)
    place_code = np.array(cat.place_codes, dtype=object)[place]
    channel_code = np.array(cat.place_channel, dtype=object)[place]
    short_place = rng.random(n_rows) < 0.7
    place_written = np.where(
        short_place,
        np.array(cat.place_short, dtype=object)[place],
        np.array(cat.place_names, dtype=object)[place],
    )

    service = rng.choice(len(cat.service_codes), n_rows, p=cat.service_p)
    subtype = _subtypes_of(rng, cat, service)

    manager = np.empty(n_rows, dtype=object)
    for r in np.unique(served).tolist():
        rows = np.flatnonzero(served == r)
        pool = managers.names[cat.current_regions[r]]
        manager[rows] = pool[rng.integers(0, len(pool), len(rows))]

    provider_code = text.where(rng.random(n_rows) < SERVICE_COMPANY_SHARE, "service_company", "operator")
    gender_code = text.where(clients.person_male, "male", "female")
    section = cat.division_section[clients.division]

    frame = Table(
        {
            "region": region_name,
            "settlement": settlement,
            "place_of_service": place_written,
            "enterprise_name": text.objects(clients.enterprise_name),
            "client_full_name": person_name,
            "iin_bin": ident,
            "gender": text.where(clients.person_male, cat.gender_names["male"], cat.gender_names["female"]),
            "birth_date": clients.person_birth,
            "age": age_at(clients.person_birth, end),
            "disability": clients.disability,
            "legal_form": np.array(cat.legal_short, dtype=object)[clients.legal],
            "sme_category": np.array(cat.sme_names, dtype=object)[clients.sme],
            "oked_sector": np.array(cat.section_names, dtype=object)[section],
            "oked_subsector": np.array(cat.division_names, dtype=object)[clients.division],
            "service": np.array(cat.service_names, dtype=object)[service],
            "service_subtype": np.array(cat.subtype_names, dtype=object)[subtype],
            "manager_full_name": manager,
            "start_date": start,
            "end_date": end,
            "work_phone": work_phone,
            "mobile_phone": mobile_phone,
            "email": text.objects(clients.email),
            "provider": text.where(
                provider_code == "operator",
                cat.provider_names["operator"],
                cat.provider_names["service_company"],
            ),
            "channel": text.where(
                channel_code == "online", cat.channel_names["online"], cat.channel_names["offline"]
            ),
            # truth: canonical values
            "t_kato": kato,
            "t_region": region_name,
            "t_client_id": ident,
            "t_identifier_kind": text.where(cat.legal_is_iin[clients.legal], "iin", "bin"),
            "t_legal_form": np.array(cat.legal_codes, dtype=object)[clients.legal],
            "t_sme_category": np.array(cat.sme_codes, dtype=object)[clients.sme],
            "t_oked_section": np.array(cat.section_codes, dtype=object)[section],
            "t_oked_division": np.array(cat.division_codes, dtype=object)[clients.division],
            "t_service": np.array(cat.service_codes, dtype=object)[service],
            "t_service_subtype": np.array(cat.subtype_codes, dtype=object)[subtype],
            "t_place": place_code,
            "t_channel": channel_code,
            "t_provider": provider_code,
            "t_gender": gender_code,
            "t_person_name": person_name,
            "t_birth_date": clients.person_birth,
            "t_regular_client": is_regular,
            "x_client": which,
            "x_subtype": subtype,
            "t_mobile_phone": mobile_phone,
            "t_work_phone": work_phone,
            "t_manager": manager,
            "t_place_short": np.array(cat.place_short, dtype=object)[place],
            "x_since": since_t[served, k],
        }
    )
    _vary_spellings(rng, cat, frame, encoding)
    for column in DATE_COLUMNS:
        frame[f"x_text_{column}"] = rng.random(n_rows) < TEXT_DATE_SHARE
    frame["x_iin_number"] = False
    _make_unique(rng, cat, frame)
    frame["t_start_date"] = frame["start_date"].copy()
    frame["t_end_date"] = frame["end_date"].copy()
    frame["t_age"] = frame["age"].copy()
    return frame


def _subtypes_of(rng: np.random.Generator, cat: Catalogue, service: np.ndarray) -> np.ndarray:
    counts = np.bincount(cat.subtype_service, minlength=len(cat.service_codes))
    by_service = np.argsort(cat.subtype_service, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return by_service[starts[service] + rng.integers(0, 1 << 30, len(service)) % counts[service]]


def _vary_spellings(rng: np.random.Generator, cat: Catalogue, frame: Table, encoding: str) -> None:
    """Clean but unnormalised spellings real registries carry (aliases from the seeds)."""
    n = len(frame)
    alias_rows = np.flatnonzero(rng.random(n) < REGION_ALIAS_SHARE)
    regions = frame["t_region"]
    katos = frame["t_kato"]
    cache: dict[tuple[str, str], list[str]] = {}
    written = frame["region"].copy()
    for i in alias_rows.tolist():
        key = (katos[i], regions[i])
        if key not in cache:
            cache[key] = _alias_choices(cat, regions[i], katos[i], encoding)
        if cache[key]:
            written[i] = cache[key][int(rng.integers(0, len(cache[key])))]
    frame["region"] = written

    gender_rows = rng.random(n) < GENDER_ALIAS_SHARE
    spelled = {
        code: np.array(
            [a.capitalize() if len(a) <= 4 else a for a in aliases if _encodable(a, encoding)], dtype=object
        )
        for code, aliases in cat.gender_aliases.items()
    }
    gender = frame["gender"].copy()
    for code, options in spelled.items():
        rows = np.flatnonzero(gender_rows & (frame["t_gender"] == code))
        gender[rows] = options[rng.integers(0, len(options), len(rows))]
    frame["gender"] = gender

    old = np.array([name or "" for name in cat.section_names_2007], dtype=object)
    section_index = {c: i for i, c in enumerate(cat.section_codes)}
    sec = np.array([section_index[c] for c in frame["t_oked_section"].tolist()])
    use_old = (old[sec] != "") & (rng.random(n) < OKED_2007_SHARE)
    frame["oked_sector"][use_old] = old[sec][use_old]


def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


# The validation layer's duplicate key is (client, person, service, sub-type, dates); every
# client has one person here, so (client, sub-type, start, end) decides it.
DUPLICATE_KEY = ("x_client", "x_subtype", "start_date", "end_date")


def duplicate_mask(frame: Table, rows: np.ndarray | None = None) -> np.ndarray:
    """Rows repeating an earlier row's duplicate key, found on integers (fast at a million rows).

    With ``rows`` (ascending positions), only those rows are compared and the mask is theirs.
    """
    rows = np.arange(len(frame)) if rows is None else rows
    key = frame["x_client"][rows].astype(np.int64) * 64 + frame["x_subtype"][rows]
    end = frame["end_date"][rows]
    key = (key * 4096 + (end - frame["start_date"][rows]) % 4096) * 64
    key += end % 64
    _, first_index = np.unique(key, return_index=True)
    dup = np.ones(len(key), dtype=bool)
    dup[first_index] = False
    return dup


SAME_SERVICE_PASSES = 40  # then a clash may also take a sub-type of another service
UNIQUE_PASSES = 400


def _make_unique(rng: np.random.Generator, cat: Catalogue, frame: Table) -> None:
    """Clean repeat visits differ in at least one duplicate-key field (else they are duplicates).

    A clash gets another sub-type of the same service, or (every other pass) a start date a
    few days earlier — never before the region name's validity, so no other rule is touched.
    Where neither can help (a busy client's many same-day visits right after a region was
    renamed: in late March 2019 the capital's start dates cannot move back past the 23rd),
    later passes also allow a sub-type of another service.

    Why only the clashing clients' rows after the first pass: the key starts with the client,
    so a change can only clash with the same client's rows. A million-row month then needs
    one sort of a million keys, not one per pass.
    """
    dup = duplicate_mask(frame)
    if not dup.any():
        return
    rows = np.flatnonzero(np.isin(frame["x_client"], np.unique(frame["x_client"][dup])))
    codes = np.array(cat.subtype_codes, dtype=object)
    names = np.array(cat.subtype_names, dtype=object)
    service_codes = np.array(cat.service_codes, dtype=object)
    service_names = np.array(cat.service_names, dtype=object)
    for attempt in range(UNIQUE_PASSES):
        hit = rows[duplicate_mask(frame, rows)]
        if not len(hit):
            return
        if attempt % 2 == 1:
            start = frame["start_date"][hit] - rng.integers(1, 6, len(hit))
            ok = start >= frame["x_since"][hit]
            frame["start_date"][hit[ok]] = start[ok]
            continue
        if attempt < SAME_SERVICE_PASSES:
            new = _subtypes_of(rng, cat, cat.subtype_service[frame["x_subtype"][hit]])
        else:
            new = rng.integers(0, len(codes), len(hit))
            service = cat.subtype_service[new]
            frame["service"][hit] = service_names[service]
            frame["t_service"][hit] = service_codes[service]
        frame["x_subtype"][hit] = new
        frame["t_service_subtype"][hit] = codes[new]
        frame["service_subtype"][hit] = names[new]
    raise RuntimeError("could not make registry rows unique")
