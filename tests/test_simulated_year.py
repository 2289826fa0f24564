"""The year as it happens (issue 20): one small sample year run twice — simulated through the real
sensors and schedules with a simulated clock (to the final report on 8 December), and backfilled
as `make demo` runs it (every month at once, evaluated now) — and every reported figure of the
counts (I1–I9) and quality (Q1–Q3, service confirmation) tables held against a recomputation from
the generator's truth, written here in pandas. The operator scorecard (annex Г) of every simulated
revision is recomputed as of its production time with tests/scorecard_truth.py, the recomputation
tests/test_data_quality_sample_year.py uses for a backfilled year (everything in); its risk list is
checked per centre against the phone surveys in by then, its top-ten membership and months with
outliers only bounded (check_risk).

What counts at a report's production time T (clauses 7–10), computed from the truth and the
sidecar times, never from the warehouse: per month, the registry versions submitted by T; none →
the month counts zero (a registry that never arrived, or not yet); a first version submitted after
the 1st of the next month → the month is left out (R8); otherwise the highest version that is on
time or a correction the truth says came within its 3 working days (R7). Of that version, the rows
the truth marks row_ok (no error-level defect: R9 and the row rules).

The simulated clock stops at the instants that decide what the reports say: each report day's
06:00 build and 09:00 report (``simulation.report_day_stops``); files that arrived since the last
stop are taken then, their sidecars keeping their submission times. (Every arrival and tick is
exercised by tests/test_simulation.py on the first quarter; `make simulate` walks them all.)
The quality tables (Q1–Q3 and the service confirmation) are recomputed the same way from the
generator's own questionnaires and phone surveys: those in the landing folder by T (a month's
questionnaires come with its first registry version, or on the 1st of the next month when it never
arrives; a quarter's phone survey on the 5th of the month after it), each answer linked to the
registry services counted at T (a questionnaire linked to none has no region or centre), with
Wilson and Student-t intervals written here.
"""

from __future__ import annotations

import math
import os
import re
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from statistics import NormalDist

import dagster as dg
import docx
import duckdb
import numpy as np
import openpyxl
import pandas as pd
import pytest
from scorecard_truth import (
    PATTERN_KEYS,
    month_rates,
    original_rows,
    original_rule_hits,
    pattern_counts,
    rate_totals,
    with_managers,
)

from orchestration.rules.calendar import kazakhstan_calendar
from orchestration.settings import Settings, load_settings
from orchestration.tools.sample_data import GeneratorConfig, YearResult, generate_year

YEAR = 2019
MISSING = 8  # August's registry never arrives
CONFIG = GeneratorConfig(year=YEAR, rows_per_month=60, defect_rate=0.03, seed=3, file_format="csv",
                         missing_months=(MISSING,))
REPORTS = {  # report period -> (quarter months, year-to-date months or None when they coincide)
    f"{YEAR}-Q1": (range(1, 4), None),
    f"{YEAR}-Q2": (range(4, 7), range(1, 7)),
    f"{YEAR}-Q3": (range(7, 10), range(1, 10)),
    f"{YEAR}-final": (range(10, 12), range(1, 12)),
}
COUNT_TABLES = ("i1_clients_by_region", "i2_clients_by_sector", "i3_enterprises_by_legal_form", "i4_persons_by_gender",
                "i5_persons_by_age_group", "i6_clients_by_sme_category", "i7_services_by_type",
                "i8_services_by_provider", "i9_services_by_channel")
SEEDS = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds"
README = Path(__file__).resolve().parents[1] / "README.md"
CALENDAR = kazakhstan_calendar(YEAR, YEAR + 1)


@dataclass
class Year:
    simulated: Settings
    backfilled: Settings
    truth: Path
    events: list
    backfilled_at: datetime
    generated: YearResult  # the generator's own frames: the questionnaires and phone surveys it wrote


@pytest.fixture(scope="module")
def year(tmp_path_factory) -> Year:
    from orchestration.defs.definitions import build_definitions
    from orchestration.defs.runner import run_stages
    from orchestration.defs.simulation import ALMATY, Simulation, report_day_stops, simulate, write_timeline
    from orchestration.tools.run_year import year_stages

    root = tmp_path_factory.mktemp("simulated_year")
    source = root / "simulated" / "simulation" / "source"
    truth = root / "simulated" / "sample_truth"
    generated = generate_year(CONFIG, out=source, truth_dir=truth)
    shutil.copytree(source, root / "backfilled" / "landing")
    key = load_settings().hmac_key
    simulated = Settings(data_dir=root / "simulated", hmac_key=key)
    backfilled = Settings(data_dir=root / "backfilled", hmac_key=key)
    saved = os.environ.get("MONITORING_DATA_DIR")
    try:
        os.environ["MONITORING_DATA_DIR"] = str(simulated.data_dir)
        with dg.instance_for_test() as instance:
            sim = Simulation(simulated, instance, build_definitions(simulated))
            until = datetime(YEAR, 12, 8, 12, tzinfo=ALMATY)
            events = simulate(sim, source, YEAR, until, stops=report_day_stops(YEAR, until))
            write_timeline(events, simulated.data_dir / "simulation" / "timeline.md", "test")
        os.environ["MONITORING_DATA_DIR"] = str(backfilled.data_dir)
        with dg.instance_for_test() as instance:
            run_stages(year_stages(YEAR), instance=instance, definitions=build_definitions(backfilled))
        with duckdb.connect(str(backfilled.analytics_path), read_only=True) as con:
            [(backfilled_at,)] = con.execute("select min(produced_at) from report_revisions").fetchall()
        yield Year(simulated, backfilled, truth, events, backfilled_at, generated)
    finally:
        if saved is None:
            os.environ.pop("MONITORING_DATA_DIR", None)
        else:
            os.environ["MONITORING_DATA_DIR"] = saved


# ---------------------------------------------------------------- the truth, recomputed in pandas


