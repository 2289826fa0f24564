"""The reference lists' Kazakh names (issue 25): every Russian display column of a seed has its
Kazakh twin, a dbt test guards each twin, and the test fails when a name is missing or not Kazakh.

The twins are found from the CSV headers here, independently of the seeds' .yml; the failing case
is a real `dbt build` of a copy of the dbt project whose seeds were spoiled on purpose.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import yaml
from registry_fixture import build_models, load_registry

from orchestration.settings import DBT_PROJECT_DIR

SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
CYRILLIC = re.compile("[А-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]")
LATIN = re.compile("[A-Za-z]")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")  # {name}, {objects}: filled by the code, not text
# Words spelt the same in both languages (loanwords), allowed as a Kazakh name equal to the Russian
SAME_IN_BOTH = {"Онлайн", "Офлайн", "Наурыз мейрамы"}


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return next(csv.reader(fh))


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _twins() -> dict[str, list[tuple[str, str]]]:
    """seed → [(Russian column, Kazakh column)] for every column named *_ru in its header."""
    found = {}
    for path in sorted(SEEDS_DIR.glob("*.csv")):
        pairs = [(c, c[: -len("_ru")] + "_kk") for c in _header(path) if c.endswith("_ru")]
        if pairs:
            found[path.stem] = pairs
    return found


def test_every_russian_display_column_has_its_kazakh_twin_beside_it():
    twins = _twins()
    # the lists the issue names, at least (a seed losing its _ru column would drop out silently)
    assert {"regions", "oked_sections", "oked_divisions", "legal_forms", "sme_categories",
            "places_of_service", "channels", "providers", "services", "validation_rules",
            "call_outcomes", "age_groups", "genders", "holiday_names", "report_proposal_rules",
            "financial_support_options", "non_financial_support_options", "confirmation_methods",
            "input_columns"} <= set(twins)
    for seed, pairs in twins.items():
        header = _header(SEEDS_DIR / f"{seed}.csv")
        for ru, kk in pairs:
            assert kk in header, f"{seed}: {ru} has no {kk}"
            assert header.index(kk) == header.index(ru) + 1, f"{seed}: {kk} is not right after {ru}"


def test_every_kazakh_name_is_filled_in_kazakh_and_not_the_russian_text_again():
    for seed, pairs in _twins().items():
        for number, row in enumerate(_rows(SEEDS_DIR / f"{seed}.csv"), start=2):
            for ru, kk in pairs:
                text = PLACEHOLDER.sub("", row[kk] or "")
                assert text.strip(), f"{seed}.csv line {number}: {kk} is empty"
                assert CYRILLIC.search(text) and not LATIN.search(text), f"{seed}.csv line {number}: {row[kk]!r}"
                if row[ru]:
                    assert row[kk] != row[ru] or row[kk] in SAME_IN_BOTH, (
                        f"{seed}.csv line {number}: {kk} repeats the Russian {row[ru]!r}")


def test_the_kazakh_text_test_guards_every_kazakh_column():
    properties = yaml.safe_load((SEEDS_DIR / "_seeds.yml").read_text(encoding="utf-8"))
    guarded = {}
    for seed in properties["seeds"]:
        for test in seed.get("data_tests", []):
            if "kazakh_text" in test:
                guarded[seed["name"]] = set(test["kazakh_text"]["arguments"]["columns"])
    expected = {seed: {c for c in _header(SEEDS_DIR / f"{seed}.csv") if c.endswith("_kk")}
                for seed in _twins()}
    assert guarded == expected



def test_each_seed_s_kazakh_text_test_is_built_and_tallied_as_a_column_test():
    """One test node per seed, run in every build and tallied with column_rules (not a Dagster check)."""
    from orchestration.defs.assets.dbt import dbt_project, is_column_test

    manifest = json.loads(dbt_project.manifest_path.read_text())
    nodes = {node["attached_node"].split(".")[-1]: uid for uid, node in manifest["nodes"].items()
             if (node.get("test_metadata") or {}).get("name") == "kazakh_text"}
    assert set(nodes) == set(_twins())
    assert all(is_column_test(manifest, uid) for uid in nodes.values())

def _spoil(path: Path, key: str, value: str, column: str, text: str) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    hits = [row for row in rows if row[key] == value]
    assert len(hits) == 1
    hits[0][column] = text
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_dbt_fails_on_a_blank_or_latin_kazakh_name_and_passes_the_untouched_lists(tmp_path):
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    _spoil(project / "seeds" / "regions.csv", "kato_code", "11", "name_kk", "")
    _spoil(project / "seeds" / "legal_forms.csv", "legal_form_code", "too", "short_name_kk", "TOO")
    warehouse = tmp_path / "warehouse.duckdb"
    result = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "build", "--select", "regions", "legal_forms", "sme_categories",
         "--profiles-dir", str(project), "--target-path", str(tmp_path / "target"),
         "--log-path", str(tmp_path / "logs")],
        cwd=project, env={**os.environ, "MONITORING_WAREHOUSE_PATH": str(warehouse)},
        capture_output=True, text=True, check=False)
    assert result.returncode != 0, result.stdout[-3000:]
    results = {r["unique_id"].split(".")[2]: r
               for r in json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
               if r["unique_id"].startswith("test.")}
    statuses = {name: r["status"] for name, r in results.items() if name.startswith("kazakh_text_")}
    assert statuses == {"kazakh_text_regions": "fail", "kazakh_text_legal_forms": "fail",
                        "kazakh_text_sme_categories": "pass"}, result.stdout[-3000:]
    # what each failed test found: its rows name the rule and column broken, and how many rows
    with duckdb.connect(str(warehouse), read_only=True) as con:
        found = {name: con.execute(f"select rule, column_name, failing_rows from ({results[name]['compiled_code']})"
                                   " order by all").fetchall()
                 for name in ("kazakh_text_regions", "kazakh_text_legal_forms")}
    assert found == {
        "kazakh_text_regions": [("not_null", "name_kk", 1)],  # an empty CSV cell is loaded as null
        "kazakh_text_legal_forms": [("has_cyrillic", "short_name_kk", 1), ("no_latin", "short_name_kk", 1)],
    }


# A registry row filled in the state language: every reference cell spelt as its seed's Kazakh name.
KAZAKH_CELLS = {
    "region": "Ақмола облысы", "place_of_service": "КҚКО", "gender": "Әйел", "legal_form": "ЖШС",
    "sme_category": "Шағын кәсіпкерлік", "oked_sector": "Құрылыс", "oked_subsector": "Ғимараттар салу",
    "service": "Бухгалтерлік қызметтер", "service_subtype": "Салық есептілігін жасау және тапсыру",
    "provider": "Сервистік компания", "channel": "Онлайн",
}


def test_a_registry_row_in_kazakh_names_is_read_as_the_same_codes(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        load_registry(con, "2019-03", 1, datetime(2019, 4, 1, 10, tzinfo=ZoneInfo("Asia/Almaty")),
                      [KAZAKH_CELLS, {**KAZAKH_CELLS, "channel": "Офлайн"}])
    build_models(warehouse, "+stg_registry__services")
    # the codes, looked up independently: the seed rows whose Kazakh name is the cell
    expected = {
        "region_code": next(r["kato_code"] for r in _rows(SEEDS_DIR / "regions.csv")
                            if r["name_kk"] == "Ақмола облысы"),
        "place_code": next(r["place_code"] for r in _rows(SEEDS_DIR / "places_of_service.csv")
                           if r["short_name_kk"] == "КҚКО"),
        "gender_code": next(r["gender_code"] for r in _rows(SEEDS_DIR / "genders.csv") if r["name_kk"] == "Әйел"),
        "legal_form_code": next(r["legal_form_code"] for r in _rows(SEEDS_DIR / "legal_forms.csv")
                                if r["short_name_kk"] == "ЖШС"),
        "sme_category_code": next(r["sme_category_code"] for r in _rows(SEEDS_DIR / "sme_categories.csv")
                                  if r["name_kk"] == "Шағын кәсіпкерлік"),
        "oked_section": next(r["section_code"] for r in _rows(SEEDS_DIR / "oked_sections.csv")
                             if r["name_kk"] == "Құрылыс"),
        "oked_division": next(r["division_code"] for r in _rows(SEEDS_DIR / "oked_divisions.csv")
                              if r["name_kk"] == "Ғимараттар салу"),
        "service_code": next(r["service_code"] for r in _rows(SEEDS_DIR / "services.csv")
                             if r["service_name_kk"] == "Бухгалтерлік қызметтер"),
        "subtype_code": next(r["subtype_code"] for r in _rows(SEEDS_DIR / "services.csv")
                             if r["subtype_name_kk"] == "Салық есептілігін жасау және тапсыру"),
        "provider_code": next(r["provider_code"] for r in _rows(SEEDS_DIR / "providers.csv")
                              if r["name_kk"] == "Сервистік компания"),
    }
    assert expected == {"region_code": "11", "place_code": "cop", "gender_code": "female", "legal_form_code": "too",
                         "sme_category_code": "small", "oked_section": "F", "oked_division": "41",
                         "service_code": "acc", "subtype_code": "acc_tax", "provider_code": "service_company"}
    columns = [*expected, "channel_code"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(f"select {', '.join(columns)} from staging.stg_registry__services "
                           "order by source_row").fetchall()
    assert rows == [(*expected.values(), "online"), (*expected.values(), "offline")]
