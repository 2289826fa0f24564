"""Ingestion: landing files → raw tables, one file = one batch, per reporting month.

One multi-asset loads the four inputs so that a month's ingestion is one step, and a
year's backfill is one run (single-run backfill policy). A file that fails its contract
is rejected whole and recorded in raw.rejected_files; the batch already loaded for that
month and version (if any) stays as it was.
"""


from datetime import UTC, datetime

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.defs.partitions import monthly_partitions
from orchestration.defs.resources import WAREHOUSE_POOL, MonitoringSettings
from orchestration.ingestion.landing import scan
from orchestration.ingestion.ledger import fingerprints, record_ingestion
from orchestration.ingestion.load import LOAD_SETTINGS, checked_files, load_files, unaccepted_in_run
from orchestration.ingestion.spool import clear as clear_spool
from orchestration.reference import INPUTS
from orchestration.rules.timeliness import evaluation_time
from orchestration.settings import apply_duckdb_settings

RAW_KEYS = {name: dg.AssetKey(["raw", f"{name}_rows"]) for name in INPUTS}
BATCHES_KEY = dg.AssetKey(["raw", "batches"])

INPUT_DESCRIPTIONS = {
    "registry": "Registry of services (Appendix 1), every monthly snapshot version (R1, clause 7).",
    "questionnaires": "Registry of online quality questionnaires (Appendix 2, clause 6).",
    "acts": "Acts of services rendered that confirm registry rows (clause 11).",
    "phone_survey": "Phone survey results (Appendix 4, clause 16); one file per quarter, "
    "loaded in the partition of the quarter's last month.",
}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(key, description=INPUT_DESCRIPTIONS[name], group_name="raw", kinds={"duckdb"},
                     skippable=True)
        for name, key in RAW_KEYS.items()
    ]
    + [dg.AssetSpec(BATCHES_KEY, description="One row per loaded landing file; rejected files with reasons.",
                    group_name="raw", kinds={"duckdb"}, skippable=True)],
    check_specs=[dg.AssetCheckSpec("landing_files_accepted", asset=BATCHES_KEY,
                                   description="Every landing file of the month passed its contract, and no "
                                   "file sits in landing unaccounted for: a name that is no version or "
                                   "period, a bad sidecar, two files for one version, a folder that is no "
                                   "month, a month outside the programme.")],
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    can_subset=True,
    pool=WAREHOUSE_POOL,
)
def landing_files(context: dg.AssetExecutionContext, monitoring: MonitoringSettings,
                  warehouse: DuckDBResource):
    """Load every landing file of the selected months into the raw layer."""
    settings = monitoring.get()
    months = set(context.partition_keys)
    inputs = {name for name, key in RAW_KEYS.items() if key in context.selected_asset_keys}
    seen_at = datetime.now(UTC)
    # Before opening the warehouse. A file whose name or sidecar is wrong is not taken and is
    # recorded with its reason below; it never stops the other files.
    found = scan(settings.landing_dir, now=evaluation_time())
    files = [f for f in found.files if f.month in months and f.input in inputs]
    taken = fingerprints(files, settings.landing_dir)  # before they are read: a later change is seen
    clear_spool(settings.spool_dir)  # rows a killed run left in transit
    with (checked_files(files, settings.landing_dir, settings.spool_dir) as checked,
          warehouse.get_connection() as con):
        apply_duckdb_settings(con, LOAD_SETTINGS)
        outcomes = load_files(con, files, checked, settings.landing_dir, inputs, seen_at, context.log,
                              found, months)
    # What the sensors read instead of the warehouse: every landing file accounted for, by content.
    unaccepted = [item for group in unaccepted_in_run(found, settings.landing_dir, months, inputs) for item in group]
    record_ingestion(settings.ledger_path, settings.warehouse_path, settings.landing_dir, files, taken, outcomes,
                     unaccepted, context.run_id, seen_at)
    problems = [str(o["reason"]) for name in sorted(outcomes) for o in outcomes[name] if o["status"] == "rejected"]
    for name in sorted(inputs):
        loaded = [o for o in outcomes[name] if o["status"] == "loaded"]
        counts: dict[str, int] = {}
        for outcome in loaded:
            for key, value in dict(outcome["counts"]).items():  # type: ignore[call-overload]
                counts[key] = counts.get(key, 0) + value
        yield dg.MaterializeResult(
            asset_key=RAW_KEYS[name],
            metadata={
                "months": dg.MetadataValue.text(", ".join(sorted(months))),
                "files_loaded": len(loaded),
                "files_rejected": sum(1 for o in outcomes[name] if o["status"] == "rejected"),
                "rows_loaded": sum(int(o["rows"]) for o in loaded),  # type: ignore[call-overload]
                "normalisations": dg.MetadataValue.json(counts),
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
