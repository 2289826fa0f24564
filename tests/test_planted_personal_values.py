"""A personal value in any column of any input never leaves the raw layer (issue 21).

A tiny generated quarter (three months, the fewest rows the generator writes) gets random
personal values planted where the operator might type them by mistake: one in every column of
every input form (a name in the region, an IIN in a date, a phone in the service type, an
e-mail in the act number …), and in a titled and an untitled column beyond the form. The
quarter then runs once through the real jobs (ingestion, warehouse build with letters and
publication, the Q1 report) on a fresh Dagster instance, and every place that must not hold
personal data is scanned for the exact values: the Dagster event log (messages, metadata,
failures), every file of the instance (its databases and compute logs), analytics.duckdb,
the report files, dbt's logs and every other file the run wrote outside the three places
where personal data belongs (raw.* in the warehouse, letters, call lists).
"""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pytest
from test_personal_data import _texts_of_analytics, _texts_of_event_log, _texts_of_reports

from orchestration.defs.runner import run_stages
from orchestration.reference import INPUTS, input_columns
from orchestration.settings import Settings, load_settings
from orchestration.tools.run_year import year_stages
from orchestration.tools.sample_data import GeneratorConfig, generate_year
from orchestration.warehouse.raw import rows_table

YEAR = 2019
SEED = 2021
SURNAMES = ["Жаксыбекова", "Нурмагамбетов", "Сейтказиева", "Абдрахманов", "Толеуханова", "Ермекбаев"]
FIRST = ["Гульнара", "Ерлан", "Салтанат", "Бауыржан", "Динара", "Асхат"]
PATRONYMICS = ["Маратовна", "Серикович", "Кайратовна", "Болатович", "Нурлановна", "Ермекович"]
LATIN = {"Жаксыбекова": "zhaksybekova", "Нурмагамбетов": "nurmagambetov", "Сейтказиева": "seitkazieva",
         "Абдрахманов": "abdrakhmanov", "Толеуханова": "toleukhanova", "Ермекбаев": "ermekbaev"}
# Where personal data belongs: everything else the run writes is scanned
PERSONAL_PLACES = {"landing", "letters", "call_lists", "sample_truth", ".spool", "warehouse.duckdb",
                   "warehouse.duckdb.wal"}


def personal_values(rng: random.Random, count: int) -> list[str]:
    """Distinct names, IINs, phones and e-mails, in turn; none of them can occur by chance."""
    values: list[str] = []
    while len(values) < count:
        kind = len(values) % 4
        surname, first, patronymic = rng.choice(SURNAMES), rng.choice(FIRST), rng.choice(PATRONYMICS)
        tag = "".join(rng.choice("бвгдклмнпрст") + rng.choice("аеиоу") for _ in range(3))
        if kind == 0:
            value = f"{surname}-{tag.capitalize()} {first} {patronymic}"
        elif kind == 1:
            value = "".join(rng.choice("0123456789") for _ in range(12))
        elif kind == 2:
            digits = "".join(rng.choice("0123456789") for _ in range(7))
            value = f"+7 70{rng.randint(0, 9)} {digits[:3]} {digits[3:5]} {digits[5:]}"
        else:
            local = "".join(rng.choice("bdgklmnprst") + rng.choice("aeiou") for _ in range(3))
            value = f"{LATIN[surname]}.{local}{rng.randint(10, 99)}@mail.kz"
        if value not in values:
            values.append(value)
    return values


