"""The landing folder: where each input's files are found and how a file is dated.

Layout (a contract shared with the operator's export and the sample generator):

    landing/registry/<YYYY-MM>/v<N>.xlsx|.csv  (+ optional v<N>.meta.json {"submitted_at": ISO-8601})
    landing/questionnaires/<YYYY-MM>.xlsx|.csv
    landing/acts/<YYYY-MM>.xlsx|.csv
    landing/phone_survey/<YYYY-Qn>.xlsx|.csv   (one file per quarter)

Without a sidecar, a file's submission time is the first time the system saw it
(recorded in raw.batches), which is the only honest answer for a file dropped by hand.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

SUFFIXES = (".xlsx", ".csv")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_VERSION = re.compile(r"^v(\d+)$")


class LandingError(ValueError):
    """A file whose name or sidecar does not follow the landing layout."""


@dataclass(frozen=True)
class LandingFile:
    input: str
    period: str  # 'YYYY-MM' or 'YYYY-Qn'
    version: int
    path: Path
    submitted_at: datetime | None

    @property
    def month(self) -> str:
        """The monthly partition this file belongs to (a quarter's file: its last month)."""
        quarter = _QUARTER.match(self.period)
        if quarter:
            return f"{quarter.group(1)}-{int(quarter.group(2)) * 3:02d}"
        return self.period


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_sidecar(data_file: Path) -> datetime | None:
    sidecar = data_file.with_name(f"{data_file.stem}.meta.json")
    if not sidecar.exists():
        return None
    try:
        value = json.loads(sidecar.read_text(encoding="utf-8"))["submitted_at"]
        submitted_at = datetime.fromisoformat(value)
    except (KeyError, ValueError, TypeError) as exc:
        raise LandingError(f"{sidecar.name}: expected {{\"submitted_at\": ISO-8601 with offset}}: {exc}") from exc
    if submitted_at.tzinfo is None:
        raise LandingError(f"{sidecar.name}: submitted_at {value!r} has no UTC offset")
    return submitted_at


def _data_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)


def discover(landing_dir: Path) -> list[LandingFile]:
    """Every input file in the landing folder, in a stable order."""
    found: list[LandingFile] = []
    registry_dir = landing_dir / "registry"
    if registry_dir.is_dir():
        for month_dir in sorted(p for p in registry_dir.iterdir() if p.is_dir() and _MONTH.match(p.name)):
            for path in _data_files(month_dir):
                version = _VERSION.match(path.stem)
                if version:
                    found.append(LandingFile("registry", month_dir.name, int(version.group(1)), path,
                                             read_sidecar(path)))
    for input_name, pattern in (("questionnaires", _MONTH), ("acts", _MONTH), ("phone_survey", _QUARTER)):
        for path in _data_files(landing_dir / input_name):
            if pattern.match(path.stem):
                found.append(LandingFile(input_name, path.stem, 1, path, read_sidecar(path)))
    return found


def files_for_months(landing_dir: Path, months: set[str], inputs: set[str]) -> list[LandingFile]:
    return [f for f in discover(landing_dir) if f.month in months and f.input in inputs]


def month_start(month: str) -> date:
    year, mon = month.split("-")
    return date(int(year), int(mon), 1)
