"""The sample-data generator: realistic, valid where it claims to be, defective exactly where it says.

Files are generated into a temporary folder at small sizes and read back the way the
pipeline reads them (python-calamine for xlsx), so these tests check the files, not only
the in-memory frames.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from python_calamine import CalamineWorkbook

from orchestration.ingestion.readers import read_input
from orchestration.reference import input_columns, seed_rows
from orchestration.rules import identifiers
from orchestration.tools.sample_data import (
    GeneratorConfig,
    csvtext,
    generate_month,
    generate_year,
    people,
    registry,
    schedule,
    truth,
)
from orchestration.tools.sample_data.__main__ import main
from orchestration.tools.sample_data.catalogue import load_catalogue, sample_identifier_kind
from orchestration.tools.sample_data.frames import Table

ROWS = 200
RATE = 0.05
TITLES = [c.title_ru for c in input_columns("registry")]
NAMES = [c.name for c in input_columns("registry")]
PHONE = re.compile(r"^(\+7|8) \d{3,4} \d{2,3} \d{2} \d{2}$")
EMAIL = re.compile(r"^[a-z0-9._-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$")


def sheet(path: Path) -> list[list[object]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def text(value: object) -> str:
    """A cell as the manifest writes it: dates dd.mm.yyyy, whole numbers without '.0'."""
    if isinstance(value, datetime | date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.strptime(str(value), "%d.%m.%Y").date()


def registry_rows(path: Path) -> list[dict[str, object]]:
    """Data rows of an xlsx registry keyed by column name, with the Excel row number."""
    rows = sheet(path)
    assert rows[1] == TITLES
    return [{"_row": i + 1, **dict(zip(NAMES, r, strict=True))} for i, r in enumerate(rows) if i >= 3]


def gender_code(value: str) -> str:
    spelled = {r["name_ru"].lower(): r["gender_code"] for r in seed_rows("genders")}
    spelled.update({r["alias"]: r["gender_code"] for r in seed_rows("genders")})
    return spelled[value.strip().lower()]


@pytest.fixture(scope="module")
def year_2019(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("y2019")
    out, truth = root / "landing", root / "sample_truth"
    config = GeneratorConfig(year=2019, rows_per_month=ROWS, defect_rate=RATE, seed=11)
    generate_year(config, out=out, truth_dir=truth, months=[1, 2, 3])
    return out, truth


@pytest.fixture(scope="module")
def manifest(year_2019: tuple[Path, Path]) -> pd.DataFrame:
    return pd.read_csv(year_2019[1] / "defects.csv", dtype=str, keep_default_na=False)


def clean_rows(out: Path, manifest: pd.DataFrame, period: str = "2019-01") -> list[dict[str, object]]:
    bad = {
        int(r)
        for r in manifest.loc[(manifest["period"] == period) & (manifest["version"] == "1"), "source_row"]
    }
    return [r for r in registry_rows(out / "registry" / period / "v1.xlsx") if r["_row"] not in bad]


def test_layout_and_header_rows(year_2019: tuple[Path, Path]) -> None:
    out, truth = year_2019
    rows = sheet(out / "registry" / "2019-01" / "v1.xlsx")
    assert rows[0][0] == "Информация о ходе реализации сервисной поддержки за январь 2019 года"
    assert rows[1] == TITLES
    assert [int(v) for v in rows[2]] == list(range(1, len(TITLES) + 1))
    assert len(rows) == 3 + ROWS
    for name in (
        "acts/2019-01.xlsx",
        "questionnaires/2019-03.xlsx",
        "phone_survey/2019-Q1.xlsx",
        "registry/2019-02/v2.xlsx",
        "registry/2019-02/v2.meta.json",
    ):
        assert (out / name).is_file(), name
    assert sheet(out / "acts" / "2019-01.xlsx")[0] == [c.title_ru for c in input_columns("acts")]
    assert sheet(out / "phone_survey" / "2019-Q1.xlsx")[1] == [
        c.title_ru for c in input_columns("phone_survey")
    ]
    assert not list(out.rglob("defects.csv")), "the truth must stay outside the landing folder"
    assert {p.name for p in truth.iterdir()} == {
        "defects.csv",
        "services.parquet",
        "submissions.csv",
        "files.csv",
    }
    files = pd.read_csv(truth / "files.csv")
    for f in files.itertuples():
        assert (out / f.source_file).is_file(), f.source_file
        assert f.version == (int(f.source_file[-6]) if f.input == "registry" else 1)
    assert files.loc[files["source_file"] == "registry/2019-01/v1.xlsx", "data_rows"].item() == ROWS


def test_same_seed_same_files(tmp_path: Path) -> None:
    config = GeneratorConfig(year=2019, rows_per_month=150, seed=3, file_format="csv")
    for name in ("a", "b"):
        generate_year(
            config, out=tmp_path / name / "landing", truth_dir=tmp_path / name / "truth", months=[2]
        )
    for rel in (
        "landing/registry/2019-02/v1.csv",
        "landing/registry/2019-02/v2.csv",
        "landing/registry/2019-02/v1.meta.json",
        "truth/defects.csv",
        "truth/submissions.csv",
    ):
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    for rel in ("landing/acts/2019-02.csv", "landing/phone_survey/2019-Q1.xlsx"):
        a, b = tmp_path / "a" / rel, tmp_path / "b" / rel
        same = a.read_bytes() == b.read_bytes() if a.suffix == ".csv" else sheet(a) == sheet(b)
        assert same, rel
    other = GeneratorConfig(year=2019, rows_per_month=150, seed=4, file_format="csv")
    generate_year(other, out=tmp_path / "c" / "landing", months=[2])
    assert (tmp_path / "c/landing/registry/2019-02/v1.csv").read_bytes() != (
        tmp_path / "a/landing/registry/2019-02/v1.csv"
    ).read_bytes()


def test_months_do_not_depend_on_the_others_generated() -> None:
    config = GeneratorConfig(year=2019, rows_per_month=100, seed=5)
    alone = generate_month(config, 3)
    together = generate_year(config, months=[1, 2, 3]).months[2]
    assert alone.versions[0].rows.to_pandas(NAMES).equals(together.versions[0].rows.to_pandas(NAMES))


def test_clean_identifiers_are_valid_and_consistent(
    year_2019: tuple[Path, Path], manifest: pd.DataFrame
) -> None:
    out, _ = year_2019
    kinds = {r["short_name_ru"]: r for r in seed_rows("legal_forms")}
    rows = clean_rows(out, manifest)
    assert len(rows) > ROWS * 0.9
    for row in rows:
        ident = row["iin_bin"]
        assert isinstance(ident, str) and identifiers.is_valid(ident), row
        form = kinds[row["legal_form"]]
        if sample_identifier_kind(form) == "iin":
            assert identifiers.iin_birth_date(ident) == as_date(row["birth_date"]), row
            assert identifiers.iin_is_male(ident) == (gender_code(row["gender"]) == "male"), row
        else:
            assert ident[4] == ("6" if form["legal_form_code"] in {"kh", "ip_joint"} else "4"), row
            if form["legal_form_code"] == "kh":
                assert ident[5] == "3", row


def test_clean_rows_pass_the_row_rules(year_2019: tuple[Path, Path], manifest: pd.DataFrame) -> None:
    out, _ = year_2019
    subtype_of = {r["subtype_name_ru"]: r["service_name_ru"] for r in seed_rows("services")}
    sections = {
        r["section_code"]: {r["name_ru"], r["name_ru_2007"]} - {""} for r in seed_rows("oked_sections")
    }
    division_section = {r["name_ru"]: r["section_code"] for r in seed_rows("oked_divisions")}
    places = {v for r in seed_rows("places_of_service") for v in (r["name_ru"], r["short_name_ru"])}
    for row in clean_rows(out, manifest):
        start, end, birth = as_date(row["start_date"]), as_date(row["end_date"]), as_date(row["birth_date"])
        assert start <= end and (end.year, end.month) == (2019, 1)
        age = end.year - birth.year - ((end.month, end.day) < (birth.month, birth.day))
        assert int(row["age"]) == age and 14 <= age <= 100
        assert subtype_of[row["service_subtype"]] == row["service"]
        assert row["oked_sector"] in sections[division_section[row["oked_subsector"]]]
        assert row["place_of_service"] in places
        assert (row["channel"] == "Онлайн") == (row["place_of_service"] == "Онлайн")
        assert PHONE.match(row["mobile_phone"]), row["mobile_phone"]
        assert not row["work_phone"] or PHONE.match(row["work_phone"]), row["work_phone"]
        assert not row["email"] or EMAIL.match(row["email"]), row["email"]
        assert all(row[c.name] not in ("", None) for c in input_columns("registry") if c.required)


def region_code(name: str) -> str | None:
    official = {r["name_ru"].lower(): r["kato_code"] for r in seed_rows("regions")}
    aliases = {r["alias"]: r["kato_code"] for r in seed_rows("region_aliases")}
    key = name.strip().lower()
    return official.get(key) or aliases.get(key)


def test_regions_follow_the_year(
    year_2019: tuple[Path, Path], manifest: pd.DataFrame, tmp_path: Path
) -> None:
    out, _ = year_2019
    names_2019 = {region_code(r["region"]) for r in clean_rows(out, manifest)}
    assert None not in names_2019 and not names_2019 & {"10", "33", "62"}
    assert {"75", "79"} <= names_2019
    m = generate_month(GeneratorConfig(year=2023, rows_per_month=2000, seed=1), 5)
    rows = m.versions[0].rows
    clean = rows["x_defect"] == ""
    written = set(rows["region"][clean].tolist())
    assert {region_code(n) for n in written} >= {"10", "33", "62", "71"}
    assert None not in {region_code(n) for n in written}
    assert "город Астана" in written and "город Нур-Султан" not in written


def test_regions_are_skewed(year_2019: tuple[Path, Path]) -> None:
    services = pq.read_table(year_2019[1] / "services.parquet").to_pandas()
    counts = services["kato_code"].value_counts()
    assert counts.get("75", 0) > 4 * counts.get("59", 0)
    assert counts.get("79", 0) > 3 * counts.get("47", 0)


def test_every_injected_defect_is_in_the_file(year_2019: tuple[Path, Path], manifest: pd.DataFrame) -> None:
    out, _ = year_2019
    cache: dict[str, list[list[object]]] = {}

    def cell(file: str, row: int, column: str) -> str:
        rows = cache.setdefault(file, sheet(out / file))
        header_index = 1 if file.startswith("registry/") else 0
        names = NAMES if file.startswith("registry/") else [c.name for c in input_columns("acts")]
        assert rows[header_index][0] in (TITLES[0], input_columns("acts")[0].title_ru)
        return text(rows[row - 1][names.index(column)])

    assert set(manifest["defect_kind"]) >= {
        "iin_bin_check_digit",
        "iin_birth_date_mismatch",
        "start_after_end",
        "unknown_region",
        "act_missing",
        "act_date_mismatch",
        "act_service_mismatch",
        "duplicate_row",
        "iin_bin_leading_zero_restored",
        "email_invalid",
        "required_missing",
        "service_subtype_mismatch",
    }
    rules = {r["rule_id"] for r in seed_rows("validation_rules")}
    for d in manifest.itertuples():
        assert d.expected_rule_id in rules
        if d.defect_kind == "duplicate_row":
            rows = cache.setdefault(d.source_file, sheet(out / d.source_file))
            assert rows[int(d.source_row) - 1] == rows[int(d.related_row) - 1]
        elif d.related_file.startswith("acts/"):
            act_column = "service_date" if d.column == "end_date" else "service_subtype"
            assert cell(d.related_file, int(d.related_row), act_column) == d.injected_value
            assert cell(d.source_file, int(d.source_row), d.column) == d.original_value
        elif d.column:
            assert cell(d.source_file, int(d.source_row), d.column) == d.injected_value, d
    zero = manifest[manifest["defect_kind"] == "iin_bin_leading_zero_restored"]
    for d in zero.itertuples():
        raw = sheet(out / d.source_file)[int(d.source_row) - 1][NAMES.index("iin_bin")]
        assert (
            isinstance(raw, float)
            and len(d.injected_value) == 11
            and "0" + d.injected_value == d.original_value
        )
        assert identifiers.is_valid(d.original_value)


def test_act_defects_change_only_the_acts(year_2019: tuple[Path, Path], manifest: pd.DataFrame) -> None:
    out, truth = year_2019
    services = pq.read_table(truth / "services.parquet").to_pandas()
    missing = manifest[manifest["defect_kind"] == "act_missing"]
    for d in missing.itertuples():
        row = services[
            (services["source_file"] == d.source_file) & (services["source_row"] == int(d.source_row))
        ]
        assert row["act_row"].isna().all()
        acts = sheet(out / "acts" / f"{d.period}.xlsx")
        assert row["client_id"].iloc[0] not in {r[2] for r in acts[1:]}
    clean = services[services["defect_kind"] == ""]
    assert clean["act_row"].notna().all(), "every clean row is confirmed by an act"


def test_defect_rate(year_2019: tuple[Path, Path], manifest: pd.DataFrame) -> None:
    v1 = manifest[manifest["version"] == "1"]
    per_month = v1.groupby("period").size()
    assert (per_month == round(RATE * ROWS)).all(), per_month
    assert v1.groupby(["source_file", "source_row"]).size().max() == 1, "one defect per row"


def test_person_for_two_companies_and_client_in_two_regions(
    year_2019: tuple[Path, Path], manifest: pd.DataFrame
) -> None:
    out, truth = year_2019
    companies: dict[tuple[str, str], set[str]] = {}
    for period in ("2019-01", "2019-02", "2019-03"):
        for row in clean_rows(out, manifest, period):
            key = (row["client_full_name"], text(row["birth_date"]))
            companies.setdefault(key, set()).add(row["iin_bin"])
    assert any(len(ids) > 1 for ids in companies.values())
    services = pq.read_table(truth / "services.parquet").to_pandas()
    ok = services[services["row_ok"]]
    assert (ok.groupby("client_id")["kato_code"].nunique() > 1).any()
    assert (ok.groupby("client_id")["period"].nunique() > 1).any(), "clients come back across months"
    assert (ok.groupby(["period", "client_id"]).size() > 1).any(), "clients come back within a month"


def test_timeliness_mix(year_2019: tuple[Path, Path]) -> None:
    out, truth = year_2019
    subs = pd.read_csv(truth / "submissions.csv")
    assert set(subs["timeliness"]) == {"on_time", "late", "correction"}
    for s in subs.itertuples():
        meta = json.loads((out / s.source_file).with_name(f"v{s.version}.meta.json").read_text())
        instant = datetime.fromisoformat(meta["submitted_at"])
        assert instant.utcoffset().total_seconds() == 6 * 3600
        due = datetime.fromisoformat(s.due_at)
        assert (instant <= due) == (s.timeliness == "on_time")
    late = subs[subs["timeliness"] == "late"]
    assert not late["version_used"].any()
    assert datetime.fromisoformat(late["submitted_at"].iloc[0]).day >= 3
    v2 = subs[subs["version"] == 2]
    assert v2["version_used"].all() and (v2["data_rows"] < ROWS).all()
    after_2024 = schedule.submissions(11, 2024, 6)[0].submitted_at
    assert after_2024.utcoffset().total_seconds() == 5 * 3600


def test_correction_fixes_the_registry_side_defects(
    year_2019: tuple[Path, Path], manifest: pd.DataFrame
) -> None:
    v2 = manifest[manifest["version"] == "2"]
    assert len(v2) and set(v2["defect_kind"]) <= {"act_missing", "act_date_mismatch", "act_service_mismatch"}
    out, _ = year_2019
    v2_ids = {r["iin_bin"] for r in registry_rows(out / "registry" / "2019-02" / "v2.xlsx")}
    fixed = manifest[(manifest["period"] == "2019-02") & (manifest["defect_kind"] == "iin_bin_check_digit")]
    for d in fixed.itertuples():
        assert d.original_value in v2_ids and d.injected_value not in v2_ids


def test_companion_files(year_2019: tuple[Path, Path]) -> None:
    out, _ = year_2019
    names = [c.name for c in input_columns("questionnaires")]
    rows = [dict(zip(names, r, strict=True)) for r in sheet(out / "questionnaires" / "2019-01.xlsx")[1:]]
    assert rows
    options = {r["name_ru"] for r in seed_rows("financial_support_options")}
    for r in rows:
        assert all(1 <= int(r[c]) <= 5 for c in names if c.startswith("score_"))
        assert not r["financial_support_wanted"] or set(r["financial_support_wanted"].split("; ")) <= options
    names = [c.name for c in input_columns("phone_survey")]
    calls = [dict(zip(names, r, strict=True)) for r in sheet(out / "phone_survey" / "2019-Q1.xlsx")[2:]]
    assert [int(c["call_id"]) for c in calls] == list(range(1, len(calls) + 1))
    outcomes = {r["name_ru"] for r in seed_rows("call_outcomes")}
    for c in calls:
        assert c["call_outcome"] in outcomes
        answered = c["call_outcome"] == "Ответил"
        assert (c["q1_received"] in ("Да", "Нет")) == answered
        assert c["question_1"].startswith(
            f"Получали ли Вы консультацию либо услугу {text(c['service_date'])} в "
        )
        assert as_date(c["call_date"]) > as_date(c["service_date"])
    methods = {r["name_ru"] for r in seed_rows("confirmation_methods")}
    assert {r[6] for r in sheet(out / "acts" / "2019-01.xlsx")[1:]} <= methods


def test_cli_writes_cp1251_csv_and_keeps_truth_outside(tmp_path: Path) -> None:
    out = tmp_path / "data" / "landing"
    assert (
        main(
            [
                "--year",
                "2019",
                "--rows-per-month",
                "120",
                "--months",
                "1",
                "--format",
                "csv",
                "--encoding",
                "cp1251",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    path = out / "registry" / "2019-01" / "v1.csv"
    with path.open(encoding="cp1251", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert rows[0] == TITLES and len(rows) == 121
    assert all(len(r) == len(TITLES) for r in rows)
    assert (tmp_path / "data" / "sample_truth" / "defects.csv").is_file()
    with pytest.raises(SystemExit):
        main(["--months", "1", "--out", str(out), "--truth-dir", str(out / "truth")])


# --- the fast paths match the plain ones they replaced ------------------------------------


def csv_module_bytes(titles: list[str], rows: list[list[object]], encoding: str) -> bytes:
    """What the generator wrote before ``csvtext``: Python's csv module, ';' and CRLF."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(titles)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "cp1251"])