def submissions(truth: Path) -> pd.DataFrame:
    subs = pd.read_csv(truth / "submissions.csv", dtype={"source_file": str, "submitted_at": str})
    subs["arrived"] = pd.to_datetime(subs.submitted_at, utc=True)
    subs["due"] = pd.to_datetime(subs.due_at, utc=True)
    return subs


def counted_versions(subs: pd.DataFrame, errors: set[tuple[str, int]], at: datetime) -> dict[str, int]:
    """Month -> the registry version counted at ``at`` (months counting nothing are absent).

    ``errors``: the (month, version) pairs with an error-level defect, which the agency writes
    to the operator about (clause 8); a later version is a correction only after such a letter,
    otherwise it is a resubmission after the deadline and does not count (clause 10).
    """
    out = {}
    for period, rows in subs[subs.delivered].groupby("period"):
        arrived = rows[rows.arrived <= pd.Timestamp(at)]
        if arrived.empty:
            continue  # not arrived (yet): the month counts zero
        first = arrived[arrived.version == arrived.version.min()].iloc[0]
        if first.arrived > first.due:
            continue  # late first version: the month is left out (clause 10)
        corrects = arrived.version.map(lambda v, p=period: (p, v - 1) in errors)
        usable = arrived[(arrived.arrived <= arrived.due) | ((arrived.timeliness == "correction") & corrects)]
        out[period] = int(usable.version.max())
    return out


def error_versions(truth: Path) -> set[tuple[str, int]]:
    """(month, version) with an error in its rows (rule kind 'row': what a letter is about;
    a service no act confirms is left out under clause 11, and no letter asks to correct it)."""
    defects = pd.read_csv(truth / "defects.csv", dtype={"period": str})
    rules = pd.read_csv(SEEDS / "validation_rules.csv", dtype=str)
    row_errors = set(rules[(rules.kind == "row") & (rules.severity == "error")].rule_id)
    errors = defects[defects.expected_rule_id.isin(row_errors)]
    return set(zip(errors.period, errors.version.astype(int), strict=True))


def counted_rows(services: pd.DataFrame, versions: dict[str, int]) -> pd.DataFrame:
    chosen = pd.DataFrame(list(versions.items()), columns=["period", "version"])
    rows = services.merge(chosen, on=["period", "version"])
    return rows[rows.row_ok]


def names(seed: str, code: str, name: str) -> dict[str, str]:
    frame = pd.read_csv(SEEDS / seed, dtype=str).drop_duplicates(code)
    return dict(zip(frame[code], frame[name], strict=True))


def expected_figures(services: pd.DataFrame, report: str, versions: dict[str, int]) -> dict:
    """{(table, scope, region_code or '', row_key, measure): value} of the nine indicator tables.

    Clients (I1, I2, I3, I6) are distinct identifiers, a client under each value it carried in
    the period and once in a total; services (I7–I9) are rows; persons (I4, I5, R13) are distinct
    name + birth date, each under the gender and age of their latest service in the period
    (latest month, then end and start date) and counted once in each region they were served in.
    """
    rows = counted_rows(services, versions)
    rows = rows.assign(month=rows.period.str[5:].astype(int))
    ages = pd.read_csv(SEEDS / "age_groups.csv")
    rows = rows.assign(
        service=rows.service_code.map(names("services.csv", "service_code", "service_name_ru")),
        service_subtype=rows.service_subtype_code.map(names("services.csv", "subtype_code", "subtype_name_ru")),
        provider=rows.provider_code.map(names("providers.csv", "provider_code", "name_ru")),
        channel=rows.channel_code.map(names("channels.csv", "channel_code", "name_ru")),
        oked_section=rows.oked_section_code,
        legal_form=rows.legal_form_code.map(names("legal_forms.csv", "legal_form_code", "short_name_ru")),
        sme_category=rows.sme_category_code.map(names("sme_categories.csv", "sme_category_code", "name_ru")),
        gender=rows.gender_code.map(names("genders.csv", "gender_code", "name_ru")),
        age_group=rows.age.map(lambda age: ages[(ages.min_age <= age) & (age <= ages.max_age)].name_ru.iloc[0]))
    quarter, ytd = REPORTS[report]
    out: dict = {}
    for scope, months in (("quarter", quarter), ("year_to_date", ytd)):
        if months is None:
            continue
        scoped = rows[rows.month.isin(list(months))]
        latest = (scoped.sort_values(["month", "end_date", "start_date"])
                  .groupby("person_key")[["gender", "age_group"]].last())
        for region, part in [("", scoped), *scoped.groupby("kato_code")]:
            for table, dim in (("i1_clients_by_region", None), ("i2_clients_by_sector", "oked_section"),
                               ("i3_enterprises_by_legal_form", "legal_form"),
                               ("i6_clients_by_sme_category", "sme_category")):
                measure = "enterprises" if table.startswith("i3") else "clients"
                out[(table, scope, region, "", measure)] = part.client_id.nunique()
                if dim:
                    for value, group in part.groupby(dim):
                        out[(table, scope, region, f"{dim}={value}", measure)] = group.client_id.nunique()
            persons = latest.loc[part.person_key.unique()]
            for table, dim in (("i4_persons_by_gender", "gender"), ("i5_persons_by_age_group", "age_group")):
                out[(table, scope, region, "", "persons")] = len(persons)
                for value, count in persons[dim].value_counts().items():
                    out[(table, scope, region, f"{dim}={value}", "persons")] = count
            for table, dims in (("i7_services_by_type", ("service", "service_subtype")),
                                ("i8_services_by_provider", ("provider",)),
                                ("i9_services_by_channel", ("channel",))):
                out[(table, scope, region, "", "services")] = len(part)
                for depth in range(1, len(dims) + 1):
                    for values, group in part.groupby(list(dims[:depth])):
                        row_key = " / ".join(f"{d}={v}" for d, v in zip(dims, values, strict=False))
                        out[(table, scope, region, row_key, "services")] = len(group)
    if report.endswith("final"):  # the year's dynamics: the republic's months of I1, I7 (by service), I9
        for month, part in rows[rows.month.isin(list(ytd))].groupby("month"):
            scope = f"month:{YEAR}-{month:02d}"
            out[("i1_clients_by_region", scope, "", "", "clients")] = part.client_id.nunique()
            for table, dim in (("i7_services_by_type", "service"), ("i9_services_by_channel", "channel")):
                out[(table, scope, "", "", "services")] = len(part)
                for value, group in part.groupby(dim):
                    out[(table, scope, "", f"{dim}={value}", "services")] = len(group)
    return {k: float(v) for k, v in out.items() if v}