def plant(path: Path, input_name: str, values: list[str]) -> list[str]:
    """One value in every column of the form's header and in two columns beyond it (one titled,
    one untitled), each in another data row of the workbook; the values planted."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    first_title = input_columns(input_name)[0].title_ru
    header = next(row[0].row for row in sheet.iter_rows() if row[0].value == first_title)
    first_data = header + 1
    if [cell.value for cell in sheet[first_data]][:3] == [1, 2, 3]:
        first_data += 1  # the row of column numbers
    data_rows = list(range(first_data, sheet.max_row + 1))
    width = sum(1 for cell in sheet[header] if cell.value is not None)
    sheet.cell(header, width + 1, "Примечание")
    planted = []
    for index, column in enumerate([*range(1, width + 2), width + 3]):
        value = values.pop()
        sheet.cell(data_rows[index % len(data_rows)], column, value)
        planted.append(value)
    workbook.save(path)
    return planted


@pytest.fixture(scope="module")
def planted_run(tmp_path_factory):
    rng = random.Random(SEED)
    data_dir = tmp_path_factory.mktemp("planted") / "data"
    landing = data_dir / "landing"
    generate_year(GeneratorConfig(year=YEAR, rows_per_month=20, defect_rate=0.0, seed=SEED),
                  out=landing, truth_dir=data_dir / "sample_truth")
    later = [f"{YEAR}-{month:02d}" for month in range(4, 13)] + [f"{YEAR}-Q{quarter}" for quarter in (2, 3, 4)]
    for period in later:  # a quarter is enough: the other periods' files go
        for path in landing.glob(f"*/{period}*"):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    pool = personal_values(rng, 400)
    planted: dict[str, list[str]] = {}
    for period in ("01", "02", "03", "Q1"):
        for input_name in INPUTS:
            for path in sorted(landing.glob(f"{input_name}/{YEAR}-{period}*")):
                files = sorted(path.glob("*.xlsx")) if path.is_dir() else [path]
                for file in files:
                    planted[file.relative_to(landing).as_posix()] = plant(file, input_name, pool)
    settings = Settings(data_dir=data_dir, hmac_key=load_settings().hmac_key)
    saved = os.environ.get("MONITORING_DATA_DIR")
    os.environ["MONITORING_DATA_DIR"] = str(data_dir)
    try:
        from orchestration.defs.definitions import build_definitions

        with dg.instance_for_test() as instance:
            run_stages(year_stages(YEAR, last_month=3), instance=instance,
                       definitions=build_definitions(settings))
            yield settings, instance, planted
    finally:
        if saved is None:
            os.environ.pop("MONITORING_DATA_DIR", None)
        else:
            os.environ["MONITORING_DATA_DIR"] = saved


def forms(value: str) -> set[str]:
    """The value as it could be written: itself, lower-cased, and JSON-escaped (Dagster's
    storage keeps events as JSON with non-ASCII letters escaped)."""
    return {value.lower(), json.dumps(value)[1:-1].lower(), json.dumps(value.lower())[1:-1]}


def leaked(texts: list[str], values: list[str]) -> list[str]:
    blob = "\n".join(texts).lower()
    return [value for value in values if any(form in blob for form in forms(value))]


def file_texts(root: Path, skip: set[str] = frozenset()) -> list[str]:
    """Every file under ``root`` (but the top-level names in ``skip``), read as UTF-8 text."""
    texts = []
    for path in root.rglob("*"):
        if path.is_file() and path.relative_to(root).parts[0] not in skip:
            texts.append(path.read_bytes().decode("utf-8", errors="replace"))
    return texts


def test_the_planted_values_reached_the_raw_layer(planted_run):
    """The premise: every registry was loaded with its planted values, and every other file either
    loaded with them or rejected by its contract (a score column holding a name rejects the file:
    its reason, shown in the UI, is scanned too), so the scans below prove something."""
    settings, _, planted = planted_run
    assert {name.split("/")[0] for name in planted} == set(INPUTS), planted.keys()
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        rejected = {source for (source,) in con.execute("select source_file from raw.rejected_files").fetchall()}
        texts = []
        for input_name in INPUTS:
            columns = [spec.name for spec in input_columns(input_name)] + ["extra_columns"]
            for column in columns:
                texts += [v for (v,) in con.execute(
                    f"select distinct {column} from {rows_table(input_name)} where {column} is not null").fetchall()]
    assert rejected and not [source for source in rejected if source.startswith("registry/")]
    loaded = [value for name, values in planted.items() if name not in rejected for value in values]
    assert len(loaded) > 60
    missing = [value for value in loaded if not leaked(texts, [value])]
    assert not missing, f"{len(missing)} planted values not in raw, e.g. {missing[:3]}"


@pytest.mark.parametrize("where", ["event_log", "instance_files", "analytics", "reports", "other_files",
                                   "dbt_logs"])
def test_no_planted_value_leaves_the_raw_layer(planted_run, where):
    settings, instance, planted = planted_run
    values = [value for per_file in planted.values() for value in per_file]
    if where == "event_log":
        texts = _texts_of_event_log(instance)
    elif where == "instance_files":  # run and event storage, compute logs
        texts = file_texts(Path(instance.root_directory))
    elif where == "analytics":
        texts = _texts_of_analytics(settings.analytics_path)
    elif where == "reports":
        texts = _texts_of_reports(settings.reports_dir)  # the PDF is printed from the .docx
    elif where == "other_files":
        texts = file_texts(settings.data_dir, PERSONAL_PLACES | {"analytics.duckdb"})
    else:  # dbt's log and the target folder of each of the run's dbt invocations (dbt.log, results)
        project = Path(__file__).parents[1] / "dbt_project"
        texts = file_texts(project / "logs") if (project / "logs").exists() else []
        for run in instance.get_runs():
            for folder in project.glob(f"target/*-{run.run_id[:7]}-*"):
                texts += file_texts(folder)
    assert texts, f"nothing scanned in {where}: the scan would prove nothing"
    found = leaked(texts, values)
    assert not found, f"{len(found)} planted personal values found in {where}: {found[:5]}"
