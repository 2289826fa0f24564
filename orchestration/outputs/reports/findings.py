"""Key findings for the conclusion (Appendix 3, section 4), generated from the figures.

Every indicator the report prints (I1–I9, Q1–Q3, the confirmation of services, the operator's
deadlines) gives at least one finding, so an analyst starts from facts. Three rules keep them
fit to sign (issue 22):

- like for like: a period is compared with another only per month of counted data (the
  monthly average of the mart's month rows over the months whose registries were used), and
  each figure says which months it covers — a quarter with an excluded month is never set
  against a full one;
- honest samples: a survey figure flagged as a small sample (the marts' is_small_sample) is
  never ranked, and "higher"/"lower" is claimed only where the 95 % interval lies wholly on
  one side of the republic's value;
- shares and changes are ratios of mart figures, never new counts.

`assess` gathers the facts the proposal rules (proposals.py) are drafted from, so a proposal
always rests on a finding the reader sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import ModuleType

from orchestration.outputs.reports.figures import (
    FEMALE_VALUES,
    ONLINE_VALUES,
    Estimate,
    IndicatorFigures,
    Letter,
    QualityFigures,
    ReportFigures,
    Timeliness,
)
from orchestration.outputs.reports.formatting import (
    fmt_date,
    fmt_datetime,
    fmt_decimal,
    fmt_int,
    fmt_share,
    fmt_signed_share,
)
from orchestration.outputs.reports.periods import DateRange

STABLE_CHANGE = 0.02  # a monthly average moving by less than this is "practically unchanged"


@dataclass
class Facts:
    """What the proposal rules test: the findings' objects, by kind."""

    centres_not_received: list[str] = field(default_factory=list)  # significantly above the republic
    regions_not_received: list[str] = field(default_factory=list)
    managers_not_received: int = 0
    low_rated: list[str] = field(default_factory=list)  # «name» of services/centres significantly below
    late_registries: list[Timeliness] = field(default_factory=list)
    missing_registries: list[Timeliness] = field(default_factory=list)
    late_corrections: list[Timeliness] = field(default_factory=list)
    corrections_not_received: list[Letter] = field(default_factory=list)
    months_left_out: list[date] = field(default_factory=list)  # of the year to date


# --- months and monthly averages ----------------------------------------------------------


def counted_months(indicator: IndicatorFigures, window: DateRange) -> list[date]:
    """The window's months with a republic row in the mart (its registry was used)."""
    total = (None, tuple(None for _ in indicator.spec.dims))
    return [m for m in window.months if total in indicator.months.get(m, {})]


def monthly_average(
    indicator: IndicatorFigures, months: list[date], region: str | None = None, dims: tuple | None = None
) -> float | None:
    """The mean of the month rows over ``months`` (a region without a row in a counted month: 0)."""
    if not months:
        return None
    key = (region, dims if dims is not None else tuple(None for _ in indicator.spec.dims))
    return sum(indicator.months[m].get(key, 0) for m in months) / len(months)


def _months(months: list[date], texts: ModuleType) -> str:
    return texts.months_phrase(months)


# --- the findings -----------------------------------------------------------------------------


def key_findings(figures: ReportFigures) -> list[str]:
    """The findings in reading order; a finding whose figures are absent is left out."""
    texts = figures.texts
    facts = assess(figures)
    i = figures.indicators
    findings: list[str] = []
    findings += _clients(figures, i["i1"])
    findings += _largest_category(i["i2"], "oked_section", texts.CATEGORY_KIND["i2"], texts)
    findings += _largest_category(i["i3"], "legal_form", texts.CATEGORY_KIND["i3"], texts)
    findings += _women(i["i4"], texts)
    findings += _largest_category(i["i5"], "age_group", texts.CATEGORY_KIND["i5"], texts)
    findings += _largest_category(i["i6"], "sme_category", texts.CATEGORY_KIND["i6"], texts)
    findings += _services(figures, i["i7"])
    findings += _largest_category(i["i8"], "provider", texts.CATEGORY_KIND["i8"], texts)
    findings += _online(figures, i["i9"])
    findings += _quality(figures.quality["q1"], texts)
    findings += _satisfaction(figures.quality["q2"], texts)
    findings += _financing(figures.quality["q3"], texts)
    findings += _confirmation(figures, facts)
    findings += _violations(facts, texts)
    return [f for f in findings if f]


