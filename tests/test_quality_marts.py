"""Quality marts (Q1-Q3, service confirmation) against an independent computation.

The expectation is computed here in plain pandas from the generator's own answers — the
phone-survey and questionnaire frames it wrote (YearResult.phone_survey(), the months'
questionnaires) — never from the warehouse. Each answer falls in the period of its service
date (Q4 = October-November, clause 12). The intervals of every row of every quality mart
are then recomputed with orchestration/rules/survey_stats.py, the reference the SQL macros must
agree with. Also: the call lists of the run exist, owner-only, one per closed quarter.
"""

import json
import re
import stat
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from orchestration.defs.assets.call_lists import CALL_LISTS_KEY
from orchestration.reference import seed_rows
from orchestration.rules.survey_stats import mean_interval, wilson_interval

QUARTERS = [(date(2019, 1, 1), date(2019, 3, 31)), (date(2019, 4, 1), date(2019, 6, 30)),
            (date(2019, 7, 1), date(2019, 9, 30)), (date(2019, 10, 1), date(2019, 11, 30))]
YEAR_TO_DATE = (date(2019, 1, 1), date(2019, 11, 30))
QUALITY_MARTS = ("q1_quality", "q2_satisfaction", "q3_financial_support_interest", "q_service_confirmation",
                 "q_service_confirmation_by_manager")


def _dates(ordinals) -> pd.Series:
    return pd.Series([date.fromordinal(int(o)) for o in ordinals])


@pytest.fixture(scope="module")
def calls(pipeline_run) -> pd.DataFrame:
    frame = pd.concat(pipeline_run.truth.phone_survey().values(), ignore_index=True)
    frame["day"] = _dates(frame["service_date"])
    answered_name = {r["outcome_code"]: r["name_ru"] for r in seed_rows("call_outcomes")}["answered"]
    frame["answered"] = frame["call_outcome"] == answered_name
    return frame


@pytest.fixture(scope="module")
def questionnaires(pipeline_run) -> pd.DataFrame:
    frame = pd.concat([m.questionnaires for m in pipeline_run.truth.months], ignore_index=True)
    frame["day"] = _dates(frame["service_date"])
    return frame


@pytest.fixture(scope="module")
def marts(pipeline_run) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(pipeline_run.settings.analytics_path), read_only=True) as con:
        return {name: con.execute(f"select * from {name}").df() for name in QUALITY_MARTS}


def _total(mart: pd.DataFrame, start: date, end: date, measure: str) -> pd.Series:
    period_type = "year_to_date" if (start, end) == YEAR_TO_DATE else "quarter"
    rows = mart[(mart.period_start.dt.date == start) & (mart.period_end.dt.date == end)
                & mart.region_code.isna() & mart.service_code.isna() & mart.centre_kind.isna()
                & (mart.measure == measure) & (mart.period_type == period_type)]
    assert len(rows) == 1, (measure, start, end, len(rows))
    return rows.iloc[0]