def test_csv_text_is_what_the_csv_module_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encoding: str
) -> None:
    monkeypatch.setattr(csvtext, "BLOCK_ROWS", 7)  # several blocks, one of them short
    tricky = ["plain", "", 'ТОО "Ромашка"', "a;b", "line\nbreak", "cr\rhere", '"', " spaced ", "Ёлка; ель", None]
    n = 40
    text_column = np.array([tricky[i % len(tricky)] for i in range(n)], dtype=object)
    few = np.array(['ИП "Альфа"; филиал' if i % 3 else "Бета" for i in range(n)], dtype=object)  # few distinct
    numbers = np.arange(n) * 7 - 3
    days = date(2019, 1, 1).toordinal() + np.arange(n) * 37
    mixed = np.array([i if i % 2 else f"x{i}" for i in range(n)], dtype=object)
    path = tmp_path / "out.csv"
    csvtext.write_table(
        path,
        ["Текст", "Мало; значений", 'Число "n"', "Дата", "Смесь"],
        [text_column, few, numbers, days, mixed],
        [False, False, False, True, False],
        encoding=encoding,
    )
    expected_rows = [
        [t, f, int(k), date.fromordinal(int(d)).strftime("%d.%m.%Y"), m]
        for t, f, k, d, m in zip(text_column, few, numbers, days, mixed, strict=True)
    ]
    titles = ["Текст", "Мало; значений", 'Число "n"', "Дата", "Смесь"]
    assert path.read_bytes() == csv_module_bytes(titles, expected_rows, encoding)


