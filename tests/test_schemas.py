"""Input contracts (pandera): structure, and allowed values only where the regulation fixes them."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from orchestration.input_errors import InputFileError
from orchestration.reference import INPUTS, input_columns
from schemas import ContractViolation, schema_for, validate

QUESTIONNAIRE_SCORE = "Степень полезности полученной консультации"


def rows_for(input_name: str, n: int = 3, first_row: int = 4, **values: list[str | None]) -> pa.Table:
    """A raw-layer table as the reader returns it: every column text, filled with 'x' unless given."""
    columns: dict[str, pa.Array] = {}
    for spec in input_columns(input_name):
        columns[spec.name] = pa.array(values.get(spec.name, ["x"] * n), pa.string())
    columns["source_row"] = pa.array(np.arange(first_row, first_row + n, dtype=np.int32))
    columns["extra_columns"] = pa.nulls(n, pa.string())
    return pa.table(columns)


def valid_questionnaires(n: int = 3, **values: list[str | None]) -> pa.Table:
    scores = {name: ["5", "1", None][:n] for name in ("score_usefulness", "score_organisation",
                                                      "score_expectations", "score_satisfaction")}
    return rows_for("questionnaires", n, **(scores | values))


def valid_phone_survey(n: int = 3, **values: list[str | None]) -> pa.Table:
    defaults = {"q2_quality": ["5", "3", None], "call_outcome": ["Ответил", "no_answer", "ОТКАЗ ОТ ОПРОСА"],
                "q1_received": ["Да", "нет", None], "q3_helped": ["да", "Иә", None],
                "q4_interested": ["Нет", "жоқ", "yes"]}
    return rows_for("phone_survey", n, **(defaults | values))


@pytest.mark.parametrize("input_name", INPUTS)
def test_every_input_has_a_contract_covering_its_columns(input_name):
    schema = schema_for(input_name)
    assert set(schema.columns) == {spec.name for spec in input_columns(input_name)} | {"source_row",
                                                                                        "extra_columns"}


def test_registry_structure_passes_whatever_the_values():
    # Wrong IINs or regions are row-level rules in dbt: the contract only checks structure.
    validate("registry", rows_for("registry", iin_bin=["1", None, "abc"], region=["Марс", None, "?"]))


def test_registry_missing_column_rejected():
    rows = rows_for("registry").drop_columns(["gender"])
    with pytest.raises(ContractViolation) as error:
        validate("registry", rows, "/data/landing/registry/2019-03/v1.xlsx")
    assert str(error.value) == ("registry/2019-03/v1.xlsx: contract failure: column «Пол клиента» is missing")


def test_unexpected_column_rejected():
    rows = rows_for("acts", confirmation_method=["ЭЦП"] * 3).append_column("note", pa.array(["a", "b", "c"]))
    with pytest.raises(ContractViolation, match=r"unexpected column 'note' \(not part of the contract\)"):
        validate("acts", rows)


def test_source_row_must_be_unique():
    rows = rows_for("registry").set_column(
        len(input_columns("registry")), "source_row", pa.array([4, 5, 5], pa.int32()))
    with pytest.raises(ContractViolation) as error:
        validate("registry", rows)
    assert "column «source_row»: row number repeated (row number 5)" in str(error.value)


def test_source_row_must_be_positive():
    with pytest.raises(ContractViolation, match="row number not positive"):
        validate("registry", rows_for("registry", first_row=0, n=2))


def test_questionnaire_scores_1_to_5_pass():
    validate("questionnaires", valid_questionnaires())


def test_questionnaire_score_out_of_range_names_row_and_column():
    rows = valid_questionnaires(score_usefulness=["5", "7", None])
    with pytest.raises(ContractViolation) as error:
        validate("questionnaires", rows, "/data/landing/questionnaires/2019-03.xlsx")
    assert isinstance(error.value, InputFileError)
    assert (error.value.row, error.value.column) == (5, QUESTIONNAIRE_SCORE)
    assert str(error.value) == (f"questionnaires/2019-03.xlsx, row 5, column «{QUESTIONNAIRE_SCORE}»: "
                                "contract failure: not a score 1-5: '7'")


def test_every_failure_is_reported_first_twenty_listed():
    n = 30
    scores = ("score_usefulness", "score_organisation", "score_expectations", "score_satisfaction")
    rows = valid_questionnaires(n, **{name: ["0"] * n for name in scores})
    with pytest.raises(ContractViolation) as error:
        validate("questionnaires", rows)
    assert len(error.value.failures) == 4 * n
    message = str(error.value)
    assert message.startswith(
        f"120 contract failures: row 4, column «{QUESTIONNAIRE_SCORE}»: not a score 1-5")
    assert message.endswith("; … and 100 more")
    assert message.count("not a score 1-5") == 20


def test_phone_survey_allowed_answers_pass():
    validate("phone_survey", valid_phone_survey())


def test_phone_survey_unknown_call_outcome_rejected():
    rows = valid_phone_survey(call_outcome=["Ответил", "перезвонить", None])
    with pytest.raises(ContractViolation) as error:
        validate("phone_survey", rows)
    assert (error.value.row, error.value.column) == (5, "Результат звонка")
    assert "not one of: answered, no_answer, refused, wrong_number, Не отвечает" in str(error.value)


def test_phone_survey_yes_no_answers():
    rows = valid_phone_survey(q3_helped=["да", "возможно", None])
    with pytest.raises(ContractViolation) as error:
        validate("phone_survey", rows)
    assert error.value.column == "3. Помогла ли услуга в Вашем бизнесе?"
    assert str(error.value).endswith(": текст из 1 слова")  # a word may be a name: never quoted


def test_phone_survey_quality_score():
    with pytest.raises(ContractViolation, match=r"row 4, column «2. Оценка качества услуги \(1–5\)»"):
        validate("phone_survey", valid_phone_survey(q2_quality=["6", "5", "4"]))


def test_acts_confirmation_methods():
    validate("acts", rows_for("acts", confirmation_method=["ЭЦП", "eds", "Двухфакторная аутентификация"]))
    with pytest.raises(ContractViolation, match="not one of: "):
        validate("acts", rows_for("acts", confirmation_method=["ЭЦП", "подпись", None]))


def test_values_compared_the_way_dbt_looks_them_up():
    # lookup_key: case, ё/е, inner spaces, Latin look-alikes («OTKAЗ» typed with Latin O, T, K, A)
    validate("phone_survey", valid_phone_survey(call_outcome=["OTKAЗ ОТ  ОПРОСА", "НЕ ОТВЕЧАЕТ", "ответил"]))
    validate("acts", rows_for("acts", confirmation_method=["эцп", "ЭЦП", "Трёхфакторная аутентификация"]))


def test_failures_never_show_personal_data():
    rows = rows_for("phone_survey", iin_bin=["900101300123"] * 3, call_outcome=["x", "y", "z"])
    with pytest.raises(ContractViolation) as error:
        validate("phone_survey", rows)
    assert "900101300123" not in str(error.value)


@pytest.mark.parametrize(("input_name", "column", "title"), [
    ("questionnaires", "score_usefulness", QUESTIONNAIRE_SCORE),
    ("phone_survey", "call_outcome", "Результат звонка"),
    ("phone_survey", "q2_quality", None),
])
def test_a_name_typed_into_a_checked_column_is_described_never_quoted(input_name, column, title):
    name = "Жумабаева Айгерим Сериковна"
    rows = rows_for(input_name, **{column: [name, "Ахметов Ерлан", "7"]})
    with pytest.raises(ContractViolation) as error:
        validate(input_name, rows, f"{input_name}/2019-03.xlsx")
    message = str(error.value)
    for part in ("Жумабаева", "Айгерим", "Сериковна", "Ахметов", "Ерлан"):
        assert part not in message
    assert "row 4" in message and "текст из 3 слов" in message
    assert "row 5" in message and "текст из 2 слов" in message
    if title:
        assert f"column «{title}»" in message
    if column.startswith(("score", "q2")):  # a short token without letters fits a score's shape: shown
        assert "row 6, column" in message and "'7'" in message


def test_million_rows_validate(benchmark_rows=1_000_000):
    n = benchmark_rows
    scores = pa.array(["5", "4", "3", None] * (n // 4), pa.string())
    rows = rows_for("questionnaires", n, **{name: scores for name in (
        "score_usefulness", "score_organisation", "score_expectations", "score_satisfaction")},
        **{spec.name: pa.array(["x"] * n) for spec in input_columns("questionnaires")
           if not spec.name.startswith("score_")})
    validate("questionnaires", rows)


def test_contract_violation_survives_pickling():
    import pickle

    with pytest.raises(ContractViolation) as error:
        validate("acts", rows_for("acts", confirmation_method=["подпись", None, None]), "acts/2019-03.xlsx")
    copy = pickle.loads(pickle.dumps(error.value))
    assert (str(copy), copy.failures) == (str(error.value), error.value.failures)


def test_unknown_input_rejected():
    with pytest.raises(ValueError, match="unknown input 'invoices'"):
        validate("invoices", rows_for("acts"))
