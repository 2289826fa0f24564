"""A simulated operating year through the real sensors and schedules (issue 20, item 3).

The year's landing files are generated into a source folder; a simulated clock then walks
through every instant something happens — a file arriving (a registry version at its sidecar's
``submitted_at``; a month's acts and questionnaires with its first registry version; a quarter's
phone survey on the 5th of the month after it) and every tick of the schedules. At each instant
the clock is set (``MONITORING_EVALUATION_TIME``, and the run tag ``monitoring/evaluation_time``
on every run), the arriving files are copied into the landing folder, and the sensors and
schedules are evaluated through Dagster's own APIs (``evaluate_tick`` on a context built with
``build_sensor_context`` / ``build_schedule_context``; ``build_run_status_sensor_context`` for the
build that follows an ingestion). The runs they request are executed in this process on the
instance, so they appear in the UI. Requests with the same run key run once, as the daemon
would; builds requested at one instant (by a schedule, or after that instant's ingestions) run
once, after the ingestions (they would build the same thing).

The clock may stop at chosen instants only (``stops``; `make simulate --report-days-only` and the
simulated-year test stop at each report day's 06:00 build and 09:00 report): nothing is evaluated
between stops, as with a daemon that was down — a file that arrived meanwhile is copied with its
sidecar, which keeps its submission time, and is taken at the next stop; a tick between stops does
not fire. What a report may count depends on the submission times and the letters' dates (a letter
produced late is dated its due day, so a correction's window does not move), not on when the
files were read.

A month whose registry never arrives is generated so (``GeneratorConfig.missing_months``: no
registry file in the source); the timeline says so on the 1st of that month. Everything that
happened is returned as a timeline and written to data/simulation/timeline.md: a later registry
version that follows a letter about an earlier one is listed as a correction.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo  # noqa: I001 (stdlib, kept apart for the time zone of the clock)

import dagster as dg
import duckdb

from orchestration.defs.runner import QUIET
from orchestration.rules.timeliness import EVALUATION_TIME_ENV, EVALUATION_TIME_TAG
from orchestration.settings import LANDING_SETTLE_ENV, TIMEZONE, Settings

ALMATY = ZoneInfo(TIMEZONE)
SENSORS = ("landing_files_sensor", "overdue_registries_sensor")
SCHEDULES = ("monthly_ingestion", "build_before_reports", "monitoring_reports")
PHONE_SURVEY_DAY = 5  # of the month after the quarter
BUILD_JOB = "build_warehouse"


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str  # 'arrival' | 'correction' | 'run' | 'letter' | 'report' | 'skip'
    text: str

    def line(self) -> str:
        return f"| {self.at.astimezone(ALMATY):%Y-%m-%d %H:%M} | {self.kind} | {self.text} |"


@dataclass
class Simulation:
    settings: Settings
    instance: dg.DagsterInstance
    definitions: dg.Definitions
    events: list[Event] = field(default_factory=list)
    cursors: dict[str, str | None] = field(default_factory=dict)
    run_keys: set[str] = field(default_factory=set)
    echo: Callable[[str], None] = lambda _: None

    def note(self, at: datetime, kind: str, text: str) -> None:
        event = Event(at, kind, text)
        self.events.append(event)
        self.echo(event.line())


def arrivals(source: Path) -> list[tuple[datetime, str]]:
    """(when, path relative to the landing folder) of every file in ``source``, in time order."""
    first_registry: dict[str, datetime] = {}
    out: list[tuple[datetime, str]] = []
    for sidecar in sorted(source.glob("registry/*/v*.meta.json")):
        month = sidecar.parent.name
        at = datetime.fromisoformat(json.loads(sidecar.read_text())["submitted_at"])
        first_registry[month] = min(at, first_registry.get(month, at))
        for data in sidecar.parent.glob(sidecar.name.replace(".meta.json", ".*")):
            if data.name.endswith(".meta.json"):
                continue  # copied with its data file
            out.append((at, str(data.relative_to(source))))
    for folder in ("acts", "questionnaires"):
        for path in sorted(source.glob(f"{folder}/*")):
            month = path.stem
            y, m = map(int, month.split("-"))
            fallback = datetime.combine(date(y + m // 12, m % 12 + 1, 1), time(10), ALMATY)
            out.append((first_registry.get(month, fallback), str(path.relative_to(source))))
    for path in sorted(source.glob("phone_survey/*")):
        y, q = path.stem.split("-Q")
        month = 3 * int(q) + 1
        at = datetime.combine(date(int(y) + month // 13, (month - 1) % 12 + 1, PHONE_SURVEY_DAY), time(10), ALMATY)
        out.append((at, str(path.relative_to(source))))
    return sorted(out)


def schedule_ticks(year: int, until: datetime) -> list[tuple[datetime, str]]:
    """The ticks of the monitoring schedules from 1 January to ``until`` (their cron, in Almaty time)."""
    ticks = [(datetime(year, m, 2, 9, tzinfo=ALMATY), "monthly_ingestion") for m in range(2, 13)]
    ticks.append((datetime(year + 1, 1, 2, 9, tzinfo=ALMATY), "monthly_ingestion"))
    for m, d in ((4, 10), (7, 10), (10, 10), (12, 8)):
        ticks.append((datetime(year, m, d, 6, tzinfo=ALMATY), "build_before_reports"))
        ticks.append((datetime(year, m, d, 9, tzinfo=ALMATY), "monitoring_reports"))
    return sorted(t for t in ticks if t[0] <= until)


def never_arriving(source: Path) -> list[str]:
    """Months with acts in ``source`` but no registry: their registry never arrives."""
    return sorted(p.stem for p in source.glob("acts/*") if not (source / "registry" / p.stem).is_dir())


def report_day_stops(year: int, until: datetime) -> list[datetime]:
    """The instants that decide what the reports say: each report day's build and report ticks."""
    return [at for at, name in schedule_ticks(year, until) if name in ("build_before_reports", "monitoring_reports")]


