"""Data-quality review (issue 24) on the session's generated year (tests/pipeline_fixture.py).

The generator injects row-level defects only (the ones the rule table catches), nothing the
review's statistical flags look for, so its year measures their false-positive rate: the share
of scored unit-months (outliers), region-quarters (consistency over time) and region-months
(consistency between sources) flagged. The implausible patterns are not false positives: the
generator dates a few services on Saturdays, Sundays and holidays and serves some individual
entrepreneurs aged 14-17 on purpose, so their counts must equal the generator's own truth,
recomputed here in pandas with the Python calendar.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from pipeline_fixture import read_dq_marts

from orchestration.rules.calendar import kazakhstan_calendar

# The generated year is small (250 services a month over 17 regions: a manager serves ~2 a month,
# a centre ~4), so most units fall below the minimum volumes (dq_outlier_min_median,
# dq_consistency_min_reference, dq_non_receipt_min_answers) and what is scored is close to them.
# Measured with seed 11: see the printed rates; the bound fails a change that makes the review noisy.
MAX_FALSE_POSITIVE_RATE = 0.1


@pytest.fixture(scope="module")
def marts(pipeline_run) -> dict[str, pd.DataFrame]:
    return read_dq_marts(pipeline_run.settings.analytics_path)


@pytest.fixture(scope="module")
def counted(pipeline_run) -> pd.DataFrame:
    truth = pipeline_run.services
    frame = truth[truth.in_report].copy()
    frame["end"] = pd.to_datetime(frame.end_date).dt.date
    frame["month"] = pd.to_datetime(frame.end_date).dt.month
    return frame


def _by_region_month(rows: pd.DataFrame) -> dict[tuple[str, int], int]:
    keys = zip(rows.region_code, rows.period_start.dt.month, strict=True)
    return dict(zip(keys, rows.services, strict=True))


def _rate(flags: pd.Series) -> float:
    return float(flags.mean()) if len(flags) else 0.0


def test_statistical_flags_are_rare_on_a_clean_year(marts):
    outliers = marts["dq_outliers"]
    scored = outliers[outliers.modified_z.notna()]
    consistency = marts["dq_consistency_over_time"]
    consistency = consistency[consistency.ratio.notna()]
    sources = marts["dq_source_consistency"]
    sources = sources[sources.period_type == "month"]
    rates = {"outliers": _rate(scored.is_outlier), "consistency_over_time": _rate(consistency.is_flagged),
             "source_consistency": _rate(sources.is_flagged)}
    print(f"false-positive rates on the clean year: {rates}; scored: outliers {len(scored)}, "
          f"consistency {len(consistency)}, sources {len(sources)}")
    assert len(scored) > 50 and len(consistency) > 20 and len(sources) > 100  # something was scored
    assert all(rate <= MAX_FALSE_POSITIVE_RATE for rate in rates.values()), rates


def test_services_on_days_off_equal_the_generated_ones(marts, counted):
    calendar = kazakhstan_calendar(2019, 2020)
    off = counted[~counted.end.map(calendar.is_working_day)]
    expected = off.groupby(["kato_code", "month"]).size().to_dict()
    patterns = marts["dq_implausible_patterns"]
    got = patterns[(patterns.pattern == "non_working_day") & (patterns.period_type == "month")]
    assert _by_region_month(got) == expected
    assert expected  # the generator does date a few services on days off


def test_minor_entrepreneurs_equal_the_generated_ones(marts, counted):
    minors = counted[(counted.identifier_kind == "iin") & (counted.age < 18)]
    expected = minors.groupby(["kato_code", "month"]).size().to_dict()
    patterns = marts["dq_implausible_patterns"]
    got = patterns[(patterns.pattern == "minor_entrepreneur") & (patterns.period_type == "month")]
    assert _by_region_month(got) == expected


def test_repeated_services_equal_the_generated_ones(marts, counted):
    rows = counted.sort_values(["client_id", "service_subtype_code", "end"]).reset_index(drop=True)
    later = set()
    for _, group in rows.groupby(["client_id", "service_subtype_code"]):
        ends = list(group.end)
        for i, day in enumerate(ends):
            if any(0 <= (day - other).days <= 7 for other in ends[:i]):
                later.add(group.index[i])
    expected = rows.loc[sorted(later)].groupby(["kato_code", "month"]).size().to_dict()
    patterns = marts["dq_implausible_patterns"]
    got = patterns[(patterns.pattern == "repeated_service") & (patterns.period_type == "month")]
    assert _by_region_month(got) == expected


def test_no_manager_day_overload_on_a_clean_year(marts):
    patterns = marts["dq_implausible_patterns"]
    assert not (patterns.pattern == "manager_day_overload").any()


def test_reporting_rates_equal_the_generated_submissions(pipeline_run, marts):
    submissions = pipeline_run.truth.submissions
    first = submissions[submissions.version == 1]
    rates = marts["dq_reporting_rates"]
    months = rates[rates.period_type == "month"].set_index(rates[rates.period_type == "month"].period_start.dt.month)
    on_time = {int(p[5:7]): int(bool(v)) for p, v in zip(first.period, first.on_time, strict=True)}
    assert {m: int(months.loc[m, "registries_on_time"]) for m in on_time} == on_time
    ytd = rates[(rates.period_type == "year_to_date") & (rates.period_end == pd.Timestamp(date(2019, 11, 30)))]
    assert ytd.registries_on_time.item() == sum(on_time[m] for m in on_time if m <= 11)


def test_the_marts_hold_no_personal_data(pipeline_run, marts):
    names = set(pipeline_run.services.person_name.astype(str)) | set(pipeline_run.services.client_id.astype(str))
    for name, mart in marts.items():
        text = mart.to_csv(index=False)
        assert not [v for v in names if len(v) > 6 and v in text], name