def reported(settings: Settings, tables=COUNT_TABLES) -> dict[tuple[str, int], dict]:
    """(report period, revision) -> {figure key: value} of the given tables, zeros left out."""
    out: dict[tuple[str, int], dict] = {}
    with duckdb.connect(str(settings.analytics_path), read_only=True) as con:
        rows = con.execute(
            "select report_period, revision, table_name, scope, region_code, row_key, measure, value "
            f"from reported_figures where table_name in ({', '.join('?' for _ in tables)})", list(tables)).fetchall()
    for period, revision, table, scope, region, row_key, measure, value in rows:
        figures = out.setdefault((period, revision), {})
        if value:
            figures[(table, scope, region or "", row_key, measure)] = float(value)
    return out


def revisions(settings: Settings) -> list[tuple[str, int, datetime, list[str]]]:
    with duckdb.connect(str(settings.analytics_path), read_only=True) as con:
        return con.execute("select report_period, revision, produced_at, registry_versions from report_revisions "
                           "order by report_period, revision").fetchall()


# ---------------------------------------------------------------- item 1: the simulated year's figures


def test_the_simulated_year_issues_every_report_at_its_tick(year):
    produced = {(period, revision): at for period, revision, at, _ in revisions(year.simulated)}
    assert {period for period, _ in produced} == set(REPORTS)
    ticks = {f"{YEAR}-Q1": "04-10", f"{YEAR}-Q2": "07-10", f"{YEAR}-Q3": "10-10", f"{YEAR}-final": "12-08"}
    for (period, revision), at in produced.items():
        assert revision == 1
        assert at == datetime.fromisoformat(f"{YEAR}-{ticks[period]}T09:00:00+06:00")
    timeline = (year.simulated.data_dir / "simulation" / "timeline.md").read_text(encoding="utf-8")
    assert f"registry {YEAR}-{MISSING:02d}: never arrives" in timeline
    for period, tick in ticks.items():
        assert f"| {YEAR}-{tick} 09:00 | report | report {period} revision 1 (issued)" in timeline, period
    assert not (year.simulated.landing_dir / "registry" / f"{YEAR}-{MISSING:02d}").exists()


RUNS = ["backfilled", "simulated"]


@pytest.mark.parametrize("run", RUNS)
def test_every_revision_uses_the_registry_versions_in_and_usable_at_its_time(year, run):
    settings = getattr(year, run)
    subs, errors = submissions(year.truth), error_versions(year.truth)
    for period, _, at, versions in revisions(settings):
        quarter, ytd = REPORTS[period]
        window = {f"{YEAR}-{m:02d}" for m in (ytd or quarter)}
        expected = sorted(f"{p} v{v}" for p, v in counted_versions(subs, errors, at).items() if p in window)
        assert sorted(versions) == expected, period
    assert f"{YEAR}-{MISSING:02d}" not in counted_versions(subs, errors, datetime.now().astimezone())


@pytest.mark.parametrize("run", RUNS)
def test_every_counts_figure_of_every_revision_equals_the_truth_at_its_time(year, run):
    settings = getattr(year, run)
    subs, errors = submissions(year.truth), error_versions(year.truth)
    services = pd.read_parquet(year.truth / "services.parquet")
    figures = reported(settings)
    checked = 0
    for period, revision, at, _ in revisions(settings):
        expected = expected_figures(services, period, counted_versions(subs, errors, at))
        actual = figures.get((period, revision), {})
        assert actual == expected, (period, revision, diff(actual, expected))
        checked += len(expected)
    assert checked > 500
    # the late March and the missing August count nothing; the other months do
    q1 = figures.get((f"{YEAR}-Q1", 1), {})
    assert q1[("i1_clients_by_region", "quarter", "", "", "clients")] > 0
    everything = counted_versions(subs, errors, datetime.now().astimezone())
    assert f"{YEAR}-03" not in everything and f"{YEAR}-{MISSING:02d}" not in everything


def diff(actual: dict, expected: dict) -> list:
    keys = sorted(k for k in actual.keys() | expected.keys() if actual.get(k) != expected.get(k))
    return [(k, actual.get(k), expected.get(k)) for k in keys[:10]]


# ---------------------------------------------------------------- item 1: the quality tables, from the truth

QUALITY_TABLES = ("q1_quality", "q2_satisfaction", "q3_financial_support_interest", "q_service_confirmation")
QUALITY_TITLES = {  # the republic table of each quality section, as the report titles it
    "q1_quality": "Оценка качества полученных услуг и консультаций",
    "q2_satisfaction": "Удовлетворенность полученными услугами и консультациями",
    "q3_financial_support_interest": "Заинтересованность клиентов в финансовых инструментах государственной поддержки",
    "q_service_confirmation": "Подтверждение получения услуг при телефонном опросе",
}
ASPECTS = ("usefulness", "organisation", "expectations", "satisfaction")
MACROS = Path(__file__).resolve().parents[1] / "dbt_project" / "macros"


def quality_min_n() -> int:
    """The dbt var quality_min_n as the project sets it (its default in macros/quality_stats.sql)."""
    text = (MACROS / "quality_stats.sql").read_text(encoding="utf-8")
    return int(re.search(r"var\('quality_min_n',\s*(\d+)\)", text).group(1))


Z = NormalDist().inv_cdf(0.975)