def _in(frame: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    return frame[(frame.day >= start) & (frame.day <= end)]


def _expect_share(row: pd.Series, flags: pd.Series) -> None:
    assert row.n == len(flags) and row.successes == int(flags.sum())
    assert row.value == pytest.approx(flags.mean())


def _expect_mean(row: pd.Series, scores: pd.Series) -> None:
    assert row.n == len(scores)
    assert row.value == pytest.approx(scores.mean())
    assert row.sd == pytest.approx(scores.std(ddof=1))
    assert [row[f"score_{s}"] for s in range(1, 6)] == [int((scores == s).sum()) for s in range(1, 6)]


@pytest.mark.parametrize(("start", "end"), [*QUARTERS, YEAR_TO_DATE])
def test_phone_survey_indicators_equal_the_generated_answers(marts, calls, start, end):
    period = _in(calls, start, end)
    answered = period[period.answered]
    scored = answered[answered.q2_quality != ""]
    _expect_mean(_total(marts["q1_quality"], start, end, "phone_quality"), scored.q2_quality.astype(int))
    _expect_share(_total(marts["q1_quality"], start, end, "phone_quality_good"), scored.q2_quality.astype(int) >= 4)
    helped = answered[answered.q3_helped != ""]
    _expect_share(_total(marts["q2_satisfaction"], start, end, "phone_helped"), helped.q3_helped == "Да")
    _expect_share(_total(marts["q2_satisfaction"], start, end, "phone_helped_at_least_partly"),
                  helped.q3_helped.isin(["Да", "Частично"]))
    asked = answered[answered.q4_interested != ""]
    _expect_share(_total(marts["q3_financial_support_interest"], start, end, "phone_interested"),
                  asked.q4_interested == "Да")
    interested = asked[asked.q4_interested == "Да"]
    for row in seed_rows("financial_support_options"):
        _expect_share(_total(marts["q3_financial_support_interest"], start, end,
                             f"phone_instrument_{row['option_code']}"), interested.q4_instrument == row["name_ru"])
    confirmed = answered[answered.q1_received != ""]
    confirmation = marts["q_service_confirmation"]
    _expect_share(_total(confirmation, start, end, "confirmed"), confirmed.q1_received == "Да")
    _expect_share(_total(confirmation, start, end, "not_received"), confirmed.q1_received == "Нет")
    response = _total(confirmation, start, end, "response_rate")
    _expect_share(response, period.answered)
    assert (response.calls_behind, response.calls_answered) == (len(period), int(period.answered.sum()))
    assert response.response_rate == pytest.approx(period.answered.mean())


@pytest.mark.parametrize(("start", "end"), [*QUARTERS, YEAR_TO_DATE])
def test_questionnaire_indicators_equal_the_generated_answers(marts, questionnaires, start, end):
    period = _in(questionnaires, start, end)
    for aspect in ("usefulness", "organisation", "expectations", "satisfaction"):
        scores = period[f"score_{aspect}"].astype(int)
        _expect_mean(_total(marts["q1_quality"], start, end, aspect), scores)
        _expect_share(_total(marts["q1_quality"], start, end, f"{aspect}_good"), scores >= 4)
    satisfaction = period.score_satisfaction.astype(int)
    _expect_mean(_total(marts["q2_satisfaction"], start, end, "satisfaction"), satisfaction)
    _expect_share(_total(marts["q2_satisfaction"], start, end, "satisfied"), satisfaction >= 4)
    q3 = marts["q3_financial_support_interest"]
    for kind, column in (("financial", "financial_support_wanted"), ("non_financial", "non_financial_support_wanted")):
        chosen = period[column].fillna("").map(lambda text: {o.strip() for o in text.split(";") if o.strip()})
        for row in seed_rows(f"{kind}_support_options"):
            _expect_share(_total(q3, start, end, f"questionnaire_{kind}_{row['option_code']}"),
                          chosen.map(lambda options, name=row["name_ru"]: name in options))
        if kind == "financial":
            _expect_share(_total(q3, start, end, "questionnaire_financial_any"), chosen.map(bool))


def test_phone_quality_by_kind_of_centre_equals_the_generated_answers(marts, calls):
    start, end = QUARTERS[1]
    answered = _in(calls, start, end)
    answered = answered[answered.answered & (answered.q2_quality != "")]
    mart = marts["q1_quality"]
    rows = mart[(mart.period_type == "quarter") & (mart.period_start.dt.date == start)
                & (mart.measure == "phone_quality") & mart.region_code.isna() & mart.service_code.isna()
                & mart.centre_kind.notna()]
    got = {r.place_of_service: (r.n, round(r.value, 9)) for r in rows.itertuples()}
    expected = {place: (len(g), round(g.q2_quality.astype(int).mean(), 9))
                for place, g in answered.groupby("place_of_service")}
    assert got == expected


def test_every_interval_agrees_with_the_python_reference(marts):
    for name, mart in marts.items():
        assert len(mart), name
        for row in mart.itertuples():
            if row.unit == "share":
                expected = wilson_interval(int(row.successes), int(row.n))
            else:
                expected = mean_interval(row.value, None if pd.isna(row.sd) else row.sd, int(row.n))
            if expected is None:
                assert pd.isna(row.ci_low) and pd.isna(row.ci_high), (name, row)
            else:
                assert (row.ci_low, row.ci_high) == (pytest.approx(expected.low, abs=1e-9),
                                                      pytest.approx(expected.high, abs=1e-9)), (name, row)
        assert (mart.is_small_sample == (mart.n < 10)).all(), name  # quality_min_n, default 10
        if name != "q_service_confirmation_by_manager":  # a manager has a handful of calls
            # the rows cover small and large samples alike (the t table and its expansion)
            assert mart.n.min() < 30 < mart.n.max(), name


def test_rows_are_unique_per_breakdown_and_totals_are_not_sums(marts):
    for name in QUALITY_MARTS[:4]:
        mart = marts[name]
        keys = ["period_type", "period_start", "period_end", "region_code", "service_code", "centre_kind", "measure"]
        assert not mart.duplicated(keys).any(), name
        # every breakdown row is one breakdown at a time, the total has none
        breakdowns = mart[["region_code", "service_code", "centre_kind"]].notna().sum(axis=1)
        assert set(breakdowns) == {0, 1}, name
    manager = marts["q_service_confirmation_by_manager"]
    assert manager.manager_key.notna().all()
    assert not manager.duplicated(["period_type", "period_start", "period_end", "manager_key", "measure"]).any()


def test_unlinked_answers_are_counted_not_dropped(marts, questionnaires):
    start, end = YEAR_TO_DATE
    row = _total(marts["q2_satisfaction"], start, end, "satisfaction")
    assert row.n == len(_in(questionnaires, start, end))  # every questionnaire, linked or not
    assert 0 <= row.unlinked <= row.n
    by_region = marts["q2_satisfaction"]
    by_region = by_region[(by_region.period_type == "year_to_date") & (by_region.period_end.dt.date == end)
                          & by_region.region_code.notna() & (by_region.measure == "satisfaction")]
    assert by_region.n.sum() == row.n - row.unlinked  # an unlinked questionnaire names no region


def test_call_lists_are_written_owner_only_with_counts_only_in_metadata(pipeline_run):
    folder = pipeline_run.settings.call_lists_dir
    assert sorted(p.name for p in folder.glob("*.xlsx")) == [f"2019-Q{q}.xlsx" for q in range(1, 5)]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in folder.glob("*.xlsx"))
    event = pipeline_run.instance.get_latest_materialization_event(CALL_LISTS_KEY)
    assert event is not None
    metadata = event.asset_materialization.metadata
    text = json.dumps({k: getattr(v, "value", str(v)) for k, v in metadata.items()}, default=str, ensure_ascii=False)
    assert not re.search(r"\d{11,12}|\+7|@", text)
    strata = metadata["strata"].value
    assert {s["period"] for s in strata} == {f"2019-Q{q}" for q in range(1, 5)}
    assert all(s["calls"] == min(s["clients"], max(s["target"], 0)) for s in strata)
    assert np.all([s["calls"] <= s["clients"] for s in strata])


def test_the_lists_of_a_run_are_the_lists_drawn_one_quarter_at_a_time(pipeline_run, tmp_path):
    # the run draws every quarter while a second thread writes the previous one's workbook:
    # each file must be complete and exactly what drawing and writing that quarter alone gives
    from python_calamine import CalamineWorkbook

    from orchestration.outputs.call_lists import SamplingSettings, closed_quarters, produce_call_list

    def cells(path):
        workbook = CalamineWorkbook.from_path(str(path))
        return {name: workbook.get_sheet_by_name(name).to_python() for name in workbook.sheet_names}

    with duckdb.connect(str(pipeline_run.settings.warehouse_path), read_only=True) as con:
        quarters = closed_quarters(con)
        assert [label for label, _, _ in quarters] == [f"2019-Q{q}" for q in range(1, 5)]
        for label, start, end in quarters:
            alone = produce_call_list(con, tmp_path, label, start, end, SamplingSettings())
            assert alone.written and alone.calls > 0
            in_run = cells(pipeline_run.settings.call_lists_dir / f"{label}.xlsx")
            assert in_run == cells(alone.path)
            assert len(in_run["Опрос"]) == 2 + alone.calls  # title, header, one row per call
