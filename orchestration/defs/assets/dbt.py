"""The dbt project as Dagster assets, in two builds around the letters and deadlines:

    registry_rule_checks (dbt: staging of the registry and the acts → int_registry_rule_violations,
                          int_registry_services_confirmed)
    → letters → deadlines → warehouse_models (dbt: the rest: timeliness, validated layer, marts)

The big staging models are incremental by batch (macros/staged_batches.sql: a build stages
only new or re-delivered files, or everything when the SQL, the reference data or the key
changed); the validated layer (a view) and the marts are built over the whole history (a
quarter or year-to-date figure needs all its months), so the dbt assets are not partitioned. dbt's
rule-level tests surface as asset checks on their models; column tests (one `column_rules` test
per model) run in the same build.
"""


import json
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliInvocation,
    DbtProject,
    dbt_assets,
)

from orchestration.defs.resources import WAREHOUSE_POOL, MonitoringDbtCliResource, open_warehouse
from orchestration.defs.ui import OWNERS, asset_tags, md_table_metadata
from orchestration.runtime import parse_state
from orchestration.settings import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()

# Column tests: run by every build, not mapped to Dagster asset checks. Each model has one
# `column_rules` test (macros/column_rules.sql: its not_null, unique, accepted_values and
# relationships rules in one pass), each seed with Kazakh names one `kazakh_text` test; dbt's
# built-in ones are listed so that one added later is tallied too rather than becoming a check
# (better: add its rule to the model's column_rules).
COLUMN_TESTS = frozenset({"column_rules", "kazakh_text", "not_null", "unique", "accepted_values", "relationships"})
# The column tests whose rows name the rules they found broken (rule, column_name, failing_rows):
# column_rules, and kazakh_text on the reference lists' Kazakh names (macros/kazakh_text.sql).
RULE_ROW_TESTS = frozenset({"column_rules", "kazakh_text"})
# How long the log's account of a failed column test waits for the warehouse (dbt has exited).
BROKEN_RULES_WAIT_SECONDS = 10.0

# Folder under models/ (or "seeds") → Dagster group; the same word prefixes the asset key.
_LAYERS = ("staging", "intermediate", "marts")


# A Russian first line for each layer's assets (the model's own description follows it).
_LAYER_TITLES_RU = {
    "reference": "Справочник (seed dbt)",
    "staging": "Первичная обработка (staging dbt): типизация, нормализация, ключи вместо персональных данных",
    "intermediate": "Промежуточный слой dbt: проверенные и подтвержденные данные",
    "marts": "Витрина dbt (публикуется в analytics.duckdb)",
    "models": "Модель dbt",
}


class MonitoringDbtTranslator(DagsterDbtTranslator):
    """One place that names dbt nodes in Dagster: <layer>/<model>, grouped by layer, owned and
    tagged like every other asset, and each test's check described in words."""

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

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        title = dbt_resource_props.get("meta", {}).get("title_ru") or (
            dbt_resource_props.get("config", {}).get("meta", {}).get("title_ru"))
        title = title or f"{_LAYER_TITLES_RU[self._layer(dbt_resource_props)]}: {dbt_resource_props['name']}"
        detail = (dbt_resource_props.get("description") or "").strip()
        return f"{title}.\n\n{detail}" if detail else f"{title}."

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> Sequence[str]:
        return OWNERS

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        # dbt models hold keys, codes and counts: personal data stays in raw (assert_no_personal_data_columns)
        return {**super().get_tags(dbt_resource_props), **asset_tags(self._layer(dbt_resource_props), pii=False)}

    def get_asset_check_spec(self, asset_spec: dg.AssetSpec, manifest: Mapping[str, Any], unique_id: str,
                             project: DbtProject | None) -> dg.AssetCheckSpec | None:
        """Dagster checks for the tests that state a rule of the pipeline, not for column tests.

        The 36 column tests (`column_rules`: ~320 not_null, unique, accepted_values and
        relationships rules) still run in every `dbt build` and fail the step when they fail;
        as Dagster checks they would cost event-log writes (SQLite, one connection each) and
        bury the ~30 checks an engineer looks at (singular tests, mart-grain and estimate tests).
        A check's description is the test's own (``description:`` in its .yml), or for a generic
        test without one its macro's, followed by the columns it was given.
        """
        if is_column_test(manifest, unique_id):
            return None
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        return dg.AssetCheckSpec(
            name=spec.name, asset=spec.asset_key, description=test_description(manifest, unique_id),
            additional_deps=spec.additional_deps, metadata=spec.metadata, blocking=spec.blocking)