def simulate(sim: Simulation, source: Path, year: int, until: datetime,
             stops: Collection[datetime] | None = None) -> list[Event]:
    """Walk the clock from the first event to ``until``, stopping at every arrival and tick, or
    at ``stops`` only (the module's docstring says what happens between them); returns the
    timeline."""
    landing = sim.settings.landing_dir
    landing.mkdir(parents=True, exist_ok=True)
    files = [(at, rel) for at, rel in arrivals(source) if at <= until]
    ticks = schedule_ticks(year, until)
    for month in never_arriving(source):
        y, m = map(int, month.split("-"))
        sim.note(datetime(y, m, 1, tzinfo=ALMATY), "arrival", f"registry {month}: never arrives")
    instants = sorted({at for at, _ in files} | {at for at, _ in ticks})
    if stops is not None:
        instants = sorted(at for at in set(stops) if at <= until)
    copied: set[str] = set()
    saved = {name: os.environ.get(name) for name in (EVALUATION_TIME_ENV, LANDING_SETTLE_ENV)}
    # A file is copied whole at its instant, so it is settled at once. The settle window (a file
    # unchanged for a minute of wall-clock time before it is taken) guards real uploads still
    # being written; against a simulated clock it would leave every file copied within the last
    # wall-clock minute waiting, and the runs would depend on how fast this machine is.
    os.environ[LANDING_SETTLE_ENV] = "0"
    try:
        for now in instants:
            os.environ[EVALUATION_TIME_ENV] = now.isoformat()
            for at, rel in [(at, rel) for at, rel in files if at <= now and rel not in copied]:
                (landing / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source / rel, landing / rel)
                sidecar = (source / rel).with_suffix(".meta.json")
                if sidecar.exists():
                    shutil.copy2(sidecar, (landing / rel).with_suffix(".meta.json"))
                copied.add(rel)
                corrected = corrected_letter(sim.events, rel)
                text = rel if corrected is None else f"{rel}, after the letter on {corrected}"
                sim.note(at, "arrival" if corrected is None else "correction",
                         text if at == now else f"{text} (taken at the next stop)")
            requests = _evaluate_sensors(sim, now)
            for tick, name in ticks:
                if tick == now:
                    requests += _evaluate_schedule(sim, name, now)
            _execute(sim, now, requests)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return sim.events


def _evaluate_sensors(sim: Simulation, now: datetime) -> list[tuple[str, str, dg.RunRequest]]:
    requests = []
    for name in SENSORS:
        sensor = sim.definitions.resolve_sensor_def(name)
        context = dg.build_sensor_context(instance=sim.instance, cursor=sim.cursors.get(name),
                                          sensor_name=name, definitions=sim.definitions,
                                          resources=dict(sim.definitions.resources or {}))
        data = sensor.evaluate_tick(context)
        sim.cursors[name] = data.cursor
        requests += [(name, request.job_name or sensor.job_name, request) for request in data.run_requests or []]
    return requests


def _evaluate_schedule(sim: Simulation, name: str, now: datetime) -> list[tuple[str, str, dg.RunRequest]]:
    schedule = sim.definitions.resolve_schedule_def(name)
    context = dg.build_schedule_context(instance=sim.instance, scheduled_execution_time=now,
                                        repository_def=sim.definitions.get_repository_def(),
                                        resources=dict(sim.definitions.resources or {}))
    data = schedule.evaluate_tick(context)
    return [(name, request.job_name or schedule.job_name, request) for request in data.run_requests or []]