@cache
def t_975(df: int) -> float:
    """Student's t 0.975 quantile: the density integrated (Simpson) from 0 and inverted by bisection."""
    scale = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)

    def cdf(t: float) -> float:
        x = np.linspace(0.0, t, 4001)
        y = scale * (1 + x * x / df) ** (-(df + 1) / 2)
        return 0.5 + (x[1] - x[0]) / 3 * (y[0] + y[-1] + 4 * y[1:-1:2].sum() + 2 * y[2:-1:2].sum())

    low, high = 1.0, 20.0
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if cdf(mid) < 0.975 else (low, mid)
    return (low + high) / 2


def estimate(values: pd.Series, unit: str) -> dict[str, float | None]:
    """n, value and the 95 % interval: Wilson's score interval for a share, Student's t for a mean score."""
    n, value = len(values), float(values.mean())
    if unit == "share":
        centre, spread = value + Z * Z / (2 * n), Z * math.sqrt(value * (1 - value) / n + Z * Z / (4 * n * n))
        low, high = max(0.0, (centre - spread) / (1 + Z * Z / n)), min(1.0, (centre + spread) / (1 + Z * Z / n))
    elif n >= 2:
        half = t_975(n - 1) * float(values.std(ddof=1)) / math.sqrt(n)
        low, high = max(1.0, value - half), min(5.0, value + half)
    else:
        low = high = None
    return {"n": float(n), "value": value, "ci_low": low, "ci_high": high}


def survey_files_in(year: Year, run: str, at: datetime) -> set[str]:
    """The questionnaire and phone-survey files in the landing folder at ``at``: the backfill has
    them all; the simulated year each from its arrival (a month's questionnaires with its first
    registry version, a quarter's phone survey on the 5th of the next month)."""
    if run == "backfilled":
        return {str(p.relative_to(year.backfilled.landing_dir)) for p in year.backfilled.landing_dir.glob("*/*")
                if p.parent.name in ("questionnaires", "phone_survey")}
    return {e.text.split(" ")[0] for e in year.events if e.kind == "arrival" and e.at <= at
            and e.text.startswith(("questionnaires/", "phone_survey/"))}


def linked(answers: pd.DataFrame, counted: pd.DataFrame, by_region: bool) -> pd.DataFrame:
    """Each answer's counted registry service (same client, service and service date), or none:
    the same sub-type first, then (calls) the same region. Adds the service's kato_code, place_code
    and month (``link_*``), NaN where the answer links to no counted service."""
    keys = counted.rename(columns={"client_id": "iin_bin", "end_date": "day"})
    keys = keys.assign(link_kato=keys.kato_code, link_place=keys.place_code,
                       link_month=keys.period.str[5:].astype(int), link_subtype=keys.service_subtype_code)
    candidates = answers.reset_index().merge(
        keys[["iin_bin", "service_code", "day", "link_kato", "link_place", "link_month", "link_subtype",
              "period", "version", "source_row"]], on=["iin_bin", "service_code", "day"])
    candidates["same_subtype"] = candidates.link_subtype == candidates.subtype_code
    order = ["same_subtype"] + (["same_region"] if by_region else [])
    if by_region:
        candidates["same_region"] = candidates.link_kato == candidates.own_kato
    best = (candidates.sort_values(["index", *order, "period", "version", "source_row"],
                                   ascending=[True, *[False] * len(order), True, True, True])
            .drop_duplicates("index").set_index("index"))
    return answers.join(best[["link_kato", "link_place", "link_month"]])


def survey_observations(year: Year, run: str, at: datetime, counted: pd.DataFrame) -> pd.DataFrame:
    """One row per answer and measure of the four quality marts (table, measure, unit, month,
    region, service, centre, x), from the generator's own survey frames in at ``at``."""
    files = survey_files_in(year, run, at)
    services, subtypes = (pd.read_csv(SEEDS / "services.csv", dtype=str).drop_duplicates(c)
                          for c in ("service_code", "subtype_code"))
    code_of_service = dict(zip(services.service_name_ru, services.service_code, strict=True))
    code_of_subtype = dict(zip(subtypes.subtype_name_ru, subtypes.subtype_code, strict=True))
    places = pd.read_csv(SEEDS / "places_of_service.csv", dtype=str)
    centre_of_place = dict(zip(places.place_code, places.centre_kind, strict=True))
    centre_of_short = dict(zip(places.short_name_ru, places.centre_kind, strict=True))
    regions = pd.read_csv(SEEDS / "regions.csv", dtype=str)
    kato_of = dict(zip(regions.name_ru, regions.kato_code, strict=True))

    def prepared(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(day=frame.service_date.map(date.fromordinal),
                            service_code=frame.service.map(code_of_service),
                            subtype_code=frame.service_subtype.map(code_of_subtype))

    rows: list[pd.DataFrame] = []

    def add(table: str, measure: str, unit: str, frame: pd.DataFrame, x: pd.Series) -> None:
        rows.append(pd.DataFrame({"table": table, "measure": measure, "unit": unit, "month": frame.month,
                                  "region": frame.region_code, "service": frame.service_code,
                                  "centre": frame.centre_kind, "x": x.astype(float)}))

    forms = [prepared(m.questionnaires) for m in year.generated.months
             if any(f.startswith(f"questionnaires/{m.period}.") for f in files)]
    if forms:
        q = linked(pd.concat(forms, ignore_index=True), counted, by_region=False)
        q = q.assign(month=q.link_month.fillna(q.day.map(lambda d: d.month)).astype(int),
                     region_code=q.link_kato, centre_kind=q.link_place.map(centre_of_place))
        for aspect in ASPECTS:
            add("q1_quality", aspect, "score", q, q[f"score_{aspect}"])
            add("q1_quality", f"{aspect}_good", "share", q, q[f"score_{aspect}"] >= 4)
        add("q2_satisfaction", "satisfaction", "score", q, q.score_satisfaction)
        add("q2_satisfaction", "satisfied", "share", q, q.score_satisfaction >= 4)
        for kind in ("financial", "non_financial"):
            chosen = q[f"{kind}_support_wanted"].fillna("").map(lambda t: {o.strip() for o in t.split(";")} - {""})
            if kind == "financial":
                add("q3_financial_support_interest", "questionnaire_financial_any", "share", q, chosen.map(bool))
            for option in pd.read_csv(SEEDS / f"{kind}_support_options.csv", dtype=str).itertuples():
                add("q3_financial_support_interest", f"questionnaire_{kind}_{option.option_code}", "share", q,
                    chosen.map(lambda c, name=option.name_ru: name in c))
    surveys = [prepared(frame) for quarter, frame in year.generated.phone_survey().items()
               if f"phone_survey/{quarter}.xlsx" in files]
    if surveys:
        c = pd.concat(surveys, ignore_index=True)
        c = linked(c.assign(own_kato=c.region.map(kato_of)), counted, by_region=True)
        c = c.assign(month=c.link_month.fillna(c.day.map(lambda d: d.month)).astype(int),
                     region_code=c.link_kato.fillna(c.own_kato),
                     centre_kind=c.link_place.map(centre_of_place).fillna(c.place_of_service.map(centre_of_short)))
        answered = c[c.call_outcome == "Ответил"]
        add("q_service_confirmation", "response_rate", "share", c, c.call_outcome == "Ответил")
        said = answered[answered.q1_received != ""]
        add("q_service_confirmation", "confirmed", "share", said, said.q1_received == "Да")
        add("q_service_confirmation", "not_received", "share", said, said.q1_received == "Нет")
        scored = answered[answered.q2_quality != ""]
        add("q1_quality", "phone_quality", "score", scored, scored.q2_quality.astype(int))
        add("q1_quality", "phone_quality_good", "share", scored, scored.q2_quality.astype(int) >= 4)
        helped = answered[answered.q3_helped != ""]
        add("q2_satisfaction", "phone_helped", "share", helped, helped.q3_helped == "Да")
        add("q2_satisfaction", "phone_helped_at_least_partly", "share", helped,
            helped.q3_helped.isin(["Да", "Частично"]))
        asked = answered[answered.q4_interested != ""]
        add("q3_financial_support_interest", "phone_interested", "share", asked, asked.q4_interested == "Да")
        interested = asked[asked.q4_interested == "Да"]
        for option in pd.read_csv(SEEDS / "financial_support_options.csv", dtype=str).itertuples():
            add("q3_financial_support_interest", f"phone_instrument_{option.option_code}", "share", interested,
                interested.q4_instrument == option.name_ru)
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["table", "measure", "unit", "month", "region", "service", "centre", "x"])


