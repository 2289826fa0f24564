"""Writing frames as the operator's and the agency's files (xlsx via xlsxwriter, or CSV via ``csvtext``).

Why xlsxwriter in constant_memory mode: rows are streamed to disk in order, so a 20k-row
registry is written in a second or two and memory stays flat. IIN/BIN go into text cells
(except the Excel-mangled ones, written as numbers on purpose), dates into real date
cells unless the row's ``x_text_<column>`` hint says the operator typed them as text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from orchestration.reference import input_columns
from orchestration.tools.sample_data import csvtext
from orchestration.tools.sample_data.dates import EXCEL_EPOCH, format_days
from orchestration.tools.sample_data.frames import Table

MONTHS_RU = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)
DATE_FORMAT = "dd.mm.yyyy"


def registry_title(year: int, month: int) -> str:
    return f"Информация о ходе реализации сервисной поддержки за {MONTHS_RU[month - 1]} {year} года"


def _prepared(
    frame: Table | pd.DataFrame, names: Sequence[str], date_columns: Sequence[str], text_dates: bool
) -> list[list[object]]:
    """Column lists ready to write: dates as Excel serials (int) or 'dd.mm.yyyy' text."""
    out = []
    for name in names:
        values = np.asarray(frame[name])
        if name in date_columns:
            as_text = (
                np.asarray(frame[f"x_text_{name}"])
                if f"x_text_{name}" in frame
                else np.zeros(len(frame), dtype=bool)
            )
            if text_dates:
                out.append(format_days(values).tolist())
            else:
                serial = (values.astype(np.int64) - EXCEL_EPOCH).tolist()
                text = format_days(values).tolist()
                out.append(
                    [t if flag else s for s, t, flag in zip(serial, text, as_text.tolist(), strict=True)]
                )
        else:
            out.append(values.tolist())
    return out


def write_xlsx(
    path: Path,
    frame: Table | pd.DataFrame,
    input_name: str,
    *,
    sheet: str,
    title: str | None,
    number_row: bool,
    date_columns: Sequence[str],
    number_columns: Sequence[str] = (),
) -> int:
    """Write one form; returns the 1-based Excel row of the first data row."""
    specs = input_columns(input_name)
    names = [s.name for s in specs]
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    book.set_properties({"created": pd.Timestamp("2019-01-01").to_pydatetime()})  # stable bytes
    ws = book.add_worksheet(sheet)
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "border": 1})
    date_fmt = book.add_format({"num_format": DATE_FORMAT})
    row = 0
    if title:
        ws.write_string(row, 0, title, book.add_format({"bold": True, "font_size": 12}))
        row += 1
    for c, spec in enumerate(specs):
        ws.write_string(row, c, spec.title_ru, bold)
    row += 1
    if number_row:
        for c in range(len(specs)):
            ws.write_number(row, c, c + 1)
        row += 1
    first_data_row = row + 1
    columns = _prepared(frame, names, date_columns, text_dates=False)
    as_number = (
        np.asarray(frame["x_iin_number"]).tolist() if "x_iin_number" in frame else [False] * len(frame)
    )
    iin_col = names.index("iin_bin") if "iin_bin" in names else -1
    kinds = [2 if n in date_columns else 1 if n in number_columns else 0 for n in names]
    write_string, write_number = ws.write_string, ws.write_number
    for i, values in enumerate(zip(*columns, strict=True)):
        for c, value in enumerate(values):
            if value is None or value == "":
                continue
            kind = kinds[c]
            if kind == 2 and not isinstance(value, str):
                write_number(row, c, value, date_fmt)
            elif kind == 1 and not isinstance(value, str):
                write_number(row, c, value)
            elif c == iin_col and as_number[i]:
                write_number(row, c, int(value))
            else:
                write_string(row, c, str(value))
        row += 1
    ws.set_column(0, len(specs) - 1, 18)
    book.close()
    return first_data_row


def write_csv(
    path: Path,
    frame: Table | pd.DataFrame,
    input_name: str,
    *,
    encoding: str,
    delimiter: str = ";",
    date_columns: Sequence[str],
) -> int:
    """A CSV with the form's header row; every value as text, dates 'dd.mm.yyyy' (``csvtext``)."""
    specs = input_columns(input_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    csvtext.write_table(
        path,
        [s.title_ru for s in specs],
        [np.asarray(frame[s.name]) for s in specs],
        [s.name in date_columns for s in specs],
        encoding=encoding,
        delimiter=delimiter,
    )
    return 2


def write_sidecar(path: Path, submitted_at: str) -> None:
    path.write_text(json.dumps({"submitted_at": submitted_at}) + "\n", encoding="utf-8")
