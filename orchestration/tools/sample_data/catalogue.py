"""The reference seeds, shaped for vectorised generation (arrays indexed by position).

The generator must use exactly the lists the validation layer checks against, so every
name written into a clean row comes from ``orchestration.reference.seed_rows``; only
weights and texture live in ``vocab``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

import numpy as np

from orchestration.reference import input_columns, seed_rows
from orchestration.tools.sample_data import vocab


@dataclass(frozen=True)
class RegionVersion:
    kato: str
    name_ru: str
    valid_from: date
    valid_to: date | None

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def _weights(codes: tuple[str, ...], table: dict[str, float]) -> np.ndarray:
    raw = np.array([table.get(code, 0.0) for code in codes], dtype=float)
    return raw / raw.sum()


@dataclass(frozen=True)
class Catalogue:
    """Seeds as tuples; ``*_p`` are sampling probabilities aligned with the tuples."""

    region_versions: tuple[RegionVersion, ...]
    current_regions: tuple[str, ...]
    current_regions_p: np.ndarray
    region_aliases: dict[str, tuple[str, ...]]
    place_codes: tuple[str, ...]
    place_names: tuple[str, ...]
    place_short: tuple[str, ...]
    place_channel: tuple[str, ...]
    place_p: np.ndarray
    legal_codes: tuple[str, ...]
    legal_short: tuple[str, ...]
    legal_is_iin: np.ndarray
    legal_p: np.ndarray
    sme_codes: tuple[str, ...]
    sme_names: tuple[str, ...]
    sme_p: np.ndarray
    section_codes: tuple[str, ...]
    section_names: tuple[str, ...]
    section_names_2007: tuple[str, ...]
    section_p: np.ndarray
    division_codes: tuple[str, ...]
    division_names: tuple[str, ...]
    division_section: np.ndarray
    service_codes: tuple[str, ...]
    service_names: tuple[str, ...]
    service_p: np.ndarray
    subtype_codes: tuple[str, ...]
    subtype_names: tuple[str, ...]
    subtype_service: np.ndarray
    gender_names: dict[str, str]
    gender_aliases: dict[str, tuple[str, ...]]
    provider_names: dict[str, str]
    channel_names: dict[str, str]
    confirmation_names: dict[str, str]
    outcome_names: dict[str, str]
    financial_options: tuple[str, ...]
    non_financial_options: tuple[str, ...]
    rule_severity: dict[str, str]

    def region_name(self, kato: str, day: date) -> str:
        for version in self.region_versions:
            if version.kato == kato and version.valid_on(day):
                return version.name_ru
        raise KeyError(f"region {kato} not valid on {day}")

    def region_exists(self, kato: str, day: date) -> bool:
        return any(v.kato == kato and v.valid_on(day) for v in self.region_versions)

    def shown_region(self, current_kato: str, day: date) -> str:
        """The KATO code a service in ``current_kato`` territory carries on ``day``."""
        if self.region_exists(current_kato, day):
            return current_kato
        return vocab.PARENT_REGION[current_kato]


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def _display_alias(alias: str) -> str:
    """Seed aliases are lower case; an operator writes «г. Алматы», «ЗКО», «Алматинская обл.»."""
    if alias in {"зко", "ско", "вко"}:
        return alias.upper()
    out = []
    for token in alias.split(" "):
        if token in {"г.", "обл.", "город", "область"}:
            out.append(token)
        elif token.startswith("г."):
            out.append("г." + token[2:3].upper() + token[3:])
        else:
            out.append(token[:1].upper() + token[1:])
    return " ".join(out)


@cache
def load_catalogue() -> Catalogue:
    regions = tuple(
        RegionVersion(r["kato_code"], r["name_ru"], _date(r["valid_from"]) or date.min, _date(r["valid_to"]))
        for r in seed_rows("regions")
    )
    current = tuple(vocab.REGION_WEIGHTS)
    known = {r.kato for r in regions}
    missing = set(current) - known
    if missing:
        raise ValueError(f"vocab.REGION_WEIGHTS names KATO codes not in regions.csv: {sorted(missing)}")
    aliases: dict[str, list[str]] = {}
    for row in seed_rows("region_aliases"):
        aliases.setdefault(row["kato_code"], []).append(_display_alias(row["alias"]))

    places = seed_rows("places_of_service")
    legal = seed_rows("legal_forms")
    sme = seed_rows("sme_categories")
    sections = seed_rows("oked_sections")
    divisions = seed_rows("oked_divisions")
    services = seed_rows("services")
    section_index = {s["section_code"]: i for i, s in enumerate(sections)}
    service_codes = tuple(dict.fromkeys(s["service_code"] for s in services))
    service_names = tuple(dict.fromkeys(s["service_name_ru"] for s in services))
    genders: dict[str, str] = {}
    gender_aliases: dict[str, list[str]] = {}
    for row in seed_rows("genders"):
        genders[row["gender_code"]] = row["name_ru"]
        gender_aliases.setdefault(row["gender_code"], []).append(row["alias"])

    legal_codes = tuple(r["legal_form_code"] for r in legal)
    sme_codes = tuple(r["sme_category_code"] for r in sme)
    section_codes = tuple(r["section_code"] for r in sections)
    place_codes = tuple(r["place_code"] for r in places)
    return Catalogue(
        region_versions=regions,
        current_regions=current,
        current_regions_p=_weights(current, vocab.REGION_WEIGHTS),
        region_aliases={k: tuple(v) for k, v in aliases.items()},
        place_codes=place_codes,
        place_names=tuple(r["name_ru"] for r in places),
        place_short=tuple(r["short_name_ru"] for r in places),
        place_channel=tuple(r["channel"] for r in places),
        place_p=_weights(place_codes, vocab.PLACE_WEIGHTS),
        legal_codes=legal_codes,
        legal_short=tuple(r["short_name_ru"] for r in legal),
        legal_is_iin=np.array([sample_identifier_kind(r) == "iin" for r in legal]),
        legal_p=_weights(legal_codes, vocab.LEGAL_FORM_WEIGHTS),
        sme_codes=sme_codes,
        sme_names=tuple(r["name_ru"] for r in sme),
        sme_p=_weights(sme_codes, vocab.SME_WEIGHTS),
        section_codes=section_codes,
        section_names=tuple(r["name_ru"] for r in sections),
        section_names_2007=tuple(r["name_ru_2007"] for r in sections),
        section_p=_weights(section_codes, vocab.OKED_WEIGHTS),
        division_codes=tuple(r["division_code"] for r in divisions),
        division_names=tuple(r["name_ru"] for r in divisions),
        division_section=np.array([section_index[r["section_code"]] for r in divisions]),
        service_codes=service_codes,
        service_names=service_names,
        service_p=_weights(service_codes, vocab.SERVICE_WEIGHTS),
        subtype_codes=tuple(r["subtype_code"] for r in services),
        subtype_names=tuple(r["subtype_name_ru"] for r in services),
        subtype_service=np.array([service_codes.index(r["service_code"]) for r in services]),
        gender_names=genders,
        gender_aliases={k: tuple(v) for k, v in gender_aliases.items()},
        provider_names={r["provider_code"]: r["name_ru"] for r in seed_rows("providers")},
        channel_names={r["channel_code"]: r["name_ru"] for r in seed_rows("channels")},
        confirmation_names={r["method_code"]: r["name_ru"] for r in seed_rows("confirmation_methods")},
        outcome_names={r["outcome_code"]: r["name_ru"] for r in seed_rows("call_outcomes")},
        financial_options=tuple(r["name_ru"] for r in seed_rows("financial_support_options")),
        non_financial_options=tuple(r["name_ru"] for r in seed_rows("non_financial_support_options")),
        rule_severity={r["rule_id"]: r["severity"] for r in seed_rows("validation_rules")},
    )


def column_names(input_name: str) -> tuple[str, ...]:
    return tuple(c.name for c in input_columns(input_name))


def column_titles(input_name: str) -> tuple[str, ...]:
    return tuple(c.title_ru for c in input_columns(input_name))


def sample_identifier_kind(legal_form: dict[str, str]) -> str:
    """'iin' or 'bin': the seed's kind, or the generator's choice where the law allows both."""
    kind = legal_form["identifier_kind"]
    if kind != "iin_or_bin":
        return kind
    try:
        return vocab.SAMPLE_IDENTIFIER_KIND[legal_form["legal_form_code"]]
    except KeyError:
        raise ValueError(
            f"legal form {legal_form['legal_form_code']!r} allows an IIN or a BIN: "
            "name the generated one in vocab.SAMPLE_IDENTIFIER_KIND"
        ) from None
