"""Key findings for the conclusion (Appendix 3, section 4), generated from the figures.

Each finding compares or ranks figures the report already prints (largest and smallest
regions, the change against the previous quarter, the online share, the lowest-rated
services, confirmation red flags, late registries), so an analyst starts from facts and
adds the proposals. Shares and changes are ratios of two mart figures, never new counts.
"""

from __future__ import annotations

from orchestration.outputs.reports import texts_ru
from orchestration.outputs.reports.figures import (
    FEMALE_VALUES,
    ONLINE_VALUES,
    IndicatorFigures,
    QualityFigures,
    ReportFigures,
)
from orchestration.outputs.reports.formatting import fmt_decimal, fmt_int, fmt_share, fmt_signed_share

CONFIRMATION_THRESHOLD = 0.9  # below this share of confirmed services a region is flagged for a check of acts
MIN_RESPONSES = 10  # a service or centre is ranked by its score only with at least this many answers


def key_findings(figures: ReportFigures) -> list[str]:
    """The findings in reading order; a finding whose figures are absent is left out."""
    findings: list[str] = []
    i1 = figures.indicators["i1"]
    findings += _clients(figures, i1)
    findings += _services(figures.indicators["i7"])
    findings += _online(figures.indicators["i9"], figures.period.previous_quarter is not None)
    findings += _women(figures.indicators["i4"])
    findings += _quality(figures.quality["q1"])
    findings += _confirmation(figures.quality["confirmation"], figures)
    if figures.timeliness is not None:
        late = sum(1 for t in figures.timeliness if t.violation_kind in ("late_registry", "late_correction"))
        missing = sum(1 for t in figures.timeliness if t.violation_kind == "missing_registry")
        findings.append(texts_ru.finding_late(late, missing))
    return [f for f in findings if f]


def _clients(figures: ReportFigures, i1: IndicatorFigures) -> list[str]:
    period = figures.period
    total = i1.quarter.get((None, ()))
    if total is None:
        return []
    ytd = i1.year_to_date.get((None, ()), total)
    out = [
        texts_ru.finding_totals(
            texts_ru.range_name(period.quarter),
            texts_ru.range_name(period.year_to_date),
            fmt_int(total),
            fmt_int(ytd),
        )
    ]
    by_region = [(r.code, i1.quarter[(r.code, ())]) for r in figures.regions if (r.code, ()) in i1.quarter]
    if len(by_region) > 1:
        largest = max(by_region, key=lambda x: x[1])
        smallest = min(by_region, key=lambda x: x[1])
        out.append(
            texts_ru.finding_regions(
                figures.region_name(largest[0]), fmt_int(largest[1]),
                figures.region_name(smallest[0]), fmt_int(smallest[1]),
            )
        )
    if period.previous_quarter is None:
        out.append(texts_ru.FINDING_NO_PREVIOUS)
        return out
    before = i1.previous_quarter.get((None, ()))
    if before:
        change = None if before == total else fmt_share(abs(total - before) / before)
        out.append(
            texts_ru.finding_change(
                texts_ru.range_name(period.previous_quarter),
                fmt_int(before),
                fmt_int(total),
                change,
                grew=total > before,
            )
        )
        changes = [
            (figures.region_name(code), (n - i1.previous_quarter[(code, ())]) / i1.previous_quarter[(code, ())])
            for code, n in by_region
            if i1.previous_quarter.get((code, ()))
        ]
        grew = max(changes, key=lambda x: x[1], default=None)
        fell = min(changes, key=lambda x: x[1], default=None)
        grew = grew if grew and grew[1] > 0 else None
        fell = fell if fell and fell[1] < 0 else None
        out.append(
            texts_ru.finding_region_change(
                grew and grew[0],
                grew and fmt_signed_share(grew[1]),
                fell and fell[0],
                fell and fmt_signed_share(fell[1]),
            )
        )
    return out


def _services(i7: IndicatorFigures) -> list[str]:
    total = i7.quarter.get((None, (None, None)))
    services = [(s, i7.quarter[(None, (s, None))]) for s in i7.values(0) if (None, (s, None)) in i7.quarter]
    if total is None or not services:
        return []
    top = max(services, key=lambda x: x[1])
    return [texts_ru.finding_services(fmt_int(total), i7.label("service", top[0]), fmt_int(top[1]))]


def _share(figures: IndicatorFigures, slice_name: str, wanted: frozenset[str]) -> float | None:
    slice_ = getattr(figures, slice_name)
    total = slice_.get((None, (None,)))
    if not total:
        return None
    part = sum(
        v
        for (region, dims), v in slice_.items()
        if region is None and dims[0] is not None and dims[0].strip().lower() in wanted
    )
    return part / total


def _online(i9: IndicatorFigures, has_previous: bool) -> list[str]:
    share = _share(i9, "quarter", ONLINE_VALUES)
    if share is None:
        return []
    previous = _share(i9, "previous_quarter", ONLINE_VALUES) if has_previous else None
    return [texts_ru.finding_online(fmt_share(share), None if previous is None else fmt_share(previous))]


def _women(i4: IndicatorFigures) -> list[str]:
    share = _share(i4, "quarter", FEMALE_VALUES)
    return [] if share is None else [texts_ru.finding_women(fmt_share(share))]


def _quality(q1: QualityFigures) -> list[str]:
    if not q1.present or not q1.measures:
        return []
    main = q1.measures[0]
    out = []
    overall = q1.quarter.get((None, None, None, main))
    if overall is not None and q1.units.get(main) == "score":
        out.append(texts_ru.finding_quality(fmt_decimal(overall.value), fmt_int(overall.n)))
    for axis, position in (("service", 1), ("place_of_service", 2)):
        ranked = [
            (k[position], e)
            for k, e in q1.quarter.items()
            if k[0] is None and k[position] is not None and k[3] == main and e.n >= MIN_RESPONSES
        ]
        if len(ranked) > 1:
            name, estimate = min(ranked, key=lambda x: x[1].value)
            value = (
                fmt_share(estimate.value) if q1.units.get(main) == "share" else fmt_decimal(estimate.value)
            )
            out.append(
                texts_ru.finding_lowest(texts_ru.LOWEST_KIND[axis], str(name), value, fmt_int(estimate.n))
            )
    return out


def _confirmation(confirmation: QualityFigures, figures: ReportFigures) -> list[str]:
    if not confirmation.present or not confirmation.measures:
        return []
    main = confirmation.measures[0]
    regional = [
        (k[0], e)
        for k, e in confirmation.quarter.items()
        if k[0] is not None and k[1] is None and k[2] is None and k[3] == main
    ]
    if not regional:
        return []
    threshold = fmt_share(CONFIRMATION_THRESHOLD, 0)
    order = [r.code for r in figures.regions]
    flagged_codes = [str(code) for code, e in regional if e.value < CONFIRMATION_THRESHOLD]
    flagged_codes.sort(key=lambda code: order.index(code) if code in order else len(order))
    flagged = [figures.region_name(code) for code in flagged_codes]
    return [
        texts_ru.finding_confirmation(threshold, flagged)
        if flagged
        else texts_ru.finding_confirmation_ok(threshold)
    ]
