"""The landing folder: where each input's files are found, how a file is dated, and why a file is not taken.

Layout (a contract shared with the operator's export and the sample generator):

    landing/registry/<YYYY-MM>/v<N>.xlsx|.xls|.csv|.txt  (+ optional v<N>.meta.json {"submitted_at": ISO-8601})
    landing/questionnaires/<YYYY-MM>.<ext>
    landing/acts/<YYYY-MM>.<ext>
    landing/phone_survey/<YYYY-Qn>.<ext>   (one file per quarter)

Names are read as a person means them: extensions and the 'v' in any case, 'v02' is version 2,
'v1 (1).xlsx' (a browser's second download) is version 1, a folder '2019-5' or '2019-10 ' is that
month (the file's notes say how the name was read). Every other file under the landing folder is
accounted for (``scan``): taken (``LandingFile``), still being written (``waiting``: changed within
the settle interval, or a '.part', '.tmp', '~$' file, which is ignored), or not taken with a reason
in Russian the operator can act on (``Unaccepted``), which ingestion records in raw.rejected_files.
A problem of one file (its name, its sidecar, a second file for the same version) never stops the
scan of the others.

Without a sidecar, a file's submission time is the first time the system saw it
(recorded in raw.batches), which is the only honest answer for a file dropped by hand.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from orchestration.settings import PROGRAMME_START, landing_settle_seconds

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".txt", ".tsv")
SIDECAR_SUFFIX = ".meta.json"
INPUT_FOLDERS = ("registry", "questionnaires", "acts", "phone_survey")
# Files an upload or an editor leaves while it works: never data, never reported.
_IN_PROGRESS_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".download", ".filepart")
_SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})
MAX_VERSION = 999

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
# As a person writes them: '2019-5', '2019-05 ', '2019_05', '2019.05'.
_LOOSE_MONTH = re.compile(r"^\s*(\d{4})\s*[-_.]\s*(\d{1,2})\s*$")
_LOOSE_QUARTER = re.compile(r"^\s*(\d{4})\s*[-_.]?\s*[QqКк]\s*(\d)\s*$")
# 'v2', 'V2', 'v02', 'v 2', and a download copy 'v2 (1)'.
_LOOSE_VERSION = re.compile(r"^\s*[vVвВ]\s*(\d+)\s*(\(\d+\))?\s*$")


class LandingError(ValueError):
    """A file whose name or sidecar does not follow the landing layout."""


@dataclass(frozen=True)
class LandingFile:
    input: str
    period: str  # 'YYYY-MM' or 'YYYY-Qn'
    version: int
    path: Path
    submitted_at: datetime | None
    notes: tuple[str, ...] = ()  # how a name was read, when not as the layout spells it

    @property
    def month(self) -> str:
        """The monthly partition this file belongs to (a quarter's file: its last month)."""
        return period_month(self.period)


@dataclass(frozen=True)
class Unaccepted:
    """A file under the landing folder that is not taken, and why (Russian, for the operator)."""

    input: str  # the input folder it sits in, or 'landing' when it sits in none
    period: str  # the period its name means, or its folder's name as written ('' when none)
    version: int  # the version its name means, 0 when none
    path: Path
    reason: str
    month: str | None  # the reporting month it belongs to, None when its name tells none


@dataclass
class LandingScan:
    files: list[LandingFile] = field(default_factory=list)
    unaccepted: list[Unaccepted] = field(default_factory=list)
    waiting: list[Path] = field(default_factory=list)  # still being written: looked at again later


def period_month(period: str) -> str:
    quarter = _QUARTER.match(period)
    if quarter:
        return f"{quarter.group(1)}-{int(quarter.group(2)) * 3:02d}"
    return period


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _shown(path: Path, landing_dir: Path) -> str:
    """The path as the operator sees it in the landing folder ('registry/2019-03/v1.meta.json')."""
    try:
        return path.relative_to(landing_dir).as_posix()
    except ValueError:
        return path.name


def read_sidecar(data_file: Path, sidecar: Path | None = None, landing_dir: Path | None = None,
                 month: str | None = None, now: datetime | None = None) -> datetime | None:
    """The submission time a sidecar declares, or None without one; ``LandingError`` (Russian,
    naming the sidecar with its folder) when it cannot be read, has no UTC offset, or dates the
    file before its month began or after ``now``."""
    sidecar = sidecar or data_file.with_name(f"{data_file.stem}{SIDECAR_SUFFIX}")
    if not sidecar.exists():
        return None
    name = _shown(sidecar, landing_dir) if landing_dir else f"{sidecar.parent.name}/{sidecar.name}"
    expected = 'ожидается {"submitted_at": "ГГГГ-ММ-ДДTчч:мм:сс+06:00"}'
    try:
        value = json.loads(sidecar.read_text(encoding="utf-8-sig"))["submitted_at"]
        submitted_at = datetime.fromisoformat(value)
    except json.JSONDecodeError:
        raise LandingError(f"{name}: сопроводительный файл не является корректным JSON; {expected}") from None
    except (KeyError, TypeError, AttributeError):
        raise LandingError(f"{name}: в сопроводительном файле нет поля submitted_at; {expected}") from None
    except (ValueError, UnicodeDecodeError):
        raise LandingError(f"{name}: время submitted_at не читается как дата и время; {expected}") from None
    if submitted_at.tzinfo is None:
        raise LandingError(f"{name}: время submitted_at {value!r} указано без смещения от UTC "
                           f"(например, +06:00); {expected}")
    if month is not None and submitted_at.date() < month_start(month):
        raise LandingError(f"{name}: время представления {submitted_at.isoformat()} раньше начала "
                           f"отчётного месяца {month}; укажите фактическое время представления")
    if now is not None and submitted_at > now:
        raise LandingError(f"{name}: время представления {submitted_at.isoformat()} ещё не наступило "
                           f"(сейчас {now.astimezone(submitted_at.tzinfo).isoformat(timespec='seconds')}); "
                           "укажите фактическое время представления")
    return submitted_at


def _in_progress(name: str) -> bool:
    lowered = name.lower()
    return (name.startswith(("~$", ".~lock")) or lowered.endswith(_IN_PROGRESS_SUFFIXES)
            or name.startswith(".") or lowered in _SYSTEM_FILES)


def _settled(path: Path, settle_seconds: float, wall_now: float) -> bool:
    """Whether the file has not changed for ``settle_seconds``: its mtime and its inode change
    time (which a copy that keeps the original mtime still moves) are that old."""
    if settle_seconds <= 0:
        return True
    stat = path.stat()
    return wall_now - max(stat.st_mtime, stat.st_ctime) >= settle_seconds


def _month_of(name: str) -> str | None:
    loose = _LOOSE_MONTH.match(name)
    if not loose:
        return None
    year, month = int(loose.group(1)), int(loose.group(2))
    return f"{year:04d}-{month:02d}" if 1 <= month <= 12 else None


def _quarter_of(name: str) -> str | None:
    loose = _LOOSE_QUARTER.match(name)
    if not loose or not 1 <= int(loose.group(2)) <= 4:
        return None
    return f"{int(loose.group(1)):04d}-Q{loose.group(2)}"


def _split_name(name: str) -> tuple[str, str]:
    """Stem and suffix (lower case) of a data file; a sidecar's suffix is '.meta.json'."""
    lowered = name.lower()
    if lowered.endswith(SIDECAR_SUFFIX):
        return name[: -len(SIDECAR_SUFFIX)], SIDECAR_SUFFIX
    stem, dot, suffix = name.rpartition(".")
    return (stem, f".{suffix.lower()}") if dot and stem else (name, "")


_SUPPORTED = "принимаются файлы .xlsx, .xls, .csv и .txt (текст с разделителями)"


def scan(landing_dir: Path, now: datetime | None = None, settle_seconds: float | None = None,
         clock: Callable[[], float] = time.time) -> LandingScan:
    """Every file under the landing folder: taken, waiting, or not taken with its reason.

    ``now`` is the evaluation time a sidecar may not be later than (default: the clock);
    ``settle_seconds`` how long a file must have been unchanged to be taken (default: the
    setting ``MONITORING_LANDING_SETTLE_SECONDS``), by ``clock`` (seconds since the epoch, as file
    times are).
    """
    now = now or datetime.now(UTC)
    settle = landing_settle_seconds() if settle_seconds is None else settle_seconds
    result = LandingScan()
    if not landing_dir.is_dir():
        return result
    root = landing_dir.resolve()
    wall_now = clock()
    candidates: list[tuple[str, str | None, str, Path, list[str]]] = []  # input, period, folder, path, notes

    def unaccepted(input_name: str, period: str, path: Path, reason: str, month: str | None,
                   version: int = 0) -> None:
        result.unaccepted.append(Unaccepted(input_name, period, version, path,
                                            f"{_shown(path, landing_dir)}: {reason}", month))

    for path in _walk(landing_dir):
        relative = path.relative_to(landing_dir).parts
        if any(_in_progress(part) for part in relative):
            continue
        input_name = relative[0] if relative[0] in INPUT_FOLDERS else "landing"
        try:
            if path.is_symlink() and not path.resolve().is_relative_to(root):
                unaccepted(input_name, "", path, "это ссылка на файл вне папки приёма; положите в папку "
                           "сам файл", None)
                continue
            if not path.is_file():  # a broken link, a socket, …
                unaccepted(input_name, "", path, "это не файл (ссылка никуда не ведёт); положите в папку "
                           "сам файл", None)
                continue
            if not _settled(path, settle, wall_now):
                result.waiting.append(path)
                continue
        except OSError as exc:
            unaccepted(input_name, "", path, f"файл недоступен для чтения ({type(exc).__name__})", None)
            continue
        _, suffix = _split_name(path.name)
        if input_name == "landing":
            unaccepted("landing", "", path, "файл лежит вне папок входных данных; реестр кладётся в "
                       "registry/ГГГГ-ММ/, анкеты — в questionnaires/, акты — в acts/, результаты "
                       "обзвона — в phone_survey/", None)
            continue
        if input_name == "registry":
            if len(relative) != 3:
                unaccepted(input_name, "", path, "файл реестра должен лежать в папке месяца "
                           "registry/ГГГГ-ММ/ и называться vN (номер версии)", None)
                continue
            folder = relative[1]
            month = _month_of(folder)
            if month is None:
                unaccepted(input_name, folder, path, f"папка «{folder}» не названа отчётным месяцем в виде "
                           "ГГГГ-ММ (например, 2019-05); файл не загружен", None)
                continue
            notes = [] if folder == month else [f"папка «{folder}» прочитана как месяц {month}"]
            candidates.append((input_name, month, folder, path, notes))
        else:
            if len(relative) != 2:
                unaccepted(input_name, "", path, f"файл должен лежать прямо в папке {input_name}/, без "
                           "вложенных папок", None)
                continue
            stem = _split_name(path.name)[0]
            period = _quarter_of(stem) if input_name == "phone_survey" else _month_of(stem)
            candidates.append((input_name, period, "", path, []))
    _assemble(landing_dir, candidates, now, result, unaccepted)
    return result


def _walk(landing_dir: Path) -> list[Path]:
    """Every file (and link) under the folder, in a stable order; links to folders not followed."""
    found = []
    for folder, dirs, names in os.walk(landing_dir, followlinks=False):
        dirs.sort()
        base = Path(folder)
        for name in sorted(names):
            found.append(base / name)
        for name in dirs:  # a link to a folder is reported, not entered
            if (base / name).is_symlink():
                found.append(base / name)
    return sorted(found)


def _assemble(landing_dir: Path, candidates, now: datetime, result: LandingScan, unaccepted) -> None:
    """Names to (input, period, version); sidecars to their files; two files for one version refused."""
    by_folder: dict[Path, dict[str, Path]] = {}
    for _, _, _, path, _ in candidates:
        by_folder.setdefault(path.parent, {})[path.name.lower()] = path
    used_sidecars: set[Path] = set()
    parsed: list[tuple[str, str, int, Path, list[str]]] = []
    for input_name, period, _folder, path, notes in candidates:
        stem, suffix = _split_name(path.name)
        if suffix == SIDECAR_SUFFIX:
            continue  # taken with its data file below; an orphan is reported afterwards
        month = period_month(period) if period else None
        if suffix not in SUFFIXES:
            shown_suffix = f"«{suffix}»" if suffix else "без расширения"
            unaccepted(input_name, period or "", path, f"формат файла {shown_suffix} не поддерживается: "
                       f"{_SUPPORTED}", month)
            continue
        if input_name == "registry":
            version = _LOOSE_VERSION.match(stem)
            if not version:
                unaccepted(input_name, period, path, f"имя «{path.name}» не является номером версии "
                           "реестра; назовите файл v1, v2, … по порядку представления", month)
                continue
            number = int(version.group(1))
            if not 1 <= number <= MAX_VERSION:
                unaccepted(input_name, period, path, f"номер версии {version.group(1)} вне допустимых "
                           f"пределов (от 1 до {MAX_VERSION}); назовите файл v1, v2, … по порядку "
                           "представления", month)
                continue
            if stem != f"v{number}":
                notes = [*notes, f"имя «{path.name}» прочитано как версия v{number}"]
        else:
            if period is None:
                spelt = "ГГГГ-Qn (например, 2019-Q1)" if input_name == "phone_survey" else \
                    "ГГГГ-ММ (например, 2019-03)"
                unaccepted(input_name, "", path, f"имя «{path.name}» не является периодом в виде {spelt}",
                           None)
                continue
            number = 1
            if stem != period:
                notes = [*notes, f"имя «{path.name}» прочитано как период {period}"]
        parsed.append((input_name, period, number, path, notes))
    groups: dict[tuple[str, str, int], list[tuple[str, str, int, Path, list[str]]]] = {}
    for entry in parsed:
        groups.setdefault(entry[:3], []).append(entry)
    for (input_name, period, number), entries in sorted(groups.items()):
        month = period_month(period)
        if len(entries) > 1:
            names = ", ".join(f"«{_shown(e[3], landing_dir)}»" for e in entries)
            what = f"версии v{number} за {period}" if input_name == "registry" else f"периода {period}"
            for entry in entries:
                unaccepted(input_name, period, entry[3], f"для {what} представлено несколько файлов ({names}); "
                           "ни один не загружен — оставьте один файл", month, number)
            continue
        (_, _, _, path, notes), = entries
        stem = _split_name(path.name)[0]
        sidecar = by_folder[path.parent].get(f"{stem}{SIDECAR_SUFFIX}".lower())
        if sidecar is not None:
            used_sidecars.add(sidecar)
        try:
            submitted_at = read_sidecar(path, sidecar or path.with_name(f"{stem}{SIDECAR_SUFFIX}"), landing_dir,
                                        month, now)
        except LandingError as exc:
            unaccepted(input_name, period, path, f"файл не загружен: {exc}", month, number)
            continue
        except OSError as exc:
            unaccepted(input_name, period, path, f"сопроводительный файл недоступен ({type(exc).__name__})",
                       month, number)
            continue
        result.files.append(LandingFile(input_name, period, number, path, submitted_at, tuple(notes)))
    for input_name, period, _, path, _ in candidates:
        if _split_name(path.name)[1] == SIDECAR_SUFFIX and path not in used_sidecars:
            data_named = by_folder[path.parent]
            stem = _split_name(path.name)[0]
            if any(_split_name(name)[0].lower() == stem.lower() for name in data_named
                   if not name.endswith(SIDECAR_SUFFIX)):
                continue  # its data file was not taken: the data file's own reason covers both
            unaccepted(input_name, period or "", path, "сопроводительный файл без файла данных с тем же "
                       "именем; положите рядом с ним файл реестра или удалите его",
                       period_month(period) if period else None)


def discover(landing_dir: Path, now: datetime | None = None) -> list[LandingFile]:
    """Every input file taken from the landing folder, in a stable order (``scan`` says why others are not)."""
    return scan(landing_dir, now).files


def files_for_months(landing_dir: Path, months: set[str], inputs: set[str]) -> list[LandingFile]:
    return [f for f in discover(landing_dir) if f.month in months and f.input in inputs]


def received_months(landing_dir: Path, input_name: str) -> set[str]:
    """Months with at least one file of ``input_name`` delivered, taken or not (a rejected file was
    still delivered); files still being written are not yet received."""
    found = scan(landing_dir)
    return ({f.month for f in found.files if f.input == input_name}
            | {u.month for u in found.unaccepted if u.input == input_name and u.month})


def month_start(month: str) -> date:
    year, mon = month.split("-")
    return date(int(year), int(mon), 1)


def before_programme(month: str) -> bool:
    return month < PROGRAMME_START