def test_description(manifest: Mapping[str, Any], unique_id: str) -> str:
    """What a dbt test checks, in words: its own description, else its generic macro's and arguments."""
    node = manifest["nodes"][unique_id]
    own = (node.get("description") or "").strip()
    if own:
        return own
    test = node.get("test_metadata") or {}
    macro = manifest["macros"].get(f"macro.{node['package_name']}.test_{test.get('name')}", {})
    text = (macro.get("description") or "").strip()
    arguments = {k: v for k, v in (test.get("kwargs") or {}).items() if k != "model"}
    if arguments:
        text += "\n\n" + "; ".join(f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
                                    for k, v in arguments.items())
    return text


def is_column_test(manifest: Mapping[str, Any], unique_id: str) -> bool:
    return manifest_test_name(manifest, unique_id) in COLUMN_TESTS


def build_events(context: dg.AssetExecutionContext, invocation: DbtCliInvocation,
                 warehouse_path: Path | None = None) -> Iterator[Any]:
    """The Dagster events of a dbt invocation, with the column tests tallied instead.

    dagster-dbt would record each column test as an observation plus a warning (two event-log
    writes each); here they make one summary line, and one that does not pass is logged by
    name once dbt has exited, with the rules it found broken (read from ``warehouse_path``).
    A failed test still fails the step: dbt exits non-zero, and the stream raises at its end.
    """
    manifest = invocation.manifest
    tally: Counter[str] = Counter()
    not_passed: dict[str, tuple[str, str]] = {}  # unique_id → (test name, status)
    abandoned = False
    try:
        for event in invocation.stream_raw_events():
            node = event.raw_event["data"].get("node_info", {})
            if event.is_result_event and is_column_test(manifest, node.get("unique_id", "")):
                status = str(node.get("node_status"))
                tally[status] += 1
                if status != "pass":
                    not_passed[node["unique_id"]] = (str(node.get("node_name")), status)
                continue
            for asset_event in event.to_default_asset_events(
                    manifest=manifest, dagster_dbt_translator=invocation.dagster_dbt_translator, context=context,
                    target_path=invocation.target_path, project=invocation.project):
                yield explained(asset_event, manifest, node)
    except GeneratorExit:
        # Closed before the end: the run was interrupted and the garbage collector is closing
        # this generator, possibly inside another event-log write of this process. Logging now
        # would re-enter Dagster's SQLite event log, whose lock is not re-entrant, and hang the
        # process (dagster-io/dagster#32217); nobody reads this run's log any more.
        abandoned = True
        raise
    finally:
        if warehouse_path is not None:  # the next invocation on this warehouse starts from this parse
            parse_state.save(invocation.target_path, warehouse_path)
        if not abandoned:  # also when dbt failed: the tests that did not pass are named
            context.log.info("dbt column tests: "
                             + (", ".join(f"{n} {s}" for s, n in sorted(tally.items())) or "none run"))
            if not_passed:
                broken = broken_rules(invocation, not_passed, warehouse_path)
                for unique_id, (name, status) in not_passed.items():
                    log = context.log.warning if status == "warn" else context.log.error
                    log(f"dbt column test {name}: {status}"
                        + (f" — {broken[unique_id]}" if unique_id in broken else ""))


