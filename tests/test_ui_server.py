"""A day's work in the Dagster UI, on a real server: `make dev` after `make demo` (issue 23).

The session's demo year (tests/pipeline_fixture.py) is copied into a data folder of its own, and
`dagster dev` (webserver and daemon) is started on it with the project's dagster.yaml and
workspace.yaml, on a free local port, with a Dagster instance that has never seen a sensor tick
(the worst case: every cursor empty). Everything is then asked of the server as the UI asks it,
through its GraphQL over HTTP, and two pages are opened in Debian's headless Chromium:

- the first ticks of the landing sensor launch nothing for files the demo already loaded, and the
  build sensor launches nothing either;
- a dropped May registry (a late v2, and a v3 that breaks the form) launches exactly one ingestion
  and, after it, exactly one build, tagged with the files and the ingestion;
- every asset check the server lists has a Russian description;
- the build's materialisation of analytics/database carries the rows left out by reason and the
  version used per month, and its check says in words that May's v2 is not used;
- the checks that fail are reported failed by the server: the rejected file's month as an error,
  the unused version as a warning;
- the asset graph and analytics/database's page render without a JavaScript error, and their PNGs
  are kept (the path is printed; tmp_path_factory's folder, and MONITORING_UI_SCREENSHOTS if set).

The server is stopped with SIGINT to its process group, as Ctrl-C stops `make dev`, and no run
process of the group may be left (Dagster's own services, when they outlive the SIGINT, are
terminated and named in the output).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import Request, urlopen

import pytest
from browser import chromium
from fixtures_bad_inputs import write_xlsx

from orchestration.defs.sensors import FILES_TAG, INGESTION_TAG
from orchestration.settings import PROJECT_ROOT

LOCATION = "orchestration.defs.definitions"  # workspace.yaml's python_module
REPOSITORY = "__repository__"
LANDING, BUILD = "landing_files_sensor", "build_after_ingestion"
INGEST_JOB, BUILD_JOB = "ingest_landing_files", "build_warehouse"
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
START_TIMEOUT = 300
RUN_TIMEOUT = 1200


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`dagster dev` on a data folder and a Dagster home of its own, asked through GraphQL."""

    def __init__(self, data: Path, home: Path, log: Path) -> None:
        self.data, self.home, self.log = data, home, log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        env.update({
            "MONITORING_DATA_DIR": str(data), "MONITORING_WAREHOUSE_PATH": str(data / "warehouse.duckdb"),
            "MONITORING_DEMO": "1", "MONITORING_LANDING_SETTLE_SECONDS": "0", "DAGSTER_HOME": str(home),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        })
        env.pop("MONITORING_EVALUATION_TIME", None)
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml", "-h", "127.0.0.1",
                 "-p", str(self.port)],
                cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def query(self, text: str, **variables) -> dict:
        body = json.dumps({"query": text, "variables": variables}).encode()
        request = Request(f"{self.url}/graphql", data=body, headers={"Content-Type": "application/json"})
        with urlopen(request, timeout=120) as answer:
            result = json.load(answer)
        assert not result.get("errors"), result["errors"]
        return result["data"]

    def wait(self, what: str, ready, timeout: float):
        """Poll ``ready()`` until it returns something true; fail with the server's log if it never does."""
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, f"dagster dev exited while waiting for {what}:\n{self.tail()}"
            try:
                value = ready()
            except OSError:  # the webserver is not listening yet
                value = None
            if value:
                return value
            assert time.monotonic() < deadline, f"{what}: not within {timeout} s\n{self.tail()}"
            time.sleep(2)

    def location_loaded(self) -> bool:
        data = self.query("""{ workspaceOrError { ... on Workspace { locationEntries {
            name locationOrLoadError { __typename ... on PythonError { message } } } } } }""")
        entries = {e["name"]: e["locationOrLoadError"] for e in data["workspaceOrError"]["locationEntries"]}
        location = entries.get(LOCATION) or {}
        assert location.get("__typename") != "PythonError", location
        return location.get("__typename") == "RepositoryLocation"

    def ticks(self, sensor: str) -> list[dict]:
        """The sensor's ticks, oldest first."""
        data = self.query("""query($selector: SensorSelector!) { sensorOrError(sensorSelector: $selector) {
            __typename ... on Sensor { sensorState { ticks(limit: 50) {
                status timestamp runIds skipReason cursor error { message } } } } } }""",
                          selector={"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY,
                                    "sensorName": sensor})
        sensor_data = data["sensorOrError"]
        assert sensor_data["__typename"] == "Sensor", sensor_data
        return sorted(sensor_data["sensorState"]["ticks"], key=lambda tick: tick["timestamp"])

    def runs(self, job: str) -> list[dict]:
        """The job's runs, oldest first, with their tags as a dict."""
        data = self.query("""query($filter: RunsFilter) { runsOrError(filter: $filter, limit: 100) {
            ... on Runs { results { runId jobName status startTime endTime tags { key value } } } } }""",
                          filter={"pipelineName": job})
        runs = data["runsOrError"]["results"]
        for run in runs:
            run["tags"] = {tag["key"]: tag["value"] for tag in run["tags"]}
        return sorted(runs, key=lambda run: run["startTime"] or 0)

    def checks(self) -> dict[tuple[str, str], dict]:
        """Every asset check the server lists, by (asset key, check name)."""
        data = self.query("""{ assetNodes { assetKey { path } assetChecksOrError { __typename
            ... on AssetChecks { checks { name description executionForLatestMaterialization {
                status runId evaluation { severity description } } } } } } }""")
        found = {}
        for node in data["assetNodes"]:
            checks = node["assetChecksOrError"]
            assert checks["__typename"] == "AssetChecks", checks
            for check in checks["checks"]:
                found[("/".join(node["assetKey"]["path"]), check["name"])] = check
        return found

    def latest_materialization(self, key: str) -> dict:
        data = self.query("""query($key: AssetKeyInput!) { assetOrError(assetKey: $key) { ... on Asset {
            assetMaterializations(limit: 1) { runId metadataEntries { label __typename
                ... on MarkdownMetadataEntry { mdStr } } } } } }""", key={"path": key.split("/")})
        [latest] = data["assetOrError"]["assetMaterializations"]
        return latest

    def stop(self) -> None:
        """SIGINT to the process group, as Ctrl-C stops `make dev`; no run may be left behind.

        Dagster's own services (webserver, daemon, code servers) sometimes outlive the SIGINT by
        minutes in the full suite — the daemon logs its threads shut down and its process stays —
        while they exit at once when this module runs alone. They are then sent SIGTERM and
        SIGKILL and named in the output; what fails the test is a run or step process (a
        `dagster api execute_run`/`execute_step`) left running, which would hold the warehouse.
        """
        group = self.process.pid
        try:
            os.killpg(group, signal.SIGINT)
            self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            pass
        deadline = time.monotonic() + 60
        while group_members(group) and time.monotonic() < deadline:
            time.sleep(0.5)
        left = {pid: command_line(pid) for pid in group_members(group)}
        runs = {pid: command for pid, command in left.items() if RUN_PROCESS.search(command)}
        if left:
            print(f"dagster dev left processes after SIGINT, now terminated: {left}")
            for signal_number in (signal.SIGTERM, signal.SIGKILL):
                for pid in group_members(group):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal_number)
                deadline = time.monotonic() + 30
                while group_members(group) and time.monotonic() < deadline:
                    time.sleep(0.5)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        assert not runs, f"dagster dev left runs behind after SIGINT: {runs}\n{self.tail()}"


