"""Every dbt unit test (the `unit_tests:` of the models' .yml files), run once per session.

Production builds leave unit tests out (``PRODUCTION_BUILD_ARGS`` in orchestration/defs/assets/dbt.py):
they check the SQL against fixed rows, not the data, and cost half a minute per build. They
run here instead: the raw layer's empty tables, then `dbt build --empty` (seeds in full, every
model with no rows, so each unit test finds its parents' columns) with the unit tests and
without data tests.
"""

import duckdb
from registry_fixture import dbt

from orchestration.defs.assets.dbt import PRODUCTION_BUILD_ARGS
from orchestration.warehouse.correspondence import ensure_correspondence_schema
from orchestration.warehouse.raw import ensure_raw_schema


def test_production_builds_leave_unit_tests_to_this_suite():
    assert PRODUCTION_BUILD_ARGS == ("--exclude-resource-type", "unit_test")


def test_every_dbt_unit_test_passes(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        ensure_raw_schema(con)
        ensure_correspondence_schema(con)
    # fails (with dbt's output) when any unit test fails
    dbt(warehouse, "build", "--empty", "--exclude-resource-type", "test")