def expected_quality(year: Year, run: str, report: str, at: datetime, counted: pd.DataFrame) -> dict:
    """{(table, scope, region_code or '', row_key, 'measure:part'): value} of the four quality marts
    in the report's period columns: in total, by region, by service and by kind of centre."""
    observations = survey_observations(year, run, at, counted)
    service_name = names("services.csv", "service_code", "service_name_ru")
    centre_name = names("places_of_service.csv", "centre_kind", "short_name_ru")
    quarter, ytd = REPORTS[report]
    out: dict = {}
    for scope, months in (("quarter", quarter), ("year_to_date", ytd)):
        if months is None:
            continue
        scoped = observations[observations.month.isin(list(months))]
        for (table, measure, unit), part in scoped.groupby(["table", "measure", "unit"]):
            groups = [("", "", part)]
            groups += [(region, "", g) for region, g in part.groupby("region")]
            groups += [("", f"service={service_name[s]}", g) for s, g in part.groupby("service")]
            groups += [("", f"place_of_service={centre_name[k]}", g) for k, g in part.groupby("centre")]
            for region, row_key, group in groups:
                for name, value in estimate(group.x, unit).items():
                    out[(table, scope, region, row_key, f"{measure}:{name}")] = value
    return out


def reported_quality(settings: Settings) -> dict[tuple[str, int], dict]:
    out: dict[tuple[str, int], dict] = {}
    with duckdb.connect(str(settings.analytics_path), read_only=True) as con:
        rows = con.execute(
            "select report_period, revision, table_name, scope, region_code, row_key, measure, value "
            f"from reported_figures where table_name in ({', '.join('?' for _ in QUALITY_TABLES)})",
            list(QUALITY_TABLES)).fetchall()
    for period, revision, table, scope, region, row_key, measure, value in rows:
        out.setdefault((period, revision), {})[(table, scope, region or "", row_key, measure)] = value
    return out


def same_figures(actual: dict, expected: dict) -> list:
    """The keys where the two differ (numbers to 1e-6: the t quantile above 30 degrees of freedom
    is a series in the pipeline, within 1e-6 of the exact one)."""
    def close(a, b) -> bool:
        return (a is None and b is None) or (a is not None and b is not None and abs(a - b) <= 1e-6)
    keys = sorted(actual.keys() | expected.keys())
    return [(k, actual.get(k, "absent"), expected.get(k, "absent")) for k in keys
            if k not in actual or k not in expected or not close(actual[k], expected[k])]


def measure_labels(settings: Settings) -> dict[str, dict[str, str]]:
    """table -> measure -> the row label the report prints (the mart's measure_name)."""
    with duckdb.connect(str(settings.analytics_path), read_only=True) as con:
        return {table: dict(con.execute(f"select distinct measure, measure_name from {table}").fetchall())
                for table in QUALITY_TABLES}


def printed_quality(path: Path, labels: dict[str, dict[str, str]], scopes: list[str]) -> dict:
    """{(table, scope, measure): (n, value, interval) cells} of each quality section's republic
    table (titled as the section, with at most the period note after it), read back from the .xlsx."""
    out: dict = {}
    book = openpyxl.load_workbook(path, read_only=True)
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        match = re.fullmatch(r"Таблица \d+ – (.*?)( \(.*\))?", str(rows[0][0] if rows and rows[0] else ""))
        table = next((t for t, title in QUALITY_TITLES.items() if match and match.group(1) == title), None)
        if table is None:
            continue
        by_label = {label: measure for measure, label in labels[table].items()}
        for row in rows[1:]:
            if row and row[0] in by_label:
                for index, scope in enumerate(scopes):
                    out[(table, scope, by_label[row[0]])] = tuple(row[1 + 3 * index: 4 + 3 * index])
    book.close()
    return out


