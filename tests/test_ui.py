"""A day's work in the Dagster UI: every asset, check, job, sensor and schedule says in Russian what
it is; every dbt test is an asset check; a build shows per month the registry version used and the
rows left out by reason (the same numbers as marts.exclusions_summary); a delivered version the
report does not use is said in one sentence; files are listed with sizes and paths; times are
Asia/Almaty; and nothing a person could be recognised by appears in any of it."""

from __future__ import annotations

import json
import re
import shutil

import dagster as dg
import duckdb
import pytest

from orchestration.defs.assets.dbt import dbt_project
from orchestration.defs.assets.publish import ANALYTICS_KEY, VERSIONS_CHECK
from orchestration.defs.definitions import build_definitions
from orchestration.defs.runner import Stage, run_stages
from orchestration.defs.ui import md_table
from orchestration.settings import Settings

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
PLACEHOLDER = re.compile(r"<[A-Za-zА-Яа-я_ -]+>")  # '<YYYY-MM>' is swallowed by the Markdown renderer
ALMATY_OFFSET = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+0[56]:00")


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    return build_definitions()


def first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


# Every asset check's description, as the server lists it: tests/test_ui_server.py.


def test_no_singular_dbt_test_is_left_unattached(defs):
    """Every singular test (and every other test that is not a column test) is an asset check of
    one of the two dbt builds, so none is logged as an observation with a warning."""
    manifest = json.loads(dbt_project.manifest_path.read_text())
    singular = {node["name"] for node in manifest["nodes"].values()
                if node["resource_type"] == "test" and not node.get("test_metadata")}
    assert len(singular) >= 10
    checks = {key.name for key in defs.resolve_asset_graph().asset_check_keys}
    assert singular - checks == set()


def test_every_asset_job_sensor_and_schedule_has_a_russian_first_line(defs):
    graph = defs.resolve_asset_graph()
    assets = {key.to_user_string(): graph.get(key).description for key in graph.materializable_asset_keys}
    jobs = {job.name: job.description for job in defs.resolve_all_job_defs() if not job.name.startswith("__")}
    repository = defs.get_repository_def()
    sensors = {sensor.name: sensor.description for sensor in repository.sensor_defs}
    schedules = {schedule.name: schedule.description for schedule in repository.schedule_defs}
    for kind, described in (("asset", assets), ("job", jobs), ("sensor", sensors), ("schedule", schedules)):
        assert described, kind
        not_russian = [name for name, text in described.items() if not CYRILLIC.search(first_line(text))]
        assert not_russian == [], kind
    placeholders = {name: PLACEHOLDER.findall(text or "") for name, text in {**assets, **jobs}.items()}
    assert {name: found for name, found in placeholders.items() if found} == {}


def test_every_asset_has_owners_kinds_and_layer_and_pii_tags(defs):
    graph = defs.resolve_asset_graph()
    for key in graph.materializable_asset_keys:
        node = graph.get(key)
        assert node.owners, key
        assert node.tags.get("layer"), key
        assert node.tags.get("pii") in ("true", "false"), key
        assert node.kinds, key
    pii = {key.to_user_string() for key in graph.materializable_asset_keys if graph.get(key).tags["pii"] == "true"}
    assert {"raw/registry_rows", "letters/notification_letters", "call_lists/phone_survey_call_lists"} <= pii
    assert "analytics/database" not in pii and "marts/exclusions_summary" not in pii


def test_a_markdown_table_keeps_its_cells():
    table = md_table(["a", "b"], [("x|y", None), ("<v1>", 3)])
    assert table.splitlines() == ["| a | b |", "|---|---|", "| x\\|y | — |", "| &lt;v1&gt; | 3 |"]


# --- through the year's real runs ---------------------------------------------------------------


def latest_materialization(instance: dg.DagsterInstance, key: dg.AssetKey) -> dg.AssetMaterialization:
    event = instance.get_latest_materialization_event(key)
    assert event is not None and event.asset_materialization is not None, key
    return event.asset_materialization


