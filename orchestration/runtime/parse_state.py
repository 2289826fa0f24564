"""dbt's partial-parse state, kept per warehouse, so that a run's dbt does not parse the project afresh.

dbt parses the whole project again (seconds of every invocation: docs/performance.md) when the profile it runs with
differs from the one that wrote ``partial_parse.msgpack`` — and the profile holds the
warehouse's path. `make install` parses for ./data's warehouse; every run on another warehouse
(a second deployment, the benchmark, a test) would pay the full parse in every invocation.
So each warehouse keeps the state its last dbt invocation wrote, and the next invocation on
that warehouse starts from it. dbt still compares every file's hash, the variables and the
profile with the state, so a changed project is parsed again exactly as without this.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from orchestration.settings import DBT_PROJECT_DIR

PARTIAL_PARSE_FILE = "partial_parse.msgpack"
STATE_DIR = DBT_PROJECT_DIR / "target" / "partial_parse"
# States kept (a few MB each: docs/performance.md), the most recently saved: a test suite creates a warehouse per test.
KEEP_STATES = 8


def state_file(warehouse_path: str | Path) -> Path:
    """Where the state of dbt invocations on this warehouse is kept (named by its path's hash)."""
    digest = hashlib.sha256(str(Path(warehouse_path).resolve()).encode()).hexdigest()[:16]
    return STATE_DIR / f"{digest}.msgpack"


def restore(target_path: Path, warehouse_path: str | Path) -> bool:
    """Put the warehouse's state in an invocation's target folder before dbt starts.

    dagster-dbt copies target/partial_parse.msgpack there only when the folder has none, so
    a state restored here wins; without one the project's own (`make install`) is used.
    """
    saved = state_file(warehouse_path)
    if not saved.exists():
        return False
    target_path.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(saved, target_path / PARTIAL_PARSE_FILE)
    return True


def save(target_path: Path, warehouse_path: str | Path) -> bool:
    """Keep the state an invocation wrote for the next one on the same warehouse (atomically:
    runs on other warehouses may save theirs at the same time)."""
    written = target_path / PARTIAL_PARSE_FILE
    if not written.exists():
        return False
    saved = state_file(warehouse_path)
    saved.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=saved.parent, suffix=".tmp", delete=False) as handle:
        temporary = Path(handle.name)
    try:
        shutil.copyfile(written, temporary)
        os.replace(temporary, saved)
    finally:
        temporary.unlink(missing_ok=True)
    _prune(saved.parent)
    return True


def _prune(folder: Path) -> None:
    """Drop all but the KEEP_STATES most recently saved states (a dropped one costs a parse)."""
    def saved_at(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except FileNotFoundError:  # pruned at the same moment by another run
            return 0.0

    for stale in sorted(folder.glob("*.msgpack"), key=saved_at, reverse=True)[KEEP_STATES:]:
        stale.unlink(missing_ok=True)


def prepare(warehouse_path: str | Path, dbt: str = "dbt") -> None:
    """Parse the project for this warehouse and keep the state (what `make install` does for
    ./data's warehouse), so that even the first run on it starts from a prepared state."""
    (DBT_PROJECT_DIR / "target").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=DBT_PROJECT_DIR / "target") as target:
        environment = {**os.environ, "MONITORING_WAREHOUSE_PATH": str(warehouse_path)}
        subprocess.run([dbt, "parse", "--quiet", "--profiles-dir", str(DBT_PROJECT_DIR),
                        "--project-dir", str(DBT_PROJECT_DIR), "--target-path", target],
                       check=True, cwd=DBT_PROJECT_DIR, env=environment, stdout=subprocess.DEVNULL)
        save(Path(target), warehouse_path)