def expected_cells(figures: dict, table: str, scope: str, measure: str, unit: str, min_n: int) -> tuple:
    """The republic row's three cells as printed: answers, the value and its interval ('4,1–4,6',
    '80,1–96,0 %' for a share); «н/д (n = …)» and no interval below the minimum; empty without answers."""
    def part(name: str) -> float | None:
        return figures.get((table, scope, "", "", f"{measure}:{name}"))

    n = part("n")
    if n is None:
        return (None, None, "–")
    if n < min_n:
        return (int(n), f"н/д (n\u00a0=\u00a0{int(n)})", "–")
    low, high = part("ci_low"), part("ci_high")
    scale = 100 if unit == "share" else 1
    interval = "–" if low is None else f"{scale * low:.1f}–{scale * high:.1f}".replace(".", ",") + (
        "\u00a0%" if unit == "share" else "")
    return (int(n), part("value"), interval)


@pytest.mark.parametrize("run", RUNS)
def test_every_quality_figure_of_every_revision_equals_the_truth_at_its_time(year, run):
    """Q1–Q3 and the service confirmation, every measure, n, value and interval, in total and by
    region, service and kind of centre: from the questionnaires and phone surveys in at the report's
    time, linked to the registry services counted then (an unlinked questionnaire has no region)."""
    settings = getattr(year, run)
    subs, errors = submissions(year.truth), error_versions(year.truth)
    services = pd.read_parquet(year.truth / "services.parquet")
    figures = reported_quality(settings)
    labels, min_n = measure_labels(settings), quality_min_n()
    observations_units = survey_observations(year, "backfilled", year.backfilled_at, services.iloc[:0])[
        ["measure", "unit"]].drop_duplicates()
    checked, small, phone_missing = 0, 0, []
    for period, revision, at, _ in revisions(settings):
        counted = counted_rows(services, counted_versions(subs, errors, at))
        expected = expected_quality(year, run, period, at, counted)
        actual = figures.get((period, revision), {})
        assert not same_figures(actual, expected), (period, revision, same_figures(actual, expected)[:10])
        checked += len(expected)
        # the .xlsx as issued: each section's republic table, every measure and period column
        scopes = ["quarter"] if REPORTS[period][1] is None else ["quarter", "year_to_date"]
        printed = printed_quality(settings.reports_dir / period / f"r{revision}" / f"report_{period}.xlsx",
                                  labels, scopes)
        units = dict(zip(observations_units.measure, observations_units.unit, strict=True))
        for table in QUALITY_TABLES:
            for measure in labels[table]:
                for scope in scopes:
                    cells = printed[(table, scope, measure)]
                    n, value, interval = expected_cells(expected, table, scope, measure, units[measure], min_n)
                    assert (cells[0], cells[2]) == (n, interval), (period, table, scope, measure, cells)
                    assert cells[1] == (value if isinstance(value, str) or value is None
                                        else pytest.approx(value, abs=1e-9)), (period, table, scope, measure, cells)
                    small += isinstance(value, str)
        quarter_has_phone = any(k[4].startswith("phone_quality:") and k[1] == "quarter" for k in expected)
        if not quarter_has_phone:
            phone_missing.append(period)
        # a quarter whose phone survey is not in yet is said so under its tables, in both editions
        folder = settings.reports_dir / period / f"r{revision}"
        for name, words in ((f"report_{period}.docx", ("телефонного опроса", "не поступили")),
                            (f"report_{period}_kk.docx", ("телефон сауалнамасының", "түскен жоқ"))):
            said = any(all(w in p.text for w in words) for p in docx.Document(str(folder / name)).paragraphs)
            assert said == (not quarter_has_phone), (period, revision, name)
    # some republic rows print «н/д»: e.g. an instrument's share among the few interested
    assert checked > 2000 and small > 0
    # the simulated final report came before the fourth quarter's phone survey (5 January): its
    # quarter has no phone figures; the backfill, evaluated now, has them
    assert phone_missing == ([f"{YEAR}-final"] if run == "simulated" else [])


# ---------------------------------------------------------------- item 3: backfilled = simulated, explained


def test_the_backfilled_year_equals_the_simulated_final_revisions_except_what_arrived_after_a_report(year):
    """Each report's latest simulated revision against the backfill's (`make demo`, evaluated now).

    A difference is explained when an input the report could not have had arrived after it: a
    registry version that counts now but did not at the report's time (the counts tables must
    then differ exactly where the truth recomputed at both times differs), or a phone survey of
    the report's months delivered after it (the quality tables). Nothing else may differ.
    """
    subs, errors = submissions(year.truth), error_versions(year.truth)
    services = pd.read_parquet(year.truth / "services.parquet")
    produced = {period: at for period, _, at, _ in revisions(year.simulated)}
    simulated = latest(revisions(year.simulated), all_figures(year.simulated))
    backfilled = latest(revisions(year.backfilled), all_figures(year.backfilled))
    assert set(simulated) == set(backfilled) == set(REPORTS)
    # "<file>" or "<file> (taken at the next stop)": the file arrived at the event's time either way
    arrived_at = {e.text.split(" ")[0]: e.at for e in year.events if e.kind == "arrival"}
    listed = []
    for period, (quarter, ytd) in REPORTS.items():
        then = counted_versions(subs, errors, produced[period])
        now = counted_versions(subs, errors, year.backfilled_at)
        window = {f"{YEAR}-{m:02d}" for m in (ytd or quarter)}
        changed_months = sorted(m for m in (then.keys() | now.keys()) & window if then.get(m) != now.get(m))
        at_report, at_backfill = expected_figures(services, period, then), expected_figures(services, period, now)
        explained = {k for k in at_report.keys() | at_backfill.keys() if at_report.get(k) != at_backfill.get(k)}
        differing = {k for k in simulated[period].keys() | backfilled[period].keys()
                     if simulated[period].get(k) != backfilled[period].get(k)}
        assert {k for k in differing if k[0] in COUNT_TABLES} == explained, (period, changed_months)
        quarters = {f"{YEAR}-Q{(m - 1) // 3 + 1}" for m in (ytd or quarter)}
        surveys_after = [q for q in sorted(quarters)
                         if arrived_at.get(f"phone_survey/{q}.xlsx", FAR) > produced[period]]
        others = {k for k in differing if k[0] not in COUNT_TABLES}
        if not changed_months:
            # the phone survey feeds the quality tables and the scorecard's risk list (its ranking)
            quality = {k for k in others if k[0].startswith("q") or k[0] == "scorecard_risk"}
            assert others == (quality if surveys_after else set()), (period, sorted(others)[:10])
        listed += [(period, k, simulated[period].get(k), backfilled[period].get(k)) for k in sorted(differing)]
        print(f"{period}: registry months counted differently {changed_months or 'none'}, phone surveys "
              f"after the report {surveys_after or 'none'}, {len(differing)} figures differ")
    for row in listed:
        print("  ", *row)