def explained(event: Any, manifest: Mapping[str, Any], node: Mapping[str, Any]) -> Any:
    """A dbt test's check result that does not pass, with what is wrong and where in Russian, and
    the detail as a Markdown table (the test's rows are not read: they may hold keys of persons)."""
    if not isinstance(event, dg.AssetCheckResult) or event.passed:
        return event
    test = manifest["nodes"].get(node.get("unique_id", ""), {})
    failures = event.metadata.get("dagster_dbt/failed_row_count")
    count = getattr(failures, "value", failures)
    where = event.asset_key.to_user_string()
    first_line = (test_description(manifest, node.get("unique_id", "")) or event.check_name).splitlines()[0]
    description = (f"Проверка «{event.check_name}» не пройдена на {where}: "
                   f"{'найдено строк с нарушением: ' + str(count) if count is not None else 'dbt сообщил об ошибке'}. "
                   f"Что проверяется: {first_line}")
    detail = md_table_metadata(
        ["Проверка", "Объект", "Строк с нарушением", "Статус dbt", "SQL проверки"],
        [(event.check_name, where, count, node.get("node_status"),
          f"`dbt_project/{test.get('original_file_path', '')}`")])
    return dg.AssetCheckResult(
        passed=False, asset_key=event.asset_key, check_name=event.check_name, severity=event.severity,
        description=description, metadata={**event.metadata, "Что не так": detail})


def broken_rules(invocation: DbtCliInvocation, unique_ids: Mapping[str, Any],
                 warehouse_path: Path | None) -> dict[str, str]:
    """What each failed (or warned) column test found: "accepted_values on input: 1 row; …".

    dbt reports a failing test's row count only; the rows of a `column_rules` test name the
    broken rules (rule, column, failing rows: no values), so its compiled SQL is run again on
    the warehouse, read-only, once dbt has exited. Best effort: a test without such rows, or a
    warehouse still held, leaves the test's line as it was.
    """
    if warehouse_path is None or invocation.process.poll() is None:
        return {}
    try:
        results = invocation.get_artifact("run_results.json")["results"]
    except (OSError, ValueError, KeyError):
        return {}
    wanted = {result["unique_id"]: result["compiled_code"] for result in results
              if result.get("unique_id") in unique_ids and result.get("status") in ("fail", "warn")
              and result.get("compiled_code")
              and manifest_test_name(invocation.manifest, result["unique_id"]) in RULE_ROW_TESTS}
    found: dict[str, str] = {}
    try:
        with open_warehouse(warehouse_path, read_only=True, wait_seconds=BROKEN_RULES_WAIT_SECONDS) as con:
            for unique_id, sql in wanted.items():
                rows = con.execute(f"select rule, column_name, failing_rows from ({sql}) as broken_rules").fetchall()
                found[unique_id] = "; ".join(
                    f"{rule} on {column}: {failing} row{'' if failing == 1 else 's'}" for rule, column, failing in rows)
    except Exception as exc:  # the step's outcome is dbt's; this only adds detail to its log
        return {unique_id: f"broken rules not read ({type(exc).__name__})" for unique_id in wanted}
    return found


def manifest_test_name(manifest: Mapping[str, Any], unique_id: str) -> str | None:
    return (manifest["nodes"].get(unique_id, {}).get("test_metadata") or {}).get("name")


# What a production build leaves out: unit tests check the SQL against fixed rows, and their
# dozens of invocations cost the same time whatever the data size (docs/performance.md).
PRODUCTION_BUILD_ARGS = ("--exclude-resource-type", "unit_test")
# Registry rows (every version) above which dbt builds one model at a time. Two at a time
# (the profile's threads) overlap dbt's per-node work with DuckDB's on small models; on big
# ones the two queries share the memory ceiling and both spill, and one at a time is faster
# (docs/performance.md).
ONE_MODEL_AT_A_TIME_FROM_ROWS = 3_000_000


