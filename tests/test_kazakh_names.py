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
from pathlib import Path

import duckdb
import yaml

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
