"""dbt's partial-parse state per warehouse (orchestration/runtime/parse_state.py), with real dbt runs.

dbt writes in its log whether it parsed the project again and why; these tests read that log
from each invocation's own target folder. The project's own state (`make install`) is for
./data's warehouse, so a run on a temporary warehouse starts without a matching state.
"""

import os
from pathlib import Path

from orchestration.runtime import parse_state

PARSED_AFRESH = "Unable to do partial parsing"
NOTHING_CHANGED = "Nothing changed, skipping partial parsing"


def _dbt_log(dbt) -> str:
    invocation = dbt.cli(["ls", "--select", "tag:selects_nothing", "--quiet"], raise_on_error=False)
    invocation.wait()
    return (Path(invocation.target_path) / "dbt.log").read_text(), invocation


def test_a_warehouse_parses_once_then_starts_from_its_saved_state(dbt_on):
    dbt, warehouse = dbt_on
    assert not parse_state.state_file(warehouse).exists()

    first_log, first = _dbt_log(dbt)
    assert PARSED_AFRESH in first_log  # the project's state is ./data's: the profile differs

    assert parse_state.save(Path(first.target_path), warehouse)
    second_log, _ = _dbt_log(dbt)
    assert NOTHING_CHANGED in second_log
    assert PARSED_AFRESH not in second_log


def test_prepare_parses_for_the_warehouse_before_its_first_run(dbt_on):
    dbt, warehouse = dbt_on
    parse_state.prepare(warehouse, dbt.dbt_executable)
    log, _ = _dbt_log(dbt)
    assert NOTHING_CHANGED in log



def test_only_the_most_recent_states_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(parse_state, "STATE_DIR", tmp_path / "states")
    written = tmp_path / "target"
    written.mkdir()
    (written / parse_state.PARTIAL_PARSE_FILE).write_bytes(b"state")
    warehouses = [tmp_path / f"w{i}" / "warehouse.duckdb" for i in range(parse_state.KEEP_STATES + 3)]
    for index, warehouse in enumerate(warehouses):
        assert parse_state.save(written, warehouse)
        os.utime(parse_state.state_file(warehouse), (1_000_000 + index, 1_000_000 + index))
    kept = sorted((tmp_path / "states").glob("*.msgpack"))
    assert kept == sorted(parse_state.state_file(w) for w in warehouses[3:])
