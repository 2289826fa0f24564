"""A dbt manifest left half-written (dbt stopped while writing it) is rebuilt, not trusted.

`make` would see a truncated manifest newer than the dbt sources and keep it, and the code
location would then fail to load at every later command. The Makefile removes a manifest that is
not valid JSON (and dbt's partial-parse state beside it) as it starts, so the rule rebuilds it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _folder_with(tmp_path: Path, manifest_text: str) -> Path:
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    target = tmp_path / "dbt_project" / "target"
    target.mkdir(parents=True)
    (target / "manifest.json").write_text(manifest_text)
    (target / "partial_parse.msgpack").write_bytes(b"state")
    return target


def _make_dry_run(folder: Path) -> None:
    # -n: nothing is built or installed; the Makefile's own check runs as make reads it
    subprocess.run(["make", "-n", "dbt_project/target/manifest.json", f"PYTHON={sys.executable}"], cwd=folder,
                   capture_output=True, text=True, check=False)


def test_a_truncated_manifest_is_removed_with_its_parse_state(tmp_path):
    whole = json.dumps({"nodes": {"model.a": {"name": "a"}}, "metadata": {}})
    target = _folder_with(tmp_path, whole[: len(whole) // 2])
    _make_dry_run(tmp_path)
    assert not (target / "manifest.json").exists()
    assert not (target / "partial_parse.msgpack").exists()


def test_a_whole_manifest_is_kept(tmp_path):
    target = _folder_with(tmp_path, json.dumps({"nodes": {}, "metadata": {}}))
    _make_dry_run(tmp_path)
    assert json.loads((target / "manifest.json").read_text()) == {"nodes": {}, "metadata": {}}
    assert (target / "partial_parse.msgpack").exists()