def assess(figures: ReportFigures) -> Facts:
    facts = Facts()
    confirmation = figures.quality["confirmation"]
    national = confirmation.quarter.get((None, None, None, "not_received"))
    if national is not None and not national.small:
        for (region, _service, place, measure), estimate in confirmation.quarter.items():
            if measure != "not_received" or not estimate.above(national):
                continue
            if region is None and _service is None and place is not None:
                facts.centres_not_received.append(confirmation.breakdown_label("place_of_service", str(place)))
            elif region is not None and _service is None and place is None:
                facts.regions_not_received.append(figures.region_name(region))
        facts.centres_not_received.sort()
        order = [r.name for r in figures.regions]
        facts.regions_not_received.sort(key=lambda name: order.index(name) if name in order else len(order))
        facts.managers_not_received = sum(1 for e in figures.managers_not_received.values() if e.above(national))
    q1 = figures.quality["q1"]
    if q1.present and q1.measures:
        for _kind, name, _estimate in _significant(q1, below=True):
            facts.low_rated.append(f"«{name}»")
    for t in figures.timeliness or []:
        if t.violation_kind == "late_registry":
            facts.late_registries.append(t)
        elif t.violation_kind == "missing_registry":
            facts.missing_registries.append(t)
        elif t.violation_kind == "late_correction":
            facts.late_corrections.append(t)
    facts.corrections_not_received = [
        x for x in figures.letters or [] if (x.correction_status or "") == ""
    ]
    facts.months_left_out = _left_out(figures.indicators["i1"], figures.period.year_to_date)
    return facts


def _clients(figures: ReportFigures, i1: IndicatorFigures) -> list[str]:
    texts = figures.texts
    period = figures.period
    total = i1.quarter.get((None, ()))
    if total is None:
        return []
    ytd = i1.year_to_date.get((None, ()), total)
    months = counted_months(i1, period.quarter)
    out = [
        texts.finding_totals(
            texts.range_name(period.quarter),
            texts.range_name(period.year_to_date),
            fmt_int(total),
            fmt_int(ytd),
            _months(months, texts) if months and len(months) < len(period.quarter.months) else None,
            _months(left_out, texts)
            if not period.quarter_is_year_to_date and (left_out := _left_out(i1, period.year_to_date))
            else None,
        )
    ]
    by_region = [(r.code, i1.quarter[(r.code, ())]) for r in figures.regions if (r.code, ()) in i1.quarter]
    if len(by_region) > 1:
        largest = max(by_region, key=lambda x: x[1])
        smallest = min(by_region, key=lambda x: x[1])
        out.append(
            texts.finding_regions(
                figures.region_name(largest[0]), fmt_int(largest[1]),
                figures.region_name(smallest[0]), fmt_int(smallest[1]),
            )
        )
    if period.previous_quarter is None:
        out.append(texts.FINDING_NO_PREVIOUS)
        return out
    before_months = counted_months(i1, period.previous_quarter)
    now, before = monthly_average(i1, months), monthly_average(i1, before_months)
    if now is None or not before:
        out.append(texts.finding_not_comparable(texts.range_name(period.previous_quarter)))
        return out
    change = (now - before) / before
    out.append(
        texts.finding_monthly_change(
            texts.SUBJECT_CLIENTS, fmt_decimal(now, 0), _months(months, texts), fmt_decimal(before, 0),
            _months(before_months, texts), fmt_signed_share(change), _trend(change),
        )
    )
    changes = []
    for code, _ in by_region:
        region_now = monthly_average(i1, months, code, ())
        region_before = monthly_average(i1, before_months, code, ())
        if region_now is not None and region_before:
            changes.append((figures.region_name(code), (region_now - region_before) / region_before))
    grew = max(changes, key=lambda x: x[1], default=None)
    fell = min(changes, key=lambda x: x[1], default=None)
    grew = grew if grew and grew[1] > 0 else None
    fell = fell if fell and fell[1] < 0 else None
    out.append(
        texts.finding_region_change(
            grew and grew[0], grew and fmt_signed_share(grew[1]),
            fell and fell[0], fell and fmt_signed_share(fell[1]),
        )
    )
    return out


def _left_out(indicator: IndicatorFigures, window: DateRange) -> list[date]:
    """The window's months not counted, when the mart has month rows to tell (else none claimed)."""
    if not indicator.months:
        return []
    counted = counted_months(indicator, window)
    return [m for m in window.months if m not in counted]