def md_rows(text: str) -> list[list[str]]:
    """The body rows of a Markdown table, cells stripped."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines[2:]]


def test_the_build_shows_the_rows_left_out_by_reason_as_the_mart_has_them(pipeline_run):
    metadata = latest_materialization(pipeline_run.instance, ANALYTICS_KEY).metadata
    table = metadata["Исключенные строки по причинам"]
    assert isinstance(table, dg.MarkdownMetadataValue)
    shown = {(period, int(version), reason, int(excluded)) for period, version, _used, reason, excluded, _with
             in md_rows(table.value) if int(excluded) > 0}  # a reason that is never a row's first shows 0
    with duckdb.connect(str(pipeline_run.settings.warehouse_path), read_only=True) as con:
        expected = set(con.execute(
            "select s.period, s.version, r.title_ru, count(*) "
            "from (select period, version, reasons[1] as reason from intermediate.int_registry_exclusions) as s "
            "join reference.validation_rules as r on r.rule_id = s.reason group by all").fetchall())
        mart = set(con.execute("select period, version, reason_name, rows_excluded from marts.exclusions_summary "
                               "where rows_excluded > 0").fetchall())
    assert shown == expected == mart
    assert any(reason == "Услуга не подтверждена актом" for _, _, reason, _ in shown)
    months = md_rows(metadata["Реестры по месяцам"].value)  # type: ignore[union-attr]
    assert [row[0] for row in months] == [f"2019-{m:02d}" for m in range(1, 13)]


def test_a_version_the_report_does_not_use_is_said_in_one_sentence(pipeline_run):
    evaluations = pipeline_run.instance.event_log_storage.get_asset_check_execution_history(
        dg.AssetCheckKey(ANALYTICS_KEY, VERSIONS_CHECK), limit=1)
    evaluation = evaluations[0].event.dagster_event.event_specific_data  # type: ignore[union-attr]
    with duckdb.connect(str(pipeline_run.settings.warehouse_path), read_only=True) as con:
        late = con.execute("select period, version from marts.registry_versions_used "
                           "where exclusion_reason = 'late_submission' order by 1, 2").fetchall()
    assert late, "the generated year has a late registry"
    assert not evaluation.passed
    for _period, version in late:
        assert f"Версия {version} реестра за " in evaluation.description
    assert "представлен с нарушением срока (п. 10)" in evaluation.description
    assert "март 2019 не использована" in evaluation.description  # month 3 is always late


def test_reports_and_letters_list_each_file_with_its_size_and_path(pipeline_run):
    letters = latest_materialization(pipeline_run.instance, dg.AssetKey(["letters", "notification_letters"])).metadata
    paths = {name: value for name, value in letters.items() if name.startswith("file: ")}
    assert paths and all(isinstance(v, dg.PathMetadataValue) for v in paths.values())
    assert any(name.endswith("/letter.docx") for name in paths) and any(name.endswith("/annex.xlsx") for name in paths)
    assert len(md_rows(letters["files"].value)) == len(paths)  # type: ignore[union-attr]
    report = pipeline_run.instance.get_latest_materialization_event(dg.AssetKey(["reports", "monitoring_report"]))
    assert report is not None
    files = report.asset_materialization.metadata  # type: ignore[union-attr]
    docx = [value for name, value in files.items() if name.startswith("file: ") and name.endswith(".docx")]
    assert docx and all(isinstance(v, dg.PathMetadataValue) for v in docx)
    assert all(row[1].endswith(("Б", "КБ", "МБ")) for row in md_rows(files["files"].value))  # type: ignore[union-attr]


def test_times_in_checks_are_almaty_with_the_offset(pipeline_run):
    deadlines = latest_materialization(pipeline_run.instance, dg.AssetKey(["deadlines", "registry_deadlines"]))
    assert ALMATY_OFFSET.fullmatch(deadlines.metadata["evaluated_at"].value)  # type: ignore[union-attr]
    raw = latest_materialization(pipeline_run.instance, dg.AssetKey(["raw", "registry_rows"]))
    assert ALMATY_OFFSET.fullmatch(raw.metadata["loaded_at"].value)  # type: ignore[union-attr]
    table = raw.metadata["files_table"].value  # type: ignore[union-attr]
    rows = md_rows(table)
    assert any(row[0] == "`registry/2019-01/v1.xlsx`" and row[1] == "1" and row[3] == "загружен" for row in rows)


def test_no_personal_value_in_any_metadata_or_check(pipeline_run):
    instance = pipeline_run.instance
    texts = []
    checked = dg.EventRecordsFilter(event_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    for key in instance.get_asset_keys():
        for record in instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=key), limit=10_000).records:
            texts += [str(v.value) for v in record.asset_materialization.metadata.values()]  # type: ignore[union-attr]
    for record in instance.get_event_records(checked):
        evaluation = record.event_log_entry.dagster_event.event_specific_data  # type: ignore[union-attr]
        texts += [evaluation.description or ""] + [str(v.value) for v in evaluation.metadata.values()]
    text = "\n".join(texts).lower()
    assert "услуга не подтверждена актом" in text and "реестр представлен с нарушением срока" in text
    services = pipeline_run.services
    personal = set(services["client_id"].astype(str))  # IIN / BIN as written
    personal |= {name for name in services["person_name"].astype(str) if len(name.split()) >= 2}
    assert len(personal) > 100, "the generator's truth has personal values to look for"
    found = sorted(value for value in personal if value.lower() in text)
    assert found == []


def test_a_late_new_version_is_not_used_and_the_build_says_so(pipeline_run, tmp_path, monkeypatch):
    """May's v1 was on time; a v2 delivered months later is loaded, left out as late, v1 kept —
    and the next build's check says so in one sentence (a copy of the year's data, a new instance)."""
    data = tmp_path / "data"
    shutil.copytree(pipeline_run.settings.data_dir, data, ignore=shutil.ignore_patterns("reports", "sample_truth"))
    may = data / "landing/registry/2019-05"
    shutil.copyfile(may / "v1.xlsx", may / "v2.xlsx")
    (may / "v2.meta.json").write_text(json.dumps({"submitted_at": "2019-09-02T10:00:00+06:00"}))
    monkeypatch.setenv("MONITORING_DATA_DIR", str(data))
    monkeypatch.setenv("MONITORING_WAREHOUSE_PATH", str(data / "warehouse.duckdb"))
    settings = Settings(data_dir=data, hmac_key=pipeline_run.settings.hmac_key)
    with dg.instance_for_test() as instance:
        run_stages([Stage("ingest", "ingest_landing_files", partition_key="2019-05"),
                    Stage("build", "build_warehouse")], instance=instance, definitions=build_definitions(settings))
        (record,) = instance.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(ANALYTICS_KEY, VERSIONS_CHECK), limit=1)
        evaluation = record.event.dagster_event.event_specific_data  # type: ignore[union-attr]
        published = latest_materialization(instance, ANALYTICS_KEY).metadata
        months = md_rows(published["Реестры по месяцам"].value)  # type: ignore[union-attr]
    assert ("Версия 2 реестра за май 2019 не использована: реестр представлен с нарушением срока (п. 10); "
            "использована версия 1.") in evaluation.description
    may_row = next(row for row in months if row[0] == "2019-05")
    assert may_row[1:3] == ["1", "2"]  # v1 used, two versions received
