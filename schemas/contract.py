"""What every input contract shares: the raw-layer shape, allowed-value checks, reporting.

A contract checks the *structure* of a file already read (``orchestration.ingestion.readers``):
every column of the form is present as text, ``source_row`` numbers rows uniquely, and
— only where the regulation fixes the values (scores 1–5, call outcomes, confirmation
methods, yes/no answers) — cells hold one of them. Failing the contract rejects the
file, so nothing that is a row-level finding (a wrong IIN, an unknown region) belongs
here: those are dbt's validation rules, which keep the row and flag it.

Validation is lazy (every failure is collected in one run) and vectorised (pandas /
Arrow), so a million-row file is checked in about a second.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pyarrow

from orchestration.input_errors import InputFileError
from orchestration.personal import looks_personal, mask
from orchestration.reference import ColumnSpec, input_columns, seed_rows
from orchestration.settings import SEEDS_DIR

MAX_LISTED = 20  # failures spelt out in the message; the rest are counted


_SPACES = re.compile(r"[\s\u00a0]+")
_HOMOGLYPHS = str.maketrans("aoecpxykhmtb", "аоесрхукнмтв")


def lookup_key(value: str) -> str:
    """The key dbt looks a cell up by (macro ``lookup_key``): the contract accepts exactly
    what staging can resolve. Lower case, ё→е, runs of spaces → one, trimmed, Latin
    look-alike letters folded to Cyrillic.
    """
    return _SPACES.sub(" ", value.lower().replace("ё", "е")).strip().translate(_HOMOGLYPHS)


def spellings(domain: str, seed: str | None = None, columns: tuple[str, ...] = ()) -> list[str]:
    """Every accepted spelling of a reference value: a seed's code and name columns, plus
    the ``value_aliases`` seed's rows for ``domain`` (the same list dbt staging uses).
    """
    values = [row[column] for row in seed_rows(seed) for column in columns] if seed else []
    if (SEEDS_DIR / "value_aliases.csv").exists():
        values += [row["alias"] for row in seed_rows("value_aliases") if row["domain"] == domain]
    return [value for value in dict.fromkeys(values) if value.strip()]


def one_of(values: Iterable[str], label: str) -> pa.Check:
    """Cell (when filled) is one of ``values`` under ``lookup_key``.

    Keys are computed once per distinct cell value, not per row, so a million-row column
    of a handful of answers costs one ``isin``.
    """
    values = list(values)
    allowed = frozenset(lookup_key(value) for value in values)
    shown = ", ".join(sorted(values))

    def check(series: pd.Series) -> pd.Series:
        distinct = series.dropna().unique()
        wrong = [value for value in distinct if lookup_key(str(value)) not in allowed]
        return ~series.isin(wrong)

    return pa.Check(check, name=label, error=f"not one of: {shown}")


def score_1_to_5() -> pa.Check:
    """A score of the 1-5 scale the forms print (Appendix 2; Appendix 4, question 2)."""
    return pa.Check.isin(["1", "2", "3", "4", "5"], name="score_1_to_5", error="not a score 1-5")


def build_schema(input_name: str, checks: Mapping[str, list[pa.Check]] | None = None) -> pa.DataFrameSchema:
    """The raw-layer shape of one input, with value checks on the columns named in ``checks``.

    Every canonical column is nullable text (empty cells are row-level findings, for
    dbt); ``source_row`` is a positive, unique row number; nothing else is allowed
    (strict), since ``extra_columns`` already holds what the form does not define.
    """
    checks = checks or {}
    specs = input_columns(input_name)
    unknown = set(checks) - {spec.name for spec in specs}
    if unknown:
        raise ValueError(f"checks for columns {sorted(unknown)} that input {input_name!r} does not have")
    columns = {
        spec.name: pa.Column(str, nullable=True, checks=checks.get(spec.name, []), title=spec.title_ru)
        for spec in specs
    }
    columns["source_row"] = pa.Column("int32", checks=pa.Check.gt(0, error="row number not positive"),
                                      unique=True, nullable=False)
    columns["extra_columns"] = pa.Column(str, nullable=True)
    return pa.DataFrameSchema(columns, strict=True, name=input_name, coerce=False)


@dataclass(frozen=True)
class Failure:
    source_row: int | None
    column: str | None  # the form's title (or the technical name for source_row / extra_columns)
    problem: str  # what is wrong; a value is shown only when it is not personal data

    def __str__(self) -> str:
        where = [f"row {self.source_row}"] if self.source_row is not None else []
        if self.column:
            where.append(f"column «{self.column}»")
        return f"{', '.join(where)}: {self.problem}" if where else self.problem


class ContractViolation(InputFileError):
    """A file that does not fit its input contract; ``failures`` holds every problem found.

    With one failure, ``row`` and ``column`` point at it, so it reads like any other
    ``InputFileError``; with several, the message lists the first ``MAX_LISTED`` (each with
    its row and column title) and counts the rest.
    """

    def __init__(self, path: Path | str | None, failures: list[Failure]) -> None:
        self.failures = failures
        self.source = path
        if len(failures) == 1:
            only = failures[0]
            super().__init__(path, f"contract failure: {only.problem}", row=only.source_row,
                             column=only.column)
            return
        listed = "; ".join(str(failure) for failure in failures[:MAX_LISTED])
        more = len(failures) - MAX_LISTED
        message = f"{len(failures)} contract failures: {listed}"
        if more > 0:
            message += f"; … and {more} more"
        super().__init__(path, message)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.source, self.failures))


def validate_rows(input_name: str, schema: pa.DataFrameSchema, rows: pyarrow.Table,
                  source: Path | str | None = None) -> None:
    """Check ``rows`` against ``schema``; raise ``ContractViolation`` listing every failure.

    ``source`` (the landing file, absolute or relative to the landing folder) names the
    file in the message.
    """
    check = PartwiseCheck(input_name, schema, source)
    check.add(rows)
    check.finish()


class PartwiseCheck:
    """The contract checked on a file's rows part by part, as a reader streams them.

    The structure (columns, types) is checked on no rows at all, once; the values only in
    the columns that have checks (a registry has none: turning a million rows of 26 text
    columns into Python objects to find that out cost seconds and gigabytes), part by part.
    Row numbers are unique within a part here and across parts by the reader's
    construction (they only grow). ``finish`` raises ``ContractViolation`` with every failure.
    """

    def __init__(self, input_name: str, schema: pa.DataFrameSchema, source: Path | str | None) -> None:
        self.input_name, self.schema, self.source = input_name, schema, source
        self.failures: list[Failure] = []
        self._structure_checked = False

    def add(self, rows: pyarrow.Table) -> None:
        checked = [name for name, column in self.schema.columns.items()
                   if (column.checks or column.unique) and name in rows.column_names]
        parts = [] if self._structure_checked else [(self.schema, rows.slice(0, 0).to_pandas())]
        parts.append((self.schema.select_columns(checked), rows.select(checked).to_pandas()))
        self._structure_checked = True
        for part, frame in parts:
            try:
                part.validate(frame, lazy=True)
            except pa.errors.SchemaErrors as errors:
                self.failures += _failures(errors.failure_cases, frame, input_columns(self.input_name))
            except pa.errors.SchemaError as error:  # raised eagerly for some frame-level problems
                self.failures.append(Failure(None, None, _plain(str(error))))  # pandera's text quotes values

    def reset(self) -> None:
        """Forget the parts seen (the reader starts the file again another way)."""
        self.failures = []
        self._structure_checked = False

    def finish(self) -> None:
        if self.failures:
            raise ContractViolation(self.source, _ordered(self.failures, input_columns(self.input_name))) \
                from None


def _failures(cases: pd.DataFrame, frame: pd.DataFrame, specs: tuple[ColumnSpec, ...]) -> list[Failure]:
    by_name = {spec.name: spec for spec in specs}
    source_rows = frame["source_row"] if "source_row" in frame else None
    failures = []
    for case in cases.itertuples(index=False):
        column = case.column if isinstance(case.column, str) else None
        spec = by_name.get(column) if column else None
        row = None
        if source_rows is not None and case.index is not None and not pd.isna(case.index):
            row = int(source_rows.iloc[int(case.index)]) if column != "source_row" else None
        value = case.failure_case
        if case.schema_context == "DataFrameSchema":
            problem = _frame_problem(str(case.check), str(value), by_name)
            failures.append(Failure(None, None, problem))
            continue
        check = str(case.check)
        if column == "source_row":
            failures.append(Failure(None, "source_row", f"{_check_text(check)} (row number {value})"))
            continue
        if check.startswith("dtype("):
            failures.append(Failure(None, spec.title_ru if spec else column,
                                    f"column is {value}, expected text"))
            continue
        # A value is shown only from a column without personal data, and only when it could be a
        # value of the column's own domain (a score, a date, a code: a short token without
        # letters) and does not look like an identifier; anything else (a name typed into a score
        # column) is described, never quoted.
        hidden = spec is None or spec.personal_data or looks_personal(str(value))
        shown = "(hidden: personal data)" if hidden else describe_value(value)
        failures.append(Failure(row, spec.title_ru if spec else column, f"{_check_text(check)}: {shown}"))
    return failures


def _ordered(failures: list[Failure], specs: tuple[ColumnSpec, ...]) -> list[Failure]:
    """File-level problems first, then by row and by the column's place in the form."""
    order = {spec.title_ru: spec.position for spec in specs}
    return sorted(failures, key=lambda f: (f.source_row is not None, f.source_row or 0, order.get(f.column or "", 0)))