def test_arrow_name_normalisation_matches_python() -> None:
    names = ["Ёлкин  Пётр\tИванович", " Әлия Нұрлан ", "ИВАНОВ\u00a0иван", "Ли\u2003Вэй", "a\u2028b\x1fc"]
    month = generate_month(GeneratorConfig(year=2019, rows_per_month=300, seed=2), 1)
    names += month.versions[0].rows["t_person_name"].tolist()
    assert truth.normalise_names(pa.array(names)).to_pylist() == [truth.normalise_name(n) for n in names]


def test_serial_completion_matches_the_plain_loop() -> None:
    """``people._complete`` re-checks only crowded heads; the plain loop re-checks everything."""

    def plain(heads: np.ndarray, serials: np.ndarray, lo: int, hi: int) -> np.ndarray:
        serials = serials.copy()
        while True:
            numbers = heads + serials
            cd = people.check_digits(numbers)
            numbers = numbers * 10 + cd
            _, first = np.unique(numbers, return_index=True)
            bad = np.ones(len(numbers), dtype=bool)
            bad[first] = False
            bad |= cd < 0
            if not bad.any():
                return numbers
            serials[bad] = lo + (serials[bad] - lo + 1 + serials[bad] % 7) % (hi - lo)

    rng = np.random.default_rng(3)
    heads = rng.integers(100, 140, 30_000) * 10**5  # 40 heads, ~750 numbers each in 2000 serials
    serials = rng.integers(1000, 3000, len(heads))
    assert np.array_equal(people._complete(heads, serials, 1000, 3000), plain(heads, serials, 1000, 3000))


