"""Reports as issued (issue 20, items 4 and 5), through real Dagster runs on a small quarter.

One scenario, run once: the first quarter is ingested, built and reported (revision 1); the
report is produced again from the same data; a registry file is re-delivered with rows
removed and the quarter built and reported again (revision 2); an analyst approves revision 2;
the file is re-delivered once more and the quarter rebuilt and reported (revision 3, awaiting
approval). Snapshots of analytics.duckdb, read with SQL written here, are taken at each step,
and the tests compare the vintages with them.
"""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from docx import Document
from python_calamine import CalamineWorkbook

from orchestration.defs.runner import QUIET, Stage, run_stages
from orchestration.settings import Settings, load_settings
from orchestration.tools.run_year import year_stages
from orchestration.tools.sample_data import GeneratorConfig, generate_year

PERIOD = "2019-Q1"
CONFIG = GeneratorConfig(year=2019, rows_per_month=150, defect_rate=0.03, seed=5, file_format="csv")
REDELIVERED = "registry/2019-01/v1.csv"
ANNEX = "Изменения по сравнению с редакцией"


@dataclass
class Scenario:
    settings: Settings
    snapshots: dict[str, dict] = field(default_factory=dict)
    report_results: dict[str, dg.ExecuteInProcessResult] = field(default_factory=dict)
    latest_sha: dict[str, str] = field(default_factory=dict)  # the latest .docx after each report
    r1_docx_sha: str = ""


def snapshot(settings: Settings) -> dict:
    """What analytics.duckdb says now: the vintage tables and the marts' Q1 figures."""
    with duckdb.connect(str(settings.analytics_path), read_only=True) as con:
        tables = {row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()}
        out = {"tables": tables}
        if "report_revisions" in tables:
            out["revisions"] = con.execute(
                "select revision, status, changed_figures, registry_versions, reason from report_revisions "
                "where report_period = ? order by revision", [PERIOD]).fetchall()
            out["figures"] = {
                revision: dict(((t, s, r or "", k, m), v) for t, s, r, k, m, v in con.execute(
                    "select table_name, scope, region_code, row_key, measure, value from reported_figures "
                    "where report_period = ? and revision = ?", [PERIOD, revision]).fetchall())
                for (revision, *_) in out["revisions"]}
            out["approvals"] = con.execute(
                "select revision, approved_by from report_approvals where report_period = ?", [PERIOD]).fetchall()
        out["i1"] = dict(((r or ""), float(v)) for r, v in con.execute(
            "select region_code, clients from i1_clients_by_region where period_type = 'quarter' "
            "and period_start = date '2019-01-01'").fetchall())
        out["i7"] = dict(((s or "", t or "", r or ""), float(v)) for s, t, r, v in con.execute(
            "select service, service_subtype, region_code, services from i7_services_by_type "
            "where period_type = 'quarter' and period_start = date '2019-01-01'").fetchall())
    return out


def drop_rows(path: Path, count: int) -> None:
    """Re-deliver a CSV registry without its last ``count`` data rows (header kept)."""
    lines = path.read_bytes().decode("utf-8-sig").splitlines(keepends=True)
    assert len(list(csv.reader(lines[1:], delimiter=";"))) > count + 10
    path.write_bytes("".join(lines[:-count]).encode())


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Scenario:
    saved = os.environ.get("MONITORING_DATA_DIR")
    data_dir = tmp_path_factory.mktemp("vintages") / "data"
    generate_year(CONFIG, out=data_dir / "landing", truth_dir=data_dir / "sample_truth", months=range(1, 5))
    settings = Settings(data_dir=data_dir, hmac_key=load_settings().hmac_key)
    os.environ["MONITORING_DATA_DIR"] = str(data_dir)
    from orchestration.defs.definitions import build_definitions

    definitions = build_definitions(settings)
    scenario = Scenario(settings)
    report_job = definitions.resolve_job_def("write_report")

    def report(name: str) -> None:
        result = report_job.execute_in_process(instance=instance, partition_key=PERIOD, run_config=QUIET)
        assert result.success
        scenario.report_results[name] = result
        scenario.snapshots[name] = snapshot(settings)
        scenario.latest_sha[name] = sha(settings.reports_dir / PERIOD / f"report_{PERIOD}.docx")

    def rebuild(name: str) -> None:
        drop_rows(data_dir / "landing" / REDELIVERED, 25)
        stages = [Stage("ingest", "ingest_landing_files", partition_key="2019-01"), Stage("build", "build_warehouse")]
        run_stages(stages, instance=instance, definitions=definitions)
        scenario.snapshots[f"{name}_published"] = snapshot(settings)
        report(name)

    try:
        with dg.instance_for_test() as instance:
            run_stages(year_stages(2019, last_month=4, with_reports=False), instance=instance,
                       definitions=definitions)
            report("first")
            scenario.r1_docx_sha = sha(settings.reports_dir / PERIOD / "r1" / f"report_{PERIOD}.docx")
            report("again")
            rebuild("changed")
            approval = definitions.resolve_job_def("approve_report").execute_in_process(
                instance=instance, partition_key=PERIOD,
                run_config={"ops": {"approvals__report_approval": {"config": {"approved_by": "analyst.k"}}}})
            assert approval.success
            scenario.snapshots["approved"] = snapshot(settings)
            rebuild("after_approval")
            yield scenario
    finally:
        if saved is None:
            os.environ.pop("MONITORING_DATA_DIR", None)
        else:
            os.environ["MONITORING_DATA_DIR"] = saved


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def figures_of(snap: dict, revision: int, table: str) -> dict:
    return {key: value for key, value in snap["figures"][revision].items() if key[0] == table}