FAR = datetime(9999, 1, 1).astimezone()


def all_figures(settings: Settings) -> dict[tuple[str, int], dict]:
    out: dict[tuple[str, int], dict] = {}
    with duckdb.connect(str(settings.analytics_path), read_only=True) as con:
        for period, revision, table, scope, region, row_key, measure, value in con.execute(
                "select report_period, revision, table_name, scope, region_code, row_key, measure, value "
                "from reported_figures").fetchall():
            out.setdefault((period, revision), {})[(table, scope, region or "", row_key, measure)] = value
    return out


def latest(revision_rows, figures) -> dict[str, dict]:
    last = {}
    for period, revision, _, _ in revision_rows:
        last[period] = max(revision, last.get(period, 0))
    return {period: figures.get((period, revision), {}) for period, revision in last.items()}


# ---------------------------------------------------------------- item 4: the README's queries


def readme_query(title: str) -> str:
    """The SQL statement that follows the comment line ``-- <title>`` in the README."""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^-- {re.escape(title)}.*?\n(.*?);", text, flags=re.MULTILINE | re.DOTALL)
    assert match, title
    return match.group(1)


@pytest.mark.parametrize("run", RUNS)
def test_the_readme_queries_say_what_the_q1_report_said_and_what_q1_is_now(year, run):
    settings = getattr(year, run)
    subs, errors = submissions(year.truth), error_versions(year.truth)
    services = pd.read_parquet(year.truth / "services.parquet")
    regions = pd.read_csv(SEEDS / "regions.csv", dtype=str)
    kato_of = dict(zip(regions.name_ru, regions.kato_code, strict=True))  # a name per period of validity
    [q1_at] = [at for period, revision, at, _ in revisions(settings) if (period, revision) == (f"{YEAR}-Q1", 1)]
    # "now": the last build (the simulated year's before the final report, the backfill's now)
    now_at = datetime.fromisoformat(f"{YEAR}-12-08T09:00:00+06:00") if run == "simulated" else year.backfilled_at

    def by_region(versions: dict[str, int]) -> list[tuple[str | None, float]]:
        figures = expected_figures(services, f"{YEAR}-Q1", versions)
        rows = {k[2]: v for k, v in figures.items() if k[0] == "i1_clients_by_region" and k[2]}
        return sorted(rows.items()) + [(None, figures[("i1_clients_by_region", "quarter", "", "", "clients")])]

    with duckdb.connect(str(settings.analytics_path), read_only=True) as con:
        said = con.execute(readme_query("What the Q1 report said")).fetchall()
        now = con.execute(readme_query("What Q1 is now")).fetchall()
    assert said and now
    said = sorted((kato_of[r], float(v)) for r, v in said[:-1]) + [(None, float(said[-1][1]))]
    now = sorted((kato_of[r], float(v)) for r, v in now if r is not None) + [
        (None, float(next(v for r, v in now if r is None)))]
    assert said == by_region(counted_versions(subs, errors, q1_at))
    assert now == by_region(counted_versions(subs, errors, now_at))


# ---------------------------------------------------------------- item 1: the operator scorecard, from the truth

RATE_MEASURES = {  # scorecard_timeliness' measures -> scorecard_truth.month_rates' keys
    "registries_expected": "expected", "registries_received": "received", "registries_on_time": "on_time",
    "working_days_late": "late", "registries_with_errors": "errors",
    "registries_corrected_in_time": "corrected", "on_time_rate": "on_time_rate",
    "corrected_in_time_rate": "corrected_rate",
}
RISK_MEASURES = ("rank", "answers", "not_received", "rate", "ci_low", "ci_high", "outlier_months")