def _frame_problem(check: str, value: str, by_name: Mapping[str, ColumnSpec]) -> str:
    title = by_name[value].title_ru if value in by_name else value
    if check == "column_in_schema":
        return f"unexpected column {value!r} (not part of the contract)"
    if check == "column_in_dataframe":
        return f"column «{title}» is missing"
    return f"{check}: {value}"


_CHECK_TEXT = {
    "score_1_to_5": "not a score 1-5",
    "field_uniqueness": "row number repeated",
    "greater_than(0)": "row number not positive",
}


def _check_text(check: str) -> str:
    if check in _CHECK_TEXT:
        return _CHECK_TEXT[check]
    if check.startswith("isin(") or check.startswith("one_of_"):
        return "value not allowed"
    return check


MAX_SHOWN_CHARS = 12  # a score, a date, a code; never a name, an address or a sentence


def describe_value(value: object) -> str:
    """A failing cell as a message may show it: quoted when it is a short token without letters
    ('7', '0', '12.05.2019', '-'), else described by its shape ('текст из 3 слов'), since text
    with letters in a score or code column is most often a name typed into the wrong cell."""
    text = str(value)
    if len(text) <= MAX_SHOWN_CHARS and not any(char.isalpha() for char in text) and text.isprintable():
        return repr(text)
    words = len(text.split())
    if any(char.isalpha() for char in text):
        ending = "слова" if words % 10 == 1 and words % 100 != 11 else "слов"
        return f"текст из {words} {ending}"
    return f"значение из {len(text)} символов без букв"


def _plain(message: str) -> str:
    """First line of a pandera message, identifiers masked (it may quote a value)."""
    first = message.splitlines()[0] if message else "contract failure"
    first = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", first)  # a quoted cell may be a name
    return " ".join(mask(word) if word.isdigit() and len(word) >= 8 else word for word in first.split())