# a run's or a step's own process (DefaultRunLauncher, multiprocess executor)
RUN_PROCESS = re.compile(r"dagster api execute_(run|step)")


def command_line(pid: int) -> str:
    """What a process runs, for the message naming what was left."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:200]
    except OSError:
        return "?"


def group_members(group: int) -> list[int]:
    """Live processes of the process group or session ``group`` (zombies are not counted)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        state, pgrp, session = fields[0], int(fields[2]), int(fields[3])
        if state != "Z" and group in (pgrp, session):
            members.append(int(stat.parent.name))
    return members


@pytest.fixture(scope="module")
def server(pipeline_run, tmp_path_factory):
    root = tmp_path_factory.mktemp("ui_server")
    data, home = root / "data", root / "dagster_home"
    shutil.copytree(pipeline_run.settings.data_dir, data, ignore=shutil.ignore_patterns("sample_truth"))
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    running = Server(data, home, root / "dagster_dev.log")
    try:
        running.wait("the code location loaded", running.location_loaded, START_TIMEOUT)
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def first_ticks(server) -> dict[str, list[dict]]:
    """The sensors' ticks before any file changes: two of the landing sensor, one of the build's."""
    landing = server.wait("two landing sensor ticks", lambda: (t := server.ticks(LANDING))[1:] and t, START_TIMEOUT)
    build = server.wait("a build sensor tick", lambda: server.ticks(BUILD), START_TIMEOUT)
    return {LANDING: landing, BUILD: build}


