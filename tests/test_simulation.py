"""The simulated operating year (issue 20, item 3): files arrive at their sidecar times, the real
sensors and schedules are evaluated at each instant through Dagster's APIs, and the runs they
request execute on the instance. A small first quarter (to the Q1 report on 10 April)."""

from __future__ import annotations

import os
from datetime import datetime

import dagster as dg
import duckdb
import pandas as pd
import pytest

from orchestration.settings import Settings, load_settings
from orchestration.tools.sample_data import GeneratorConfig, generate_year

CONFIG = GeneratorConfig(year=2019, rows_per_month=60, defect_rate=0.03, seed=3)


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    from orchestration.defs.definitions import build_definitions
    from orchestration.defs.simulation import ALMATY, Simulation, simulate, write_timeline

    saved = os.environ.get("MONITORING_DATA_DIR")
    data = tmp_path_factory.mktemp("simulation") / "data"
    source = data / "simulation" / "source"
    generate_year(CONFIG, out=source, truth_dir=data / "sample_truth", months=range(1, 5))
    settings = Settings(data_dir=data, hmac_key=load_settings().hmac_key)
    os.environ["MONITORING_DATA_DIR"] = str(data)
    try:
        with dg.instance_for_test() as instance:
            sim = Simulation(settings, instance, build_definitions(settings))
            events = simulate(sim, source, 2019, datetime(2019, 4, 10, 12, tzinfo=ALMATY))
            timeline = write_timeline(events, data / "simulation" / "timeline.md", "test")
            yield settings, instance, events, timeline
    finally:
        if saved is None:
            os.environ.pop("MONITORING_DATA_DIR", None)
        else:
            os.environ["MONITORING_DATA_DIR"] = saved


def test_runs_are_requested_by_the_sensors_and_schedules(simulated):
    _, instance, _, _ = simulated
    runs = instance.get_runs()
    assert all(run.status == dg.DagsterRunStatus.SUCCESS for run in runs)
    origins = {run.tags.get("monitoring/simulated_by") for run in runs}
    assert origins == {"landing_files_sensor", "build_after_ingestion", "monthly_ingestion",
                       "build_before_reports", "monitoring_reports", "overdue_registries_sensor"}
    [report] = [run for run in runs if run.job_name == "write_report"]
    assert report.tags["dagster/partition"] == "2019-Q1"
    assert datetime.fromisoformat(report.tags["monitoring/evaluation_time"]) == datetime.fromisoformat(
        "2019-04-10T09:00:00+06:00")


def test_each_registry_version_is_ingested_when_it_arrives(simulated):
    settings, _, events, timeline = simulated
    submissions = pd.read_csv(settings.data_dir / "sample_truth" / "submissions.csv")
    text = timeline.read_text(encoding="utf-8")
    corrections = 0
    for row in submissions.itertuples():
        at = datetime.fromisoformat(row.submitted_at)
        if at > datetime.fromisoformat("2019-04-10T12:00:00+06:00"):
            continue
        rel = f"registry/{row.period}/v{row.version}"
        [arrival] = [e for e in events if e.kind in ("arrival", "correction") and e.text.startswith(rel)]
        assert arrival.at == at
        runs = [e for e in events if e.kind == "run" and e.at == at and "ingest_landing_files" in e.text]
        assert runs, rel
        assert f"{at.astimezone(arrival.at.tzinfo):%Y-%m-%d %H:%M} | {arrival.kind} | {rel}" in text
        # a version sent in answer to a letter about the one before is listed as a correction (clause 9)
        if row.timeliness == "correction":
            assert arrival.kind == "correction", rel
            assert arrival.text.endswith(f", after the letter on {row.period}/v{row.version - 1}"), arrival.text
            corrections += 1
        if row.version == 1:
            assert arrival.kind == "arrival", rel
    assert corrections  # February's v2


def test_the_q1_report_uses_the_versions_in_and_usable_at_its_time(simulated):
    settings, _, events, _ = simulated
    tick = datetime.fromisoformat("2019-04-10T09:00:00+06:00")
    submissions = pd.read_csv(settings.data_dir / "sample_truth" / "submissions.csv")
    submissions["arrived"] = submissions.submitted_at.map(datetime.fromisoformat)
    usable = submissions[(submissions.arrived <= tick) & submissions.timeliness.isin(["on_time", "correction"])
                         & submissions.period.isin(["2019-01", "2019-02", "2019-03"])]
    expected = sorted(f"{period} v{version}" for period, version in usable.groupby("period").version.max().items())
    with duckdb.connect(str(settings.analytics_path), read_only=True) as con:
        [(revision, produced_at, versions)] = con.execute(
            "select revision, produced_at, registry_versions from report_revisions "
            "where report_period = '2019-Q1'").fetchall()
    assert revision == 1 and produced_at == tick
    assert sorted(versions) == expected and expected  # March (late) is not among them
    assert any(e.kind == "report" and "2019-Q1 revision 1" in e.text for e in events)
    assert (settings.reports_dir / "2019-Q1" / "r1" / "report_2019-Q1.docx").is_file()


def test_letters_are_written_when_the_registry_with_errors_arrives(simulated):
    settings, _, events, _ = simulated
    letters = [e for e in events if e.kind == "letter"]
    assert letters
    submissions = pd.read_csv(settings.data_dir / "sample_truth" / "submissions.csv")
    for letter in letters:
        month, version = letter.text.rsplit(": ", 1)[1].split("/v")
        [row] = submissions[(submissions.period == month) & (submissions.version == int(version))].itertuples()
        assert letter.at == datetime.fromisoformat(row.submitted_at)  # the build right after the arrival


# The Q2 cut-off, by hand: June's registry is due on Monday 1 July 2019 (clause 7), a letter by the
# end of the next working day, 2 July (clause 8), a correction within 3 working days of it: 3, 4
# and 5 July (clause 9). The simulated warehouse was last built on 10 April.
@pytest.mark.parametrize(("at", "reason"), [
    ("2019-07-05T18:00:00+06:00", "период еще не закрыт. Срок представления исправлений к реестру за июнь "
                                  "2019\u00a0г. истекает 05.07.2019"),
    ("2019-07-08T09:00:00+06:00", "срок представления исправлений к реестру за июнь 2019\u00a0г. истек "
                                  "05.07.2019, но аналитическая база собрана до этого срока"),
])
def test_a_report_for_a_period_not_closed_fails_in_plain_words_and_files_no_revision(simulated, at, reason):
    from orchestration.defs.definitions import build_definitions
    from orchestration.defs.runner import QUIET
    from orchestration.rules.timeliness import EVALUATION_TIME_TAG

    settings, instance, _, _ = simulated
    job = build_definitions(settings).resolve_job_def("write_report")
    result = job.execute_in_process(instance=instance, partition_key="2019-Q2", run_config=QUIET,
                                    tags={EVALUATION_TIME_TAG: at}, raise_on_error=False)
    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    description = failure.step_failure_data.user_failure_data.description
    assert description.startswith("Отчет за 2-й квартал 2019 года не сформирован: ")
    assert reason in description and description.endswith("Редакция отчета не создана.")
    with duckdb.connect(str(settings.analytics_path), read_only=True) as con:
        periods = con.execute("select distinct report_period from report_revisions").fetchall()
    assert periods == [("2019-Q1",)]
    assert not (settings.reports_dir / "2019-Q2").exists()