def _trend(change: float) -> str:
    if abs(change) < STABLE_CHANGE:
        return "stable"
    return "grew" if change > 0 else "fell"


def _largest_category(indicator: IndicatorFigures, dim: str, kind: str, texts: ModuleType) -> list[str]:
    """The category with the most of the quarter's count, with its share of the total."""
    if not indicator.present or not indicator.spec.dims:
        return []
    width = len(indicator.spec.dims)
    total = indicator.quarter.get((None, tuple(None for _ in range(width))))
    rows = [
        (value, indicator.quarter[(None, (value, *(None for _ in range(width - 1))))])
        for value in indicator.values(0)
        if (None, (value, *(None for _ in range(width - 1)))) in indicator.quarter
    ]
    if not total or not rows:
        return []
    value, n = max(rows, key=lambda x: x[1])
    return [texts.finding_largest(kind, indicator.label(dim, value), fmt_int(n), fmt_share(n / total),
                                     texts.UNITS[indicator.spec.measure])]


def _services(figures: ReportFigures, i7: IndicatorFigures) -> list[str]:
    texts = figures.texts
    total = i7.quarter.get((None, (None, None)))
    services = [(s, i7.quarter[(None, (s, None))]) for s in i7.values(0) if (None, (s, None)) in i7.quarter]
    if total is None or not services:
        return []
    top = max(services, key=lambda x: x[1])
    out = [texts.finding_services(fmt_int(total), i7.label("service", top[0]), fmt_int(top[1]))]
    period = figures.period
    months = counted_months(i7, period.quarter)
    if period.previous_quarter is not None:
        before_months = counted_months(i7, period.previous_quarter)
        now, before = monthly_average(i7, months), monthly_average(i7, before_months)
        if now is not None and before:
            change = (now - before) / before
            out.append(texts.finding_monthly_change(
                texts.SUBJECT_SERVICES, fmt_decimal(now, 0), _months(months, texts), fmt_decimal(before, 0),
                _months(before_months, texts), fmt_signed_share(change), _trend(change),
            ))
    return out


def _share(slice_: dict, wanted: frozenset[str]) -> float | None:
    total = slice_.get((None, (None,)))
    if not total:
        return None
    part = sum(
        v
        for (region, dims), v in slice_.items()
        if region is None and dims[0] is not None and dims[0].strip().lower() in wanted
    )
    return part / total


def _online(figures: ReportFigures, i9: IndicatorFigures) -> list[str]:
    texts = figures.texts
    share = _share(i9.quarter, ONLINE_VALUES)
    if share is None:
        return []
    period = figures.period
    months = counted_months(i9, period.quarter)
    previous = None
    before_months: list[date] = []
    if period.previous_quarter is not None:
        previous = _share(i9.previous_quarter, ONLINE_VALUES)
        before_months = counted_months(i9, period.previous_quarter)
    return [texts.finding_online(
        fmt_share(share), _months(months, texts) if months else texts.range_name(period.quarter),
        None if previous is None else fmt_share(previous),
        _months(before_months, texts) if before_months else texts.range_name(period.previous_quarter)
        if period.previous_quarter else None,
    )]


def _women(i4: IndicatorFigures, texts: ModuleType) -> list[str]:
    share = _share(i4.quarter, FEMALE_VALUES)
    return [] if share is None else [texts.finding_women(fmt_share(share))]


def _value(estimate: Estimate, unit: str | None) -> str:
    return fmt_share(estimate.value) if unit == "share" else fmt_decimal(estimate.value)


def _interval(estimate: Estimate, unit: str | None) -> str:
    if estimate.ci_low is None or estimate.ci_high is None:
        return "–"
    if unit == "share":
        return f"{fmt_decimal(100 * estimate.ci_low)}–{fmt_share(estimate.ci_high)}"
    return f"{fmt_decimal(estimate.ci_low)}–{fmt_decimal(estimate.ci_high)}"


def _estimate(estimate: Estimate, unit: str | None, texts: ModuleType) -> str:
    """'4,3 (95-процентный доверительный интервал 4,2–4,4; число ответов – 80)'; a small sample
    'н/д (n = 3)'."""
    if estimate.small:
        return texts.small_sample(estimate.n)
    return texts.estimate_phrase(_value(estimate, unit), _interval(estimate, unit), fmt_int(estimate.n))