def build_threads_args(warehouse_path: Path) -> list[str]:
    """``--threads 1`` for a big registry, nothing (the profile's threads) otherwise."""
    try:
        with open_warehouse(warehouse_path, read_only=True) as con:
            [(rows,)] = con.execute("select count(*) from raw.registry_rows").fetchall()
    except Exception:  # no registry loaded yet: dbt says what is missing
        return []
    return ["--threads", "1"] if rows > ONE_MODEL_AT_A_TIME_FROM_ROWS else []


# The registry's rule checks and its reconciliation with the acts (clause 11): what the
# notification letters tell the operator (every row left out and why), built first in a build
# run. The letters and the deadlines (Python assets) follow, then everything else reads them.
RULE_CHECKS_MODEL = "int_registry_rule_violations"
ACT_CHECKS_MODEL = "int_registry_services_confirmed"
RULE_CHECKS_MODELS = (RULE_CHECKS_MODEL, ACT_CHECKS_MODEL)
RULE_CHECKS_SELECTION = " ".join(f"+{model}" for model in RULE_CHECKS_MODELS)
BUILT_RESOURCES = ("model", "seed", "snapshot")


def nodes_after_rule_checks(manifest_path: Path) -> str:
    """Every model and seed the rule and act checks do not need, by name: warehouse_models' selection.

    Named one by one rather than as ``--exclude +int_registry_rule_violations``: an exclusion
    also drops every test that reads an excluded node (the raw sources, the registry's staging),
    and the tests that read both halves (that nothing is lost, relationships to seeds) would
    run in neither build. Selected positively, dbt runs each test whose every parent is in the
    rule checks there (``cautious``) and every other test here (``eager``): each test once.
    """
    manifest = json.loads(manifest_path.read_text())
    nodes = {**manifest["nodes"], **manifest["sources"]}
    roots = {uid for uid, node in nodes.items()
             if node["resource_type"] == "model" and node["name"] in RULE_CHECKS_MODELS}
    upstream, todo = set(roots), list(roots)
    while todo:
        for parent in manifest["parent_map"].get(todo.pop(), []):
            if parent not in upstream:
                upstream.add(parent)
                todo.append(parent)
    return " ".join(sorted(node["name"] for uid, node in manifest["nodes"].items()
                           if node["resource_type"] in BUILT_RESOURCES and uid not in upstream))


TRANSLATOR = MonitoringDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def dbt_build(context: dg.AssetExecutionContext, dbt: MonitoringDbtCliResource,
              extra_args: Sequence[str] = ()) -> Iterator[Any]:
    """One `dbt build` of the step's models (dagster-dbt passes their selection) and their tests.

    dbt unit tests check the SQL, not the data: they run in `make test`
    (tests/test_dbt_unit_tests.py), not on every production build.
    """
    warehouse_path = Path(dbt.warehouse_path)
    yield from build_events(
        context, dbt.cli(["build", *PRODUCTION_BUILD_ARGS, *build_threads_args(warehouse_path), *extra_args],
                         context=context),
        warehouse_path=warehouse_path)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=RULE_CHECKS_SELECTION,
    name="registry_rule_checks",
    dagster_dbt_translator=TRANSLATOR,
    pool=WAREHOUSE_POOL,
)
def registry_rule_checks(context: dg.AssetExecutionContext, dbt: MonitoringDbtCliResource) -> Iterator[Any]:
    """The registry staged, checked row by row (int_registry_rule_violations) and reconciled with the
    acts (int_registry_services_confirmed): what the letters quote.

    Only the tests whose every model is built here run here (``cautious``); a test that also
    reads a later model (a relationship to this step's seeds, say) runs in warehouse_models.
    """
    yield from dbt_build(context, dbt, ("--indirect-selection", "cautious"))


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=nodes_after_rule_checks(dbt_project.manifest_path),
    name="warehouse_models",
    dagster_dbt_translator=TRANSLATOR,
    pool=WAREHOUSE_POOL,
)
def warehouse_models(context: dg.AssetExecutionContext, dbt: MonitoringDbtCliResource) -> Iterator[Any]:
    """Everything after the letters and deadlines: timeliness, the validated layer, the marts."""
    yield from dbt_build(context, dbt)