@pytest.fixture(scope="module")
def after_drop(server, first_ticks) -> dict[str, list[dict]]:
    """May's registry delivered again: v2 the same rows, submitted in September (late), and a v3
    that is not the registry form; then the runs that follow, once a landing tick after the build
    has had its chance to launch more."""
    may = server.data / "landing/registry/2019-05"
    shutil.copyfile(may / "v1.xlsx", may / "v2.xlsx.part")
    (may / "v2.meta.json").write_text(json.dumps({"submitted_at": "2019-09-02T10:00:00+06:00"}))
    os.replace(may / "v2.xlsx.part", may / "v2.xlsx")
    write_xlsx(may / "v3.xlsx", [["not the registry form"], ["a", "b"], [1, 2]])

    def built() -> bool:
        builds = server.runs(BUILD_JOB)
        assert all(run["status"] not in ("FAILURE", "CANCELED") for run in builds), (builds, server.tail())
        return any(run["status"] == "SUCCESS" for run in builds)

    server.wait("a build after the dropped file", built, RUN_TIMEOUT)
    ended = max(run["endTime"] for run in server.runs(BUILD_JOB))
    server.wait("a landing tick after the build", lambda: server.ticks(LANDING)[-1]["timestamp"] > ended, 300)
    return {INGEST_JOB: server.runs(INGEST_JOB), BUILD_JOB: server.runs(BUILD_JOB)}


def test_the_first_ticks_after_a_demo_launch_nothing(server, first_ticks):
    for sensor, ticks in first_ticks.items():
        assert [(tick["status"], tick["runIds"]) for tick in ticks] == [("SKIPPED", [])] * len(ticks), (sensor, ticks)
    assert "accounted for" in first_ticks[LANDING][0]["skipReason"]
    assert server.runs(INGEST_JOB) == [] and server.runs(BUILD_JOB) == []


def test_a_dropped_file_launches_one_ingestion_and_one_build(server, after_drop):
    [ingestion], [build] = after_drop[INGEST_JOB], after_drop[BUILD_JOB]
    assert ingestion["status"] == build["status"] == "SUCCESS"
    assert ingestion["tags"]["dagster/sensor_name"] == LANDING
    assert ingestion["tags"][FILES_TAG] == "registry/2019-05/v2.xlsx, registry/2019-05/v3.xlsx"
    assert ingestion["tags"]["dagster/partition"] == "2019-05"
    assert build["tags"]["dagster/sensor_name"] == BUILD
    assert build["tags"][INGESTION_TAG] == ingestion["runId"]
    assert build["tags"][FILES_TAG] == "registry/2019-05/v2.xlsx"  # the rejected v3 loaded nothing
    launched = [run_id for tick in server.ticks(LANDING) for run_id in tick["runIds"]]
    assert launched == [ingestion["runId"]]


def test_every_asset_check_the_server_lists_has_a_russian_description(server):
    checks = server.checks()
    assert len(checks) >= 30
    assert ("marts/exclusions_summary" in {key for key, _ in checks}
            or any(name == "assert_counted_plus_excluded_equals_ingested" for _, name in checks))
    first_lines = {key: (check["description"] or "").strip().split("\n")[0] for key, check in checks.items()}
    assert [key for key, line in first_lines.items() if not CYRILLIC.search(line)] == []