def _execute(sim: Simulation, now: datetime, requests: list[tuple[str, str, dg.RunRequest]]) -> None:
    """Run what was requested; an ingestion's success asks build_after_ingestion for a build.

    A build a schedule requests at this instant joins those after the ingestions: one build,
    after every ingestion of the instant, which is what any of them would have built.
    """
    builds = [r for r in requests if r[1] == BUILD_JOB]
    for origin, job_name, request in [r for r in requests if r[1] != BUILD_JOB]:
        result = _run(sim, now, origin, job_name, request)
        if result is not None and result.success and job_name == "ingest_landing_files":
            builds += _after_ingestion(sim, result)
    if builds:  # one build for all the ingestions of this instant
        origin, job_name, request = builds[0]
        _run(sim, now, origin, job_name, request, also=[b[2].run_key for b in builds[1:]])


def _after_ingestion(sim: Simulation, result: dg.ExecuteInProcessResult) -> list[tuple[str, str, dg.RunRequest]]:
    sensor = sim.definitions.resolve_sensor_def("build_after_ingestion")
    run = sim.instance.get_run_by_id(result.run_id)
    [success] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_SUCCESS]
    context = dg.build_run_status_sensor_context(
        sensor_name="build_after_ingestion", dagster_event=success, dagster_instance=sim.instance,
        dagster_run=run, repository_def=sim.definitions.get_repository_def(),
        resources=dict(sim.definitions.resources or {}))
    requested = sensor(context)
    requests = requested if isinstance(requested, list) else [requested]
    return [("build_after_ingestion", r.job_name or BUILD_JOB, r) for r in requests
            if isinstance(r, dg.RunRequest)]


def _run(sim: Simulation, now: datetime, origin: str, job_name: str, request: dg.RunRequest,
         also: Iterable[str | None] = ()) -> dg.ExecuteInProcessResult | None:
    if request.run_key and request.run_key in sim.run_keys:
        return None
    sim.run_keys.update(k for k in (request.run_key, *also) if k)
    letters_before = _letters(sim.settings)
    # The tag the daemon sets on a run it launched for a schedule or a sensor, then the clock's.
    launcher = {"dagster/schedule_name" if origin in SCHEDULES else "dagster/sensor_name": origin}
    tags = {**request.tags, **launcher, EVALUATION_TIME_TAG: now.isoformat(), "monitoring/simulated_by": origin}
    job = sim.definitions.resolve_job_def(job_name)
    result = job.execute_in_process(
        instance=sim.instance, partition_key=request.partition_key, tags=tags, run_config=QUIET,
        asset_selection=list(request.asset_selection) if request.asset_selection else None,
        raise_on_error=False)
    target = f" {request.partition_key}" if request.partition_key else ""
    status = "success" if result.success else "FAILED"
    sim.note(now, "run", f"{job_name}{target} (by {origin}): {status}, run {result.run_id[:8]}")
    for letter in sorted(_letters(sim.settings) - letters_before):
        sim.note(now, "letter", f"letter to the operator: {letter}")
    if job_name == "write_report":
        for period, revision, status_, reason in _revisions(sim.settings, now):
            sim.note(now, "report", f"report {period} revision {revision} ({status_}): {reason}")
    return result


def _letters(settings: Settings) -> set[str]:
    if not settings.letters_dir.exists():
        return set()
    return {str(p.relative_to(settings.letters_dir)) for p in settings.letters_dir.glob("*/v*") if p.is_dir()}


def _revisions(settings: Settings, now: datetime) -> list[tuple]:
    with duckdb.connect(str(settings.analytics_path), read_only=True) as con:
        return con.execute(
            "select report_period, revision, status, reason from report_revisions where produced_at = ? "
            "order by report_period, revision", [now]).fetchall()


def corrected_letter(events: list[Event], rel: str) -> str | None:
    """The earlier version of the month ('2019-02/v1') a letter was written about, when ``rel`` is
    a later registry version: the operator's correction (clause 9). None for any other file, and
    for a later version no letter asked for (a resubmission; whether either counts is the
    pipeline's to judge, clauses 9-10). Between stops the letter may not be written yet."""
    parts = Path(rel).parts
    if len(parts) != 3 or parts[0] != "registry" or not parts[2].startswith("v"):
        return None
    month, version = parts[1], int(Path(parts[2]).stem[1:])
    asked = [f"{month}/v{v}" for v in range(version - 1, 0, -1)
             if any(e.kind == "letter" and e.text.endswith(f": {month}/v{v}") for e in events)]
    return asked[0] if asked else None


def write_timeline(events: list[Event], path: Path, title: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"# {title}", "", "| when (Asia/Almaty) | what | details |", "|---|---|---|",
             *(event.line() for event in sorted(events, key=lambda event: event.at))]  # stable sort
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def next_day(at: datetime) -> datetime:
    return at + timedelta(days=1)