def expected_i1(snap: dict) -> dict:
    return {("i1_clients_by_region", "quarter", region, "", "clients"): v for region, v in snap["i1"].items()}


def expected_i7(snap: dict) -> dict:
    out = {}
    for (service, subtype, region), value in snap["i7"].items():
        row_key = " / ".join(x for x in (service and f"service={service}",
                                          subtype and f"service_subtype={subtype}") if x)
        out[("i7_services_by_type", "quarter", region, row_key, "services")] = value
    return out


def test_first_production_files_revision_1_with_the_marts_figures(scenario):
    snap = scenario.snapshots["first"]
    assert {"reported_figures", "report_revisions", "report_approvals"} <= snap["tables"]
    assert [(r[0], r[1]) for r in snap["revisions"]] == [(1, "issued")]
    assert figures_of(snap, 1, "i1_clients_by_region") == expected_i1(snap)
    assert figures_of(snap, 1, "i7_services_by_type") == expected_i7(snap)
    assert sum(snap["i1"].values()) > 0
    folder = scenario.settings.reports_dir / PERIOD
    assert (folder / "r1" / f"report_{PERIOD}.docx").is_file()
    assert scenario.latest_sha["first"] == scenario.r1_docx_sha  # the latest was revision 1


def test_producing_again_from_the_same_data_keeps_the_same_revision(scenario):
    assert scenario.snapshots["again"]["revisions"] == scenario.snapshots["first"]["revisions"]
    assert not (scenario.settings.reports_dir / PERIOD / "r2").exists() or \
        scenario.snapshots["changed"]["revisions"][-1][0] == 2
    [event] = scenario.report_results["again"].get_asset_materialization_events()
    record = event.event_specific_data.materialization
    assert record.metadata["revision"].value == 1 and record.metadata["new_revision"].value is False


def test_changed_data_files_revision_2_and_keeps_revision_1(scenario):
    first, changed = scenario.snapshots["first"], scenario.snapshots["changed"]
    assert first["i1"] != changed["i1"]  # the re-delivered file changed the counts
    assert [r[0] for r in changed["revisions"]] == [1, 2]
    assert changed["figures"][1] == first["figures"][1]  # what the first report said, unchanged
    assert figures_of(changed, 2, "i1_clients_by_region") == expected_i1(changed)
    assert figures_of(changed, 2, "i7_services_by_type") == expected_i7(changed)
    differing = {k for k in changed["figures"][1].keys() | changed["figures"][2].keys()
                 if changed["figures"][1].get(k) != changed["figures"][2].get(k)}
    assert changed["revisions"][1][2] == len(differing) > 0
    folder = scenario.settings.reports_dir / PERIOD
    assert sha(folder / "r1" / f"report_{PERIOD}.docx") == scenario.r1_docx_sha  # never overwritten
    assert scenario.latest_sha["changed"] == sha(folder / "r2" / f"report_{PERIOD}.docx")
    assert scenario.latest_sha["after_approval"] == sha(folder / "r3" / f"report_{PERIOD}.docx")


