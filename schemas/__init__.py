"""Pandera input contracts, one module per input (Appendix 1, 2, 4 and the acts).

``validate(input_name, rows, source)`` checks a table read by ``orchestration.ingestion.readers``
and raises ``ContractViolation`` (an ``InputFileError``) listing every failure with its
row and column title.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

import pandera.pandas as pa
import pyarrow

from orchestration.reference import INPUTS
from schemas.contract import ContractViolation, Failure, PartwiseCheck, validate_rows

__all__ = ["ContractViolation", "Failure", "PartwiseCheck", "partwise_check", "schema_for", "validate"]


def schema_for(input_name: str) -> pa.DataFrameSchema:
    """The contract of one input ('registry', 'questionnaires', 'acts', 'phone_survey')."""
    if input_name not in INPUTS:
        raise ValueError(f"unknown input {input_name!r}; expected one of {INPUTS}")
    return import_module(f"schemas.{input_name}").SCHEMA


def validate(input_name: str, rows: pyarrow.Table, source: Path | str | None = None) -> None:
    """Raise ``ContractViolation`` unless ``rows`` fit the contract of ``input_name``.

    ``source`` is the landing file (absolute, or relative to the landing folder such as
    'registry/2019-03/v1.xlsx'); it names the file in the message.
    """
    validate_rows(input_name, schema_for(input_name), rows, source)


def partwise_check(input_name: str, source: Path | str | None = None) -> PartwiseCheck:
    """The contract of ``input_name`` checked part by part (``PartwiseCheck``), for streamed rows."""
    return PartwiseCheck(input_name, schema_for(input_name), source)
