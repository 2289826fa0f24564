"""The dbt project as Dagster assets: staging → validated layer → marts, one dbt build per run.

The big staging models are incremental by batch (macros/staged_batches.sql: a build stages
only new or re-delivered files, or everything when the SQL, the reference data or the key
changed); the validated layer and the marts rebuild over the whole history (a quarter or
year-to-date figure needs all its months), so the dbt assets are not partitioned. dbt's
rule-level tests surface as asset checks on their models; column tests run in the same build.
"""


from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliInvocation,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from orchestration.resources import WAREHOUSE_POOL
from orchestration.settings import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()

# dbt's built-in column tests: run by every build, not mapped to Dagster asset checks.
COLUMN_TESTS = frozenset({"not_null", "unique", "accepted_values", "relationships"})

# Folder under models/ (or "seeds") → Dagster group; the same word prefixes the asset key.
_LAYERS = ("staging", "intermediate", "marts")


class MonitoringDbtTranslator(DagsterDbtTranslator):
    """One place that names dbt nodes in Dagster: <layer>/<model>, grouped by layer."""

    def _layer(self, props: Mapping[str, Any]) -> str:
        if props["resource_type"] == "seed":
            return "reference"
        fqn = props.get("fqn", [])
        return next((part for part in fqn if part in _LAYERS), "models")

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return dg.AssetKey([self._layer(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return self._layer(dbt_resource_props)

    def get_asset_check_spec(self, asset_spec: dg.AssetSpec, manifest: Mapping[str, Any], unique_id: str,
                             project: DbtProject | None) -> dg.AssetCheckSpec | None:
        """Dagster checks for the tests that state a rule of the pipeline, not for column tests.

        The ~320 column tests (not_null, unique, accepted_values, relationships) still run in
        every `dbt build` and fail the step when they fail; as Dagster checks each would cost
        four event-log writes per run (SQLite, one connection each: 10 s a build) and bury the
        ~30 checks an engineer looks at (singular tests, mart-grain and estimate tests).
        """
        if is_column_test(manifest, unique_id):
            return None
        return super().get_asset_check_spec(asset_spec, manifest, unique_id, project)


def is_column_test(manifest: Mapping[str, Any], unique_id: str) -> bool:
    return (manifest["nodes"].get(unique_id, {}).get("test_metadata") or {}).get("name") in COLUMN_TESTS


def build_events(context: dg.AssetExecutionContext, invocation: DbtCliInvocation) -> Iterator[Any]:
    """The Dagster events of a dbt invocation, with the column tests tallied instead.

    dagster-dbt would record each column test as an observation plus a warning (two event-log
    writes each); here they make one summary line, and a failing one is logged by name. A
    failed test still fails the step: dbt exits non-zero, and the stream raises at its end.
    """
    manifest = invocation.manifest
    tally: Counter[str] = Counter()
    for event in invocation.stream_raw_events():
        node = event.raw_event["data"].get("node_info", {})
        if event.is_result_event and is_column_test(manifest, node.get("unique_id", "")):
            status = str(node.get("node_status"))
            tally[status] += 1
            if status != "pass":
                context.log.error(f"dbt column test {node.get('node_name')}: {status}")
            continue
        yield from event.to_default_asset_events(
            manifest=manifest, dagster_dbt_translator=invocation.dagster_dbt_translator, context=context,
            target_path=invocation.target_path, project=invocation.project)
    context.log.info("dbt column tests: " + (", ".join(f"{n} {s}" for s, n in sorted(tally.items())) or "none run"))


# What a production build leaves out: unit tests check the SQL against fixed rows, and their
# ~40 invocations cost half a minute whatever the data size.
PRODUCTION_BUILD_ARGS = ("--exclude-resource-type", "unit_test")


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=MonitoringDbtTranslator(
        settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
    ),
    pool=WAREHOUSE_POOL,
)
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    """Seeds, models and data tests in one `dbt build` (dbt start-up costs seconds per invocation).

    dbt unit tests check the SQL, not the data: they run in `make test`
    (tests/test_dbt_unit_tests.py), not on every production build.
    """
    yield from build_events(context, dbt.cli(["build", *PRODUCTION_BUILD_ARGS], context=context))