def test_make_unique_can_change_the_service_when_nothing_else_helps() -> None:
    """Same-day visits of one client whose start dates cannot move (a region renamed that day)."""
    cat = load_catalogue()
    n = 15  # more than the service's sub-types (3), fewer than all sub-types (19)
    day = date(2019, 3, 23).toordinal()
    subtype = np.zeros(n, dtype=np.int64)  # all the first sub-type of the first service
    frame = Table(
        {
            "x_client": np.zeros(n, dtype=np.int64),
            "x_subtype": subtype,
            "start_date": np.full(n, day),
            "end_date": np.full(n, day),
            "x_since": np.full(n, day),
            "service": np.full(n, cat.service_names[cat.subtype_service[0]], dtype=object),
            "t_service": np.full(n, cat.service_codes[cat.subtype_service[0]], dtype=object),
            "service_subtype": np.full(n, cat.subtype_names[0], dtype=object),
            "t_service_subtype": np.full(n, cat.subtype_codes[0], dtype=object),
        }
    )
    registry._make_unique(np.random.default_rng(0), cat, frame)
    assert not registry.duplicate_mask(frame).any()
    for i in range(n):
        s = int(frame["x_subtype"][i])
        assert frame["t_service_subtype"][i] == cat.subtype_codes[s]
        assert frame["service_subtype"][i] == cat.subtype_names[s]
        assert frame["t_service"][i] == cat.service_codes[cat.subtype_service[s]]
        assert frame["service"][i] == cat.service_names[cat.subtype_service[s]]
    assert len(set(frame["t_service"].tolist())) > 1