def test_revision_2_carries_the_annex_of_changes(scenario):
    folder = scenario.settings.reports_dir / PERIOD
    changed = scenario.snapshots["changed"]
    document = Document(str(folder / "r2" / f"report_{PERIOD}.docx"))
    headings = [p.text for p in document.paragraphs if p.text.startswith("Приложение")]
    assert any(f"{ANNEX} 1" in text for text in headings)
    annex_table = document.tables[-1]
    assert [c.text for c in annex_table.rows[0].cells][-2:] == ["Было", "Стало"]
    assert len(annex_table.rows) - 1 == changed["revisions"][1][2]
    sheets = CalamineWorkbook.from_path(str(folder / "r2" / f"report_{PERIOD}.xlsx"))
    cells = [str(c) for name in sheets.sheet_names for row in sheets.get_sheet_by_name(name).to_python()
             for c in row]
    assert any("Изменения показателей по сравнению с редакцией 1" in c for c in cells)
    first = Document(str(folder / "r1" / f"report_{PERIOD}.docx"))
    assert not any(ANNEX in p.text for p in first.paragraphs)


def test_re_publishing_keeps_the_vintages(scenario):
    published = scenario.snapshots["after_approval_published"]  # after the build, before the report
    assert [r[0] for r in published["revisions"]] == [1, 2]
    assert published["figures"] == scenario.snapshots["approved"]["figures"]


def test_approval_is_recorded_and_a_later_change_awaits_approval(scenario):
    approved, after = scenario.snapshots["approved"], scenario.snapshots["after_approval"]
    assert approved["approvals"] == [(2, "analyst.k")]
    assert [(r[0], r[1]) for r in after["revisions"]] == [(1, "issued"), (2, "approved"), (3, "awaiting_approval")]
    assert after["figures"][2] == approved["figures"][2]  # the approved figures did not change
    assert figures_of(after, 3, "i1_clients_by_region") == expected_i1(after)
    with duckdb.connect(str(scenario.settings.analytics_path), read_only=True) as con:
        approved_i1 = dict(con.execute(
            "select f.region_code, f.value from reported_figures f join report_approvals a "
            "using (report_period, revision) where f.report_period = ? and f.table_name = 'i1_clients_by_region' "
            "and f.scope = 'quarter'", [PERIOD]).fetchall())
    assert {k or "": v for k, v in approved_i1.items()} == approved["i1"]
    [check] = approval_checks(scenario.report_results["after_approval"])
    assert check.passed is False
    assert "утвержден в редакции 2" in check.description and "редакция 3, ожидающая утверждения" in check.description
    [check] = approval_checks(scenario.report_results["changed"])
    assert check.passed is True


def approval_checks(result: dg.ExecuteInProcessResult) -> list:
    return [e for e in result.get_asset_check_evaluations() if e.check_name == "approved_revision_unchanged"]


def test_revision_2_s_kazakh_edition_carries_the_same_changes_in_kazakh(scenario):
    """One revision, two languages (issue 25): the Kazakh r2 has the annex of changes too, with the
    Russian edition's figures row by row, and r1 has the Kazakh files beside the Russian ones."""
    folder = scenario.settings.reports_dir / PERIOD
    assert (folder / "r1" / f"report_{PERIOD}_kk.docx").is_file()
    russian = Document(str(folder / "r2" / f"report_{PERIOD}.docx")).tables[-1]
    kazakh_document = Document(str(folder / "r2" / f"report_{PERIOD}_kk.docx"))
    assert any(p.text.startswith("Д қосымшасы. 1-редакциямен салыстырғандағы өзгерістер")
               for p in kazakh_document.paragraphs)
    kazakh = kazakh_document.tables[-1]
    assert [c.text for c in kazakh.rows[0].cells][-2:] == ["Бұрынғы мәні", "Жаңа мәні"]
    assert len(kazakh.rows) == len(russian.rows)
    for ru_row, kk_row in zip(russian.rows[1:], kazakh.rows[1:], strict=True):
        assert [c.text for c in kk_row.cells][-2:] == [c.text.replace("нет", "жоқ") for c in ru_row.cells][-2:]
    assert not any("Изменения" in p.text for p in kazakh_document.paragraphs)
