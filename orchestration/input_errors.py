"""The error that rejects a whole landing file, named by file, row and column.

Shared by the readers (``orchestration.ingestion``) and the contracts (``schemas``), which
both reject files; kept apart from either so that neither package needs the other.
"""

from __future__ import annotations

from pathlib import Path

from orchestration.reference import INPUTS


class InputFileError(Exception):
    """A landing file that cannot be read as its form: the whole file is rejected.

    ``str()`` reads "registry/2019-03/v1.xlsx, row 5, column «ИИН ИП /БИН субъектов МСБ":
    …": the file as it sits in the landing folder, then the row as Excel numbers it and
    the column by its title in the form, when the problem has a place.
    """

    def __init__(self, path: Path | str | None, message: str, row: int | None = None,
                 column: str | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.message = message
        self.row = row
        self.column = column
        super().__init__(str(self))

    def __reduce__(self) -> tuple[object, ...]:
        # Rebuilt from its fields when pickled (e.g. across a multiprocess executor).
        return (type(self), (self.path, self.message, self.row, self.column))

    def __str__(self) -> str:
        where = [display_path(self.path)] if self.path is not None else []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column «{self.column}»")
        return f"{', '.join(where)}: {self.message}" if where else self.message


def display_path(path: Path) -> str:
    """The path from the input's landing folder down ('registry/2019-03/v1.xlsx').

    Keeps messages short and free of the machine's directory layout.
    """
    parts = path.parts
    for index in range(len(parts) - 2, -1, -1):
        if parts[index] in INPUTS:
            return "/".join(parts[index:])
    return path.name
