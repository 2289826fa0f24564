"""Ingestion: landing files → raw tables, one file = one batch, per reporting month.

One multi-asset loads the four inputs so that a month's ingestion is one step, and a
year's backfill is one run (single-run backfill policy). A file that fails its contract
is rejected whole and recorded in raw.rejected_files; the batch already loaded for that
month and version (if any) stays as it was.
"""


from datetime import UTC, datetime

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.landing import LandingError, LandingFile, files_for_months, sha256_of
from orchestration.partitions import monthly_partitions
from orchestration.readers import InputFileError, read_input
from orchestration.reference import INPUTS
from orchestration.resources import WAREHOUSE_POOL, MonitoringSettings
from orchestration.warehouse import Batch, load_batch, record_rejection, relative_to_landing
from schemas import validate

RAW_KEYS = {name: dg.AssetKey(["raw", f"{name}_rows"]) for name in INPUTS}
BATCHES_KEY = dg.AssetKey(["raw", "batches"])

INPUT_DESCRIPTIONS = {
    "registry": "Registry of services (Appendix 1), every monthly snapshot version (R1, clause 7).",
    "questionnaires": "Registry of online quality questionnaires (Appendix 2, clause 6).",
    "acts": "Acts of services rendered that confirm registry rows (clause 11).",
    "phone_survey": "Phone survey results (Appendix 4, clause 16); one file per quarter, "
    "loaded in the partition of the quarter's last month.",
}


def _ingest_file(con, landing_dir, landing_file: LandingFile, seen_at: datetime) -> dict[str, object]:
    source = relative_to_landing(landing_file.path, landing_dir)
    batch = Batch(
        input=landing_file.input,
        period=landing_file.period,
        version=landing_file.version,
        source_file=source,
        source_sha256=sha256_of(landing_file.path),
        submitted_at=landing_file.submitted_at,
        seen_at=seen_at,
    )
    try:
        result = read_input(landing_file.path, landing_file.input)
        validate(landing_file.input, result.rows, source=source)
    except InputFileError as exc:
        record_rejection(con, batch, str(exc))
        return {"file": source, "status": "rejected", "reason": str(exc)}
    rows = load_batch(con, batch, result.rows)
    return {"file": source, "status": "loaded", "rows": rows}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(key, description=INPUT_DESCRIPTIONS[name], group_name="raw", kinds={"duckdb"},
                     skippable=True)
        for name, key in RAW_KEYS.items()
    ]
    + [dg.AssetSpec(BATCHES_KEY, description="One row per loaded landing file; rejected files with reasons.",
                    group_name="raw", kinds={"duckdb"}, skippable=True)],
    check_specs=[dg.AssetCheckSpec("landing_files_accepted", asset=BATCHES_KEY,
                                   description="Every landing file of the month passed its contract.")],
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    can_subset=True,
    pool=WAREHOUSE_POOL,
)
def landing_files(context: dg.AssetExecutionContext, monitoring: MonitoringSettings, warehouse: DuckDBResource):
    """Load every landing file of the selected months into the raw layer."""
    settings = monitoring.get()
    months = set(context.partition_keys)
    inputs = {name for name, key in RAW_KEYS.items() if key in context.selected_asset_keys}
    seen_at = datetime.now(UTC)
    outcomes: dict[str, list[dict[str, object]]] = {name: [] for name in inputs}
    problems: list[str] = []
    with warehouse.get_connection() as con:
        try:
            files = files_for_months(settings.landing_dir, months, inputs)
        except LandingError as exc:
            raise dg.Failure(description=str(exc)) from exc
        for landing_file in files:
            outcome = _ingest_file(con, settings.landing_dir, landing_file, seen_at)
            outcomes[landing_file.input].append(outcome)
            if outcome["status"] == "rejected":
                problems.append(str(outcome["reason"]))
                context.log.warning(f"rejected {outcome['file']}: {outcome['reason']}")
            else:
                context.log.info(f"loaded {outcome['file']}: {outcome['rows']} rows")
    for name in sorted(inputs):
        loaded = [o for o in outcomes[name] if o["status"] == "loaded"]
        yield dg.MaterializeResult(
            asset_key=RAW_KEYS[name],
            metadata={
                "months": dg.MetadataValue.text(", ".join(sorted(months))),
                "files_loaded": len(loaded),
                "files_rejected": len(outcomes[name]) - len(loaded),
                "rows_loaded": sum(int(o["rows"]) for o in loaded),
                "files": dg.MetadataValue.json(outcomes[name]),
            },
        )
    if BATCHES_KEY in context.selected_asset_keys:
        yield dg.MaterializeResult(asset_key=BATCHES_KEY, metadata={"files_rejected": len(problems)})
        yield dg.AssetCheckResult(
            check_name="landing_files_accepted",
            asset_key=BATCHES_KEY,
            passed=not problems,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"rejections": dg.MetadataValue.json(problems)},
        )
