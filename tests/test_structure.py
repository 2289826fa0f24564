"""The code's layout holds: Dagster only in its wiring, library internals only in one marked place.

- ``orchestration/defs`` is the code location (Dagster wiring); ``orchestration/runtime`` holds the
  speed-ups that patch library internals. No other module imports Dagster, so the domain code
  (ingestion, rules, outputs, warehouse, tools) is tested and reused as plain Python.
- Private modules (a ``_`` component) of dagster, dagster-dbt or dbt are imported only under
  ``orchestration/runtime``: an upgrade that breaks them breaks one folder.
- ``schemas`` (the contracts) needs none of the packages that use it: ingestion imports
  schemas, never the other way round.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIRING = ("orchestration/defs/", "orchestration/runtime/")
LIBRARIES = ("dagster", "dagster_dbt", "dagster_duckdb", "dagster_webserver", "dbt")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports (``from x import y`` counts x and x.y), with its line."""
    modules = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.append((node.lineno, node.module))
            modules += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return modules


def python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_the_layout_has_its_rooms():
    for room in ("defs", "defs/assets", "ingestion", "rules", "outputs", "outputs/reports", "warehouse",
                 "runtime", "tools", "tools/sample_data"):
        assert (ROOT / "orchestration" / room / "__init__.py").is_file(), room
    assert (ROOT / "orchestration/defs/definitions.py").is_file()


def test_only_the_wiring_and_the_runtime_import_dagster():
    offenders = [
        f"{relative(path)}:{line} imports {module}"
        for path in python_files("orchestration", "schemas")
        if not relative(path).startswith(WIRING)
        for line, module in imported_modules(path)
        if module.split(".")[0].startswith("dagster")
    ]
    assert offenders == []


def test_private_library_modules_are_imported_only_in_the_runtime():
    offenders = [
        f"{relative(path)}:{line} imports {module}"
        for path in python_files("orchestration", "schemas", "tests")
        if not relative(path).startswith("orchestration/runtime/")
        for line, module in imported_modules(path)
        if module.split(".")[0] in LIBRARIES and any(part.startswith("_") for part in module.split(".")[1:])
    ]
    assert offenders == []


def test_schemas_need_none_of_the_packages_that_use_them():
    users = ("orchestration.ingestion", "orchestration.defs", "orchestration.outputs", "orchestration.tools")
    offenders = [
        f"{relative(path)}:{line} imports {module}"
        for path in python_files("schemas")
        for line, module in imported_modules(path)
        if module.startswith(users)
    ]
    assert offenders == []


def test_the_checks_see_what_they_look_for(tmp_path):
    # the scans above would pass on any tree if imported_modules missed an import form
    sample = tmp_path / "sample.py"
    sample.write_text("import dagster as dg\nfrom dagster._core.storage import sql\nfrom dagster_dbt import x\n")
    found = [module for _, module in imported_modules(sample)]
    assert "dagster" in found and "dagster._core.storage" in found and "dagster_dbt.x" in found


def test_loading_the_code_location_changes_no_environment_variable():
    # dbt learns the warehouse and the key when the dbt resource starts it, not at import (libraries
    # such as pandera set their own variables; ours and dbt's are what the project controls)
    import os
    import subprocess
    import sys

    script = ("import os; before = dict(os.environ); import orchestration.defs.definitions; "
              "print(sorted(k for k in os.environ if os.environ[k] != before.get(k) "
              "and k.startswith(('MONITORING_', 'DBT_'))))")
    env = {"PATH": os.environ["PATH"], "MONITORING_DEMO": "1", "HOME": os.environ.get("HOME", "/tmp")}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