def _last_day(month: int) -> date:
    following = date(YEAR + month // 12, month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def _first_days(months: range) -> list[date]:
    return [date(YEAR, m, 1) for m in months]


def expected_scorecard(year: Year, report: str, at: datetime, counted: pd.DataFrame) -> dict:
    """{(table, scope, '', row_key, measure): value} of the scorecard's timeliness, errors and
    patterns at ``at`` (scorecard_truth, as of the revision's production time): the year to
    date's months expected by then and the period totals; the original registries' rows and
    errors by rule; the outlier and pattern counts of the services counted then."""
    subs = submissions(year.truth)
    defects = pd.read_csv(year.truth / "defects.csv", dtype={"period": str})
    quarter, ytd = REPORTS[report]
    scopes = [("quarter", quarter)] + ([("year_to_date", ytd)] if ytd else [])
    ytd_scope, window = scopes[-1]
    rates = month_rates(subs, defects, CALENDAR.is_working_day, as_of=at)
    out: dict = {}

    def add_rates(scope: str, row_key: str, total: dict | None) -> None:
        for measure, key in RATE_MEASURES.items():
            if total is not None:
                out[("scorecard_timeliness", scope, "", row_key, measure)] = total[key]

    for month in _first_days(window):
        if month in rates:
            add_rates(ytd_scope, f"month={month:%Y-%m}", rate_totals(rates, [month]))
    for scope, months in scopes:
        add_rates(scope, "", rate_totals(rates, _first_days(months)))
    hits = original_rule_hits(defects, subs, as_of=at)
    window_periods = [f"{YEAR}-{m:02d}" for m in window]
    rules = sorted(set(hits[hits.period.isin(window_periods)].rule))
    for scope, months in scopes:
        periods = [f"{YEAR}-{m:02d}" for m in months]
        out[("scorecard_errors", scope, "", "", "rows_submitted")] = original_rows(subs, periods, as_of=at)
        in_scope = hits[hits.period.isin(periods)].groupby("rule").size()
        for rule in rules:
            out[("scorecard_errors", scope, "", f"rule={rule}", "rows_with_error")] = in_scope.get(rule)
    spans = {scope: (date(YEAR, months[0], 1), _last_day(months[-1])) for scope, months in scopes}
    counts = pattern_counts(counted, spans.values(), CALENDAR.is_working_day)
    for scope, span in spans.items():
        for key in PATTERN_KEYS:
            out[("scorecard_patterns", scope, "", f"pattern={key}", "count")] = counts[span][key]
    return {k: None if v is None else float(v) for k, v in out.items()}


def check_risk(year: Year, report: str, at: datetime, counted: pd.DataFrame, figures: dict) -> int:
    """The risk list (top ten centres — a kind of centre in a region — of the year to date): each
    centre's phone answers to «did you receive the service», the «no» answers, their share and its
    Wilson interval equal the phone surveys in at ``at`` linked to the services counted then
    (survey_observations); ranks run 1, 2, … with the interval's lower bound not rising. Not
    recomputed: the membership of the top ten beyond that order and the months with outliers
    (a centre kind's months, bounded by the window's months), which follow dq_outliers."""
    quarter, ytd = REPORTS[report]
    window = list(ytd or quarter)
    scope = "year_to_date" if ytd else "quarter"
    observations = survey_observations(year, "simulated", at, counted)
    said = observations[(observations.measure == "not_received") & observations.month.isin(window)]
    centres: dict[str, dict] = {}
    for (table, got_scope, region, row_key, measure), value in figures.items():
        if table == "scorecard_risk":
            assert got_scope == scope, (report, got_scope)
            centres.setdefault(f"{region}|{row_key}", {})[measure] = value
    ranks = sorted(int(c["rank"]) for c in centres.values())
    assert ranks == list(range(1, len(ranks) + 1)) and len(ranks) <= 10, (report, ranks)
    ordered = sorted(centres.values(), key=lambda c: c["rank"])
    lows = [c["ci_low"] for c in ordered if c["ci_low"] is not None]
    assert lows == sorted(lows, reverse=True), (report, lows)
    for key, centre in centres.items():
        region, row_key = key.split("|")
        kind = row_key.removeprefix("centre=").split("/")[1]
        answers = said[(said.region == region) & (said.centre == kind)].x
        assert (centre["answers"], centre["not_received"]) == (len(answers), answers.sum()), (report, key, centre)
        if len(answers):
            want = estimate(answers, "share")
            for measure, name in (("rate", "value"), ("ci_low", "ci_low"), ("ci_high", "ci_high")):
                assert centre[measure] == pytest.approx(want[name], abs=1e-9), (report, key, measure, centre)
        else:
            assert centre["rate"] is None and centre["ci_low"] is None, (report, key, centre)
        assert 0 <= centre["outlier_months"] <= len(window), (report, key, centre)
    return len(centres)


def test_every_scorecard_figure_of_every_simulated_revision_equals_the_truth_at_its_time(year):
    """Annex Г of each simulated revision, as filed in reported_figures, against the truth at its
    production time (tests/scorecard_truth.py, shared with the backfilled year's test): timeliness
    by month of the year to date (only months whose deadline had passed or whose registry was in)
    with the quarter's and year-to-date totals, corrections, the original registries' rows and
    errors by rule (versions in by then), outlier and implausible-pattern counts over the services
    counted then (the outliers' modified z-score recomputed here). The risk list: see check_risk.
    In this year every registry version of a report's window is in before the report, so these
    figures equal the year's as evaluated later; what a report could not yet have is the fourth
    quarter's phone survey (5 January), which the final report's risk list must leave out. At 60
    rows a month the outlier and manager-day counts are zero here; they are exercised by the
    backfilled year of tests/test_data_quality_sample_year.py (1000 rows a month, anomalies planted).
    """
    settings = year.simulated
    subs, errors = submissions(year.truth), error_versions(year.truth)
    services = pd.read_parquet(year.truth / "services.parquet")
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        managers = con.execute("select b.source_file, r.source_row, r.manager_full_name from raw.registry_rows r "
                               "join raw.batches b using (batch_id)").df()
    figures = all_figures(settings)
    checked, risk_rows, late = 0, 0, 0
    for period, revision, at, _ in revisions(settings):
        counted = counted_rows(services, counted_versions(subs, errors, at))
        expected = expected_scorecard(year, period, at, with_managers(counted, managers))
        actual = {k: (None if v is None else float(v)) for k, v in figures.get((period, revision), {}).items()
                  if k[0].startswith("scorecard_") and k[0] != "scorecard_risk"}
        assert not same_figures(actual, expected), (period, revision, same_figures(actual, expected)[:10])
        checked += len(expected)
        late += sum(v or 0 for k, v in expected.items() if k[4] == "working_days_late" and k[3] == "")
        risk = {k: v for k, v in figures.get((period, revision), {}).items() if k[0] == "scorecard_risk"}
        risk_rows += check_risk(year, period, at, counted, risk)
    assert checked > 150 and late > 0  # the late March is a late registry in every year to date
    # the missing August: expected, not received, in the final report's months
    final = figures[(f"{YEAR}-final", 1)]
    key = ("scorecard_timeliness", "year_to_date", "", f"month={YEAR}-{MISSING:02d}", "registries_received")
    assert final[key] == 0 and final[key[:4] + ("registries_expected",)] == 1
    print(f"scorecard: {checked} figures recomputed, {risk_rows} risk-list centres checked")
