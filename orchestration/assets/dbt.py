"""The dbt project as Dagster assets: staging → validated layer → marts, one dbt build per run.

Models rebuild over the whole history (a quarter or year-to-date figure needs all its
months), so the dbt assets are not partitioned; they depend on every month of the raw
layer. dbt tests surface as asset checks on their models.
"""


from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from orchestration.resources import WAREHOUSE_POOL
from orchestration.settings import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()

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


# Models that read what a Dagster asset writes *after* the main build (raw.letters, written by
# letters/notification_letters from the validated layer). They are built by their own dbt
# asset downstream of that asset (orchestration/assets/letters.py), so the graph has no cycle.
AFTER_LETTERS_MODELS = "letters_sent"

# What a production build leaves out: unit tests check the SQL against fixed rows, and their
# ~40 invocations cost half a minute whatever the data size.
PRODUCTION_BUILD_ARGS = ("--exclude-resource-type", "unit_test")


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=MonitoringDbtTranslator(
        settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
    ),
    exclude=AFTER_LETTERS_MODELS,
    pool=WAREHOUSE_POOL,
)
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    """Seeds, models and data tests in one `dbt build` (dbt start-up costs seconds per invocation).

    dbt unit tests check the SQL, not the data: they run in `make test`
    (tests/test_dbt_unit_tests.py), not on every production build.
    """
    yield from dbt.cli(["build", *PRODUCTION_BUILD_ARGS], context=context).stream()
