"""The landing ledger: every landing file the ingestion has accounted for, and with what content.

One JSON file beside the warehouse (``Settings.ledger_path``), keyed by the file's path relative
to the landing folder: the sha256 of the content accounted for, the size and modification time
it had then, and what became of it — ``loaded`` (a batch in raw.batches), ``rejected`` (read and
refused by its contract) or ``refused`` (not taken: its name, sidecar, folder or month; a second
file for one version). The ingestion rewrites it after every run (a temporary file renamed over
it, so a reader sees the old ledger or the new one, never half of one); the sensors read it,
because a sensor must not open warehouse.duckdb while a run may be writing it.

The ledger describes the warehouse beside it: with no warehouse file it describes nothing
(``read_ledger`` is given the warehouse path), so deleting the warehouse makes every file new again.
A run that fails before writing the ledger leaves it behind the warehouse, never ahead: a file
is then looked at again, never skipped.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path

from orchestration.ingestion.landing import LandingFile, Unaccepted, sha256_of
from orchestration.warehouse.raw import relative_to_landing

LOADED, REJECTED, REFUSED = "loaded", "rejected", "refused"
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
LEDGER_FORMAT = 1


@dataclass(frozen=True)
class Fingerprint:
    """A file's size and modification time, and the sha256 of its content ('' when unreadable)."""

    size: int
    mtime_ns: int
    sha256: str


@dataclass(frozen=True)
class Entry:
    sha256: str
    size: int
    mtime_ns: int
    status: str  # LOADED | REJECTED | REFUSED
    run_id: str  # the run that first accounted for this content with this status
    recorded_at: str


def file_stat(path: Path) -> tuple[int, int]:
    """(size, mtime in ns) of a file, (-1, -1) when it cannot be read."""
    try:
        stat = path.stat()
    except OSError:
        return -1, -1
    return stat.st_size, stat.st_mtime_ns


def fingerprint(path: Path) -> Fingerprint:
    """The file's stat, then its hash: a change after the stat shows as a different size or time,
    so the sensor hashes the file again rather than trusting the ledger."""
    size, mtime_ns = file_stat(path)
    try:
        digest = sha256_of(path)
    except OSError:  # a link to nowhere, a file without read permission
        return Fingerprint(-1, -1, "")
    return Fingerprint(size, mtime_ns, digest)


def accounted_for(entry: Entry | None, sha256: str, taken: bool) -> bool:
    """Whether a file with this content needs no ingestion: the ledger has the same content,
    loaded or rejected by its contract; or, for a file the landing scan does not take (its name,
    sidecar, month…), the same content already recorded in any way. A file refused for its name
    or a duplicate that is now taken (the duplicate removed, the sidecar's time reached) is new."""
    if entry is None or entry.sha256 != sha256:
        return False
    return not taken or entry.status in (LOADED, REJECTED)


def read_ledger(path: Path, warehouse_path: Path) -> dict[str, Entry]:
    """The ledger's entries by relative path; none without a warehouse or a readable ledger."""
    if not warehouse_path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {name: Entry(**fields) for name, fields in data["files"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}  # missing or unreadable: every file is looked at again (a run rewrites it)


def registry_months(entries: Mapping[str, Entry], status: str = LOADED) -> set[str]:
    """Months ('YYYY-MM') with a registry file of ``status`` in the ledger (``registry/YYYY-MM/…``)."""
    months = set()
    for name, entry in entries.items():
        parts = name.split("/")
        if len(parts) == 3 and parts[0] == "registry" and _MONTH.fullmatch(parts[1]) and entry.status == status:
            months.add(parts[1])
    return months


def ledger_stamp(path: Path, warehouse_path: Path) -> str:
    """What identifies the ledger's current content without reading it (size and time)."""
    if not warehouse_path.exists():
        return "no warehouse"
    size, mtime_ns = file_stat(path)
    return f"{size}:{mtime_ns}"


def write_ledger(path: Path, entries: Mapping[str, Entry]) -> None:
    """Replace the ledger atomically (a temporary file in the same folder, renamed over it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"format": LEDGER_FORMAT, "files": {name: asdict(entries[name]) for name in sorted(entries)}},
                      ensure_ascii=False, indent=1)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def fingerprints(files: Iterable[LandingFile], landing_dir: Path) -> dict[str, Fingerprint]:
    """Each file's fingerprint by relative path, taken before the files are read."""
    return {relative_to_landing(f.path, landing_dir): fingerprint(f.path) for f in files}


def record_ingestion(path: Path, warehouse_path: Path, landing_dir: Path, files: Iterable[LandingFile],
                     taken: Mapping[str, Fingerprint], outcomes: Mapping[str, Iterable[Mapping[str, object]]],
                     unaccepted: Iterable[Unaccepted], run_id: str, at: datetime) -> dict[str, Entry]:
    """Add what one ingestion run did to the ledger and write it; the new entries.

    ``files`` are the landing files the run read, ``taken`` their fingerprints from before they
    were read, ``outcomes`` what ``load_files`` returned, and ``unaccepted`` the files the run
    recorded as not taken (``load.unaccepted_in_run``: recorded now or by an earlier run).
    An entry keeps the run that first accounted for its content, so a run that loaded the same
    bytes again adds nothing new (``loaded_by``).
    """
    status_of = {str(o["file"]): str(o["status"]) for items in outcomes.values() for o in items}
    done: dict[str, tuple[Fingerprint, str]] = {}
    for landing_file in files:
        name = relative_to_landing(landing_file.path, landing_dir)
        if status_of.get(name) in (LOADED, REJECTED) and name in taken:
            done[name] = (taken[name], status_of[name])
    for item in unaccepted:
        done[relative_to_landing(item.path, landing_dir)] = (fingerprint(item.path), REFUSED)
    entries = read_ledger(path, warehouse_path)
    for name, (print_, status) in done.items():
        old = entries.get(name)
        if old is not None and old.sha256 == print_.sha256 and old.status == status:
            entries[name] = replace(old, size=print_.size, mtime_ns=print_.mtime_ns)
        else:
            entries[name] = Entry(print_.sha256, print_.size, print_.mtime_ns, status, run_id, at.isoformat())
    write_ledger(path, entries)
    return entries


def loaded_by(entries: Mapping[str, Entry], run_id: str) -> list[str]:
    """The files whose current content ``run_id`` loaded first (what it brought that is new)."""
    return sorted(name for name, entry in entries.items() if entry.run_id == run_id and entry.status == LOADED)