@pytest.mark.parametrize("encoding", ["utf-8", "cp1251"])
def test_generated_csv_reads_back_as_written(tmp_path: Path, encoding: str) -> None:
    """The pipeline's reader gets every value the generator meant (quotes, ';' and all)."""
    config = GeneratorConfig(year=2019, rows_per_month=300, seed=4, file_format="csv", encoding=encoding)
    result = generate_year(config, out=tmp_path / "landing", months=[1])
    month = result.months[0]
    frames = {
        "registry": (month.versions[0].rows, "registry/2019-01/v1.csv", ("birth_date", "start_date", "end_date")),
        "acts": (month.acts, "acts/2019-01.csv", ("act_date", "service_date")),
        "questionnaires": (month.questionnaires, "questionnaires/2019-01.csv", ("fill_date", "service_date")),
    }
    for name, (frame, rel, dates) in frames.items():
        read = read_input(tmp_path / "landing" / rel, name)
        assert read.encoding.replace("-", "") == encoding.replace("-", "")
        assert read.rows.num_rows == len(frame)
        for spec in input_columns(name):
            values = np.asarray(frame[spec.name])
            if spec.name in dates:
                wanted = [date.fromordinal(int(d)).strftime("%d.%m.%Y") for d in values]
            else:
                wanted = [str(v) if v != "" else None for v in values.tolist()]
            assert read.rows[spec.name].to_pylist() == wanted, (name, spec.name)
    assert any('"' in v for v in month.versions[0].rows["enterprise_name"].tolist())
    assert any(";" in v for v in month.questionnaires["financial_support_wanted"].tolist())


