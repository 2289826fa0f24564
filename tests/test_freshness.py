"""Freshness of the registry and of the reports, evaluated in Asia/Almaty at chosen instants
(issue 23): a registry month whose clause-7 deadline passed with no accepted registry, and a
report period whose clause-12 due date passed with no revision, show as failed checks that name
the month or period and the deadline; before the deadline they do not.

The registry side runs real ingestions into a data folder of its own (the landing ledger is what
the check reads) and evaluates the check through the hourly sensor's tick and through a run that
executes it, each at an instant set the way the simulated clock sets it. The report side reads the
revisions of the session's demo year (tests/pipeline_fixture.py) from its analytics.duckdb, on a
Dagster instance that has never seen those reports materialised: the data says when each report
was filed, not the instance.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest
from fixtures_bad_inputs import write_xlsx
from test_sensors import Deployment, registry, rejected_registry
from test_ui import md_rows

from orchestration.defs.assets.freshness import FRESHNESS_CHECK, REGISTRY_KEY
from orchestration.defs.assets.reports import evaluate_deadlines
from orchestration.defs.runner import QUIET, run_stages
from orchestration.rules.timeliness import EVALUATION_TIME_TAG
from orchestration.tools.run_year import year_stages

ALMATY = ZoneInfo("Asia/Almaty")
SENSOR = "registry_freshness"


@pytest.fixture
def folder(tmp_path):
    """January and February's registries loaded; March's only file breaks the form."""
    with dg.instance_for_test() as instance:
        deployment = Deployment(tmp_path / "data", instance)
        write_xlsx(deployment.path("registry/2019-01/v1.xlsx"), registry(2))
        write_xlsx(deployment.path("registry/2019-02/v1.xlsx"), registry(2))
        write_xlsx(deployment.path("registry/2019-03/v1.xlsx"), rejected_registry())
        ingest = [stage for stage in year_stages(2019, last_month=3) if stage.job == "ingest_landing_files"]
        run_stages(ingest, instance=instance, definitions=deployment.definitions)
        yield deployment


def tick_at(deployment: Deployment, instant: str, monkeypatch) -> dg.SensorExecutionData:
    monkeypatch.setenv("MONITORING_EVALUATION_TIME", instant)
    return deployment.tick(SENSOR)


def recorded(data: dg.SensorExecutionData) -> dg.AssetCheckEvaluation:
    [evaluation] = data.asset_events
    assert (evaluation.asset_key, evaluation.check_name) == (REGISTRY_KEY, FRESHNESS_CHECK)
    return evaluation


def test_a_registry_month_fails_once_its_deadline_has_passed(folder, monkeypatch):
    # March's registry is due as of 1 April: the last instant of 1 April in Almaty.
    before = recorded(tick_at(folder, "2019-04-01T23:59:00+06:00", monkeypatch))
    assert before.passed and before.metadata["overdue_months"].value == []
    # Nothing changed an hour later on the same day: the sensor records nothing new.
    assert tick_at(folder, "2019-04-01T23:59:30+06:00", monkeypatch).asset_events == []
    after = recorded(tick_at(folder, "2019-04-02T00:00:01+06:00", monkeypatch))
    assert not after.passed and after.severity == dg.AssetCheckSeverity.ERROR
    assert after.metadata["overdue_months"].value == ["2019-03"]
    assert "март 2019 — файл получен, но не принят" in after.description
    assert "срок истек 01.04.2019" in after.description
    assert md_rows(after.metadata["Просроченные реестры"].value)[0][2] == "2019-04-01 23:59:59+06:00"
    # In May, April's registry (never delivered) is overdue as well.
    may = recorded(tick_at(folder, "2019-05-02T09:00:00+06:00", monkeypatch))
    assert may.metadata["overdue_months"].value == ["2019-03", "2019-04"]
    assert "апрель 2019 — реестр не получен, срок истек 01.05.2019" in may.description


def test_a_corrected_registry_clears_the_check(folder, monkeypatch):
    assert not recorded(tick_at(folder, "2019-04-10T12:00:00+06:00", monkeypatch)).passed
    write_xlsx(folder.path("registry/2019-03/v2.xlsx"), registry(3))
    [request] = folder.tick("landing_files_sensor").run_requests
    folder.launch(request)
    cleared = recorded(tick_at(folder, "2019-04-10T13:00:00+06:00", monkeypatch))
    assert cleared.passed and "получены и приняты" in cleared.description


def test_the_check_runs_at_the_runs_evaluation_time(folder):
    """Executed in a run (as from the UI, or by the simulated clock's tag), at the tagged instant."""
    job = dg.define_asset_job("freshness_only", selection=dg.AssetSelection.checks(
        dg.AssetCheckKey(REGISTRY_KEY, FRESHNESS_CHECK))).resolve(
        asset_graph=folder.definitions.resolve_asset_graph())
    outcomes = {}
    for instant in ("2019-04-01T12:00:00+06:00", "2019-04-02T12:00:00+06:00"):
        result = job.execute_in_process(instance=folder.instance, run_config=QUIET,
                                        tags={EVALUATION_TIME_TAG: instant},
                                        resources=dict(folder.definitions.resources or {}))
        [evaluation] = result.get_asset_check_evaluations()
        outcomes[instant] = (evaluation.passed, evaluation.metadata["overdue_months"].value)
    assert outcomes == {"2019-04-01T12:00:00+06:00": (True, []),
                        "2019-04-02T12:00:00+06:00": (False, ["2019-03"])}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(ALMATY)


def test_a_report_is_overdue_only_after_its_due_day_and_late_once_filed(pipeline_run):
    """The demo year's reports were filed when the suite ran (their revisions' produced_at), long
    after 2019's due dates: before a due day ends the period is not due, after it and before the
    filing it is overdue, and after the filing it is late — read from the revisions, on an
    instance that never materialised a report."""
    analytics = pipeline_run.settings.analytics_path
    with duckdb.connect(str(analytics), read_only=True) as con:
        filed = dict(con.execute("select report_period, min(produced_at) from report_revisions group by 1").fetchall())
    assert {"2019-Q1", "2019-Q2", "2019-Q3", "2019-final"} <= set(filed)
    with dg.instance_for_test() as fresh:
        def states(now: str) -> dict[str, str]:
            return {d.period: d.state for d in evaluate_deadlines(fresh, analytics, at(now))}

        assert states("2019-04-12T23:59:00+06:00")["2019-Q1"] == "not_due"  # due by the end of 12 April
        assert states("2019-04-13T00:00:01+06:00")["2019-Q1"] == "overdue"
        assert states("2019-12-10T23:00:00+06:00")["2019-final"] == "not_due"
        after_filing = max(filed.values())
        assert set(states(after_filing.isoformat()).values()) == {"late"}


def test_the_check_is_the_sensors_not_a_step_of_every_ingestion():
    """Evaluated hourly by its sensor (and from the UI); an ingestion does not run it as one more step."""
    from orchestration.defs.definitions import build_definitions

    defs = build_definitions()
    check = dg.AssetCheckKey(REGISTRY_KEY, FRESHNESS_CHECK)
    assert check in defs.resolve_asset_graph().asset_check_keys
    for job in ("ingest_landing_files", "build_warehouse"):
        assert check not in defs.resolve_job_def(job).asset_layer.asset_graph.asset_check_keys, job
    assert defs.resolve_sensor_def(SENSOR).minimum_interval_seconds == 3600
