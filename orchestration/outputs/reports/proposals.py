"""Drafted proposals for the conclusion (Appendix 3, section 4), from explicit rules.

The rules are one table, the dbt seed ``report_proposal_rules`` (condition, wording, legal
reference): a rule fires when the findings' fact it names (findings.Facts) holds at least its
``min_cases`` objects — centres, regions, months, letters — and its wording is filled with
them. The analyst edits the draft before signing; the report says it is a draft. Nothing here
decides what a proposal says: the seed does, so the wording is changed in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from types import ModuleType

from orchestration.outputs.reports.figures import Letter, ReportFigures, Timeliness
from orchestration.outputs.reports.findings import Facts, assess
from orchestration.outputs.reports.formatting import fmt_date
from orchestration.outputs.reports.periods import DateRange
from orchestration.reference import seed_rows

SEED = "report_proposal_rules"


@dataclass(frozen=True)
class Rule:
    rule_id: str
    sort_order: int
    fact: str
    min_cases: int
    condition: str
    wording: str
    legal_reference: str


@dataclass(frozen=True)
class Proposal:
    rule_id: str
    text: str


def rules(language: str = "ru") -> list[Rule]:
    """The seed's rules with their wording in ``language`` (columns wording_<language>…); a rule
    without it is an error, never the other language's wording."""
    out = []
    for row in seed_rows(SEED):
        wording = [row.get(f"{column}_{language}") for column in ("condition", "wording", "legal_reference")]
        if not all(wording):
            raise ValueError(f"{SEED}: rule {row['rule_id']} has no {language} wording (condition, wording, "
                             "legal_reference)")
        out.append(Rule(row["rule_id"], int(row["sort_order"]), row["fact"], int(row["min_cases"]), *wording))
    return sorted(
        out,
        key=lambda rule: rule.sort_order,
    )


def _object(value: object, texts: ModuleType) -> str:
    if isinstance(value, Timeliness):
        return texts.range_name(DateRange(value.month, value.month))
    if isinstance(value, Letter):
        return texts.proposal_letter(texts.range_name(DateRange(value.month, value.month)),
                                        fmt_date(value.letter_date))
    if isinstance(value, date):
        return texts.range_name(DateRange(value, value))
    return str(value)


def _objects(facts: Facts, fact: str, texts: ModuleType) -> list[str]:
    value = getattr(facts, fact)  # a rule naming an unknown fact fails loudly
    if isinstance(value, int):
        return [str(value)] if value else []
    return [_object(item, texts) for item in value]


def draft_proposals(figures: ReportFigures) -> list[Proposal]:
    """The proposals whose rule's condition the period's findings meet, in the seed's order."""
    texts = figures.texts
    facts = assess(figures)
    drafted = []
    for rule in rules(figures.language.code):
        objects = _objects(facts, rule.fact, texts)
        value = getattr(facts, rule.fact)
        count = value if isinstance(value, int) else len(objects)
        if count < rule.min_cases:
            continue
        text = rule.wording.format(objects=", ".join(objects))
        drafted.append(Proposal(rule.rule_id, texts.proposal(text, rule.legal_reference)))
    return drafted