def test_a_missing_month_has_no_registry_and_the_truth_says_not_delivered(tmp_path: Path) -> None:
    out, truth_dir = tmp_path / "landing", tmp_path / "truth"
    main(["--year", "2019", "--rows-per-month", "40", "--seed", "3", "--format", "csv", "--months", "7-8",
          "--missing-months", "8", "--out", str(out), "--truth-dir", str(truth_dir)])
    assert not (out / "registry" / "2019-08").exists()
    assert (out / "registry" / "2019-07" / "v1.csv").is_file()
    for name in ("acts/2019-08.csv", "questionnaires/2019-08.csv", "phone_survey/2019-Q3.xlsx"):
        assert (out / name).is_file(), name  # only the registry is missing
    subs = pd.read_csv(truth_dir / "submissions.csv")
    [august] = subs[subs.period == "2019-08"].itertuples()
    assert (august.timeliness, august.delivered, august.version_used) == ("not_delivered", False, False)
    assert pd.isna(august.submitted_at) and pd.isna(august.source_file)
    assert subs[subs.period == "2019-07"].delivered.all()
    assert "2019-08" not in set(pd.read_parquet(truth_dir / "services.parquet").period)
    assert "2019-08" not in set(pd.read_csv(truth_dir / "defects.csv").period)
    assert not pd.read_csv(truth_dir / "files.csv").query("input == 'registry' and period == '2019-08'").shape[0]
    # the other months are the files a run without the option writes
    generate_year(GeneratorConfig(year=2019, rows_per_month=40, seed=3, file_format="csv"),
                  out=tmp_path / "all", months=[7, 8])
    assert (tmp_path / "all/registry/2019-07/v1.csv").read_bytes() == (out / "registry/2019-07/v1.csv").read_bytes()
    assert (tmp_path / "all/registry/2019-08/v1.csv").is_file()
    with pytest.raises(ValueError):
        GeneratorConfig(year=2019, missing_months=(13,))