def _significant(quality: QualityFigures, below: bool, measure: str | None = None) -> list[tuple[str, str, Estimate]]:
    """(axis, name, estimate) of services and centres whose interval lies wholly below (or above)
    the republic's value for the quarter; small samples never qualify."""
    main = measure or quality.measures[0]
    national = quality.quarter.get((None, None, None, main))
    if national is None or national.small:
        return []
    found = []
    for (region, service, place, m), estimate in quality.quarter.items():
        if region is not None or m != main or (service is None) == (place is None):
            continue
        if estimate.below(national) if below else estimate.above(national):
            axis = "service" if service is not None else "place_of_service"
            raw = str(service if service is not None else place)
            found.append((axis, quality.breakdown_label(axis, raw), estimate))
    return sorted(found, key=lambda x: (x[0], x[2].value if below else -x[2].value))


def _quality(q1: QualityFigures, texts: ModuleType) -> list[str]:
    if not q1.present or not q1.measures:
        return []
    main = q1.measures[0]
    unit = q1.units.get(main)
    overall = q1.quarter.get((None, None, None, main))
    if overall is None:
        return []
    out = [texts.finding_quality(_lower(q1.measure_labels[main]), _estimate(overall, unit, texts))]
    for below in (True, False):
        significant = _significant(q1, below)
        if significant:
            for axis, name, estimate in significant:
                out.append(texts.finding_significant(
                    texts.LOWEST_KIND[axis], name, below, _estimate(estimate, unit, texts), _value(overall, unit)))
    if not _significant(q1, True) and not _significant(q1, False):
        out.append(texts.FINDING_NO_DIFFERENCES)
    return out


def _lower(text: str) -> str:
    return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() else text


def _measure_finding(quality: QualityFigures, measure: str, texts: ModuleType) -> str | None:
    estimate = quality.quarter.get((None, None, None, measure))
    if estimate is None:
        return None
    label = quality.measure_labels.get(measure, measure)
    return texts.finding_measure(label, _estimate(estimate, quality.units.get(measure), texts))


def _satisfaction(q2: QualityFigures, texts: ModuleType) -> list[str]:
    if not q2.present:
        return []
    out = [_measure_finding(q2, m, texts) for m in texts.SATISFACTION_MEASURES if m in q2.measures]
    return [text for text in out if text]


def _financing(q3: QualityFigures, texts: ModuleType) -> list[str]:
    if not q3.present:
        return []
    phone = q3.quarter.get((None, None, None, texts.FINANCING_PHONE))
    forms = q3.quarter.get((None, None, None, texts.FINANCING_QUESTIONNAIRE))
    if phone is None or forms is None:
        return [t for t in (_measure_finding(q3, texts.FINANCING_PHONE, texts),
                            _measure_finding(q3, texts.FINANCING_QUESTIONNAIRE, texts)) if t]
    if phone.small or forms.small:
        verdict = "small"
    elif phone.above(forms) or phone.below(forms) or forms.above(phone) or forms.below(phone):
        verdict = "separate"
    else:
        verdict = "same"
    return [texts.finding_financing(_estimate(phone, "share", texts), _estimate(forms, "share", texts), verdict)]


def _confirmation(figures: ReportFigures, facts: Facts) -> list[str]:
    texts = figures.texts
    confirmation = figures.quality["confirmation"]
    national = confirmation.quarter.get((None, None, None, "not_received"))
    if not confirmation.present or national is None:
        return []
    return [texts.finding_not_received(
        _estimate(national, "share", texts), facts.regions_not_received, facts.centres_not_received,
        facts.managers_not_received, len(figures.managers_not_received),
    )]


def _violations(facts: Facts, texts: ModuleType) -> list[str]:
    parts = []
    for t in facts.late_registries:
        parts.append(texts.violation_late(
            texts.range_name(DateRange(t.month, t.month)), fmt_datetime(t.submitted_at), fmt_datetime(t.due_at)))
    for t in facts.missing_registries:
        parts.append(texts.violation_missing(texts.range_name(DateRange(t.month, t.month)),
                                                fmt_datetime(t.due_at)))
    for t in facts.late_corrections:
        parts.append(texts.violation_late_correction(
            texts.range_name(DateRange(t.month, t.month)), fmt_datetime(t.submitted_at), fmt_datetime(t.due_at)))
    for x in facts.corrections_not_received:
        parts.append(texts.violation_no_correction(
            texts.range_name(DateRange(x.month, x.month)), fmt_date(x.letter_date), fmt_date(x.correction_due)))
    return [texts.finding_violations(parts)]
