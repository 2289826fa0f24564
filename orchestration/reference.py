"""Reference lists, read from the dbt seeds: the seeds are the single source for them.

The generator, the file readers and dbt all read the same CSV files, so a region or a
column title is changed in one place.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from orchestration.settings import SEEDS_DIR

INPUTS = ("registry", "questionnaires", "acts", "phone_survey")


@cache
def seed_rows(name: str) -> tuple[dict[str, str], ...]:
    """Rows of ``dbt_project/seeds/<name>.csv`` as dictionaries of text."""
    with (SEEDS_DIR / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


@dataclass(frozen=True)
class ColumnSpec:
    position: int
    name: str
    title_ru: str
    required: bool
    personal_data: bool


@cache
def input_columns(input_name: str) -> tuple[ColumnSpec, ...]:
    """The columns of one input form, in form order (Appendix 1 for the registry)."""
    if input_name not in INPUTS:
        raise ValueError(f"unknown input {input_name!r}; expected one of {INPUTS}")
    return tuple(
        ColumnSpec(
            position=int(row["position"]),
            name=row["column_name"],
            title_ru=row["title_ru"],
            required=row["required"] == "true",
            personal_data=row["personal_data"] == "true",
        )
        for row in seed_rows("input_columns")
        if row["input"] == input_name
    )