def md_rows(text: str) -> list[list[str]]:
    lines = [line for line in text.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines[2:]]


def test_the_latest_build_shows_the_rows_left_out_and_the_version_used(server, after_drop):
    [build] = after_drop[BUILD_JOB]
    latest = server.latest_materialization("analytics/database")
    assert latest["runId"] == build["runId"]
    tables = {entry["label"]: entry["mdStr"] for entry in latest["metadataEntries"]
              if entry["__typename"] == "MarkdownMetadataEntry"}
    left_out = md_rows(tables["Исключенные строки по причинам"])
    assert any(row[3] == "Услуга не подтверждена актом" and int(row[4]) > 0 for row in left_out)
    may = next(row for row in md_rows(tables["Реестры по месяцам"]) if row[0] == "2019-05")
    assert may[1] == "1"  # v1 still used: v2 came after the deadline


def test_failing_checks_are_reported_failed_by_the_server(server, after_drop):
    checks = server.checks()
    accepted = checks[("raw/batches", "landing_files_accepted")]["executionForLatestMaterialization"]
    assert accepted["runId"] == after_drop[INGEST_JOB][0]["runId"]
    assert accepted["status"] == "FAILED" and accepted["evaluation"]["severity"] == "ERROR"
    assert "registry/2019-05/v3.xlsx" in accepted["evaluation"]["description"]
    assert "2019-05" in accepted["evaluation"]["description"]
    versions = checks[("analytics/database", "registry_versions_not_used")]["executionForLatestMaterialization"]
    assert versions["status"] == "FAILED" and versions["evaluation"]["severity"] == "WARN"
    assert "Версия 2 реестра за май 2019 не использована" in versions["evaluation"]["description"]
    # Each check of the build reports its outcome; none is left unexecuted by it.
    build_id = after_drop[BUILD_JOB][0]["runId"]
    built = {key: check["executionForLatestMaterialization"] for key, check in checks.items()
             if key[0] == "analytics/database"}
    assert all(execution and execution["runId"] == build_id for execution in built.values()), built


def test_the_asset_graph_and_the_exclusions_page_render_without_errors(server, after_drop, tmp_path_factory):
    """The global asset graph, analytics/database's page and its table of rows left out (the
    metadata's Markdown dialog), in headless Chromium; the PNGs are kept for a person to look at."""
    shots = tmp_path_factory.mktemp("screenshots")
    text = "document.body && document.body.innerText"
    # Dagster's first-visit invitation would cover the pages: marked seen, as its Skip button does.
    assert server.query("mutation { setNuxSeen }")["setNuxSeen"] is True
    with chromium(shots / "profile") as page:
        page.open(f"{server.url}/asset-groups",
                  f"{text}.includes('Global asset lineage') && {text}.includes('analytics') "
                  f"&& {text}.includes('Materialize all')")
        page.settle(3)
        graph = page.screenshot(shots / "asset_graph.png")
        page.open(f"{server.url}/assets/analytics/database",
                  f"{text}.includes('База для аналитиков') && {text}.includes('Реестры по месяцам')")
        page.settle(3)
        asset = page.screenshot(shots / "analytics_database.png")
        assert page.click("[Show Markdown]", "button, a, span")  # the rows left out, by reason
        page.wait_for(f"{text}.includes('Услуга не подтверждена актом')")
        page.evaluate("document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; })")
        page.settle(1)
        exclusions = page.screenshot(shots / "exclusions_table.png")
        errors = page.errors()
    keep = os.environ.get("MONITORING_UI_SCREENSHOTS")  # a folder to copy them to, for a person to look at
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for png in (graph, asset, exclusions):
            shutil.copy(png, Path(keep) / png.name)
    print(f"screenshots: {graph} {asset} {exclusions}")
    assert errors == []
    for png in (graph, asset, exclusions):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
