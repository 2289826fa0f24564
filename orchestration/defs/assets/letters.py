"""Notification letters to the operator (R6, clause 8), one per registry version with errors.

Runs after the registry's rule checks (dbt up to int_registry_rule_violations, joined here to
the raw values) and before the deadlines and the rest of dbt; writes data/letters/<YYYY-MM>/v<N>/
(letter.docx + annex.xlsx, owner-only: personal data) and correspondence.letters (no personal
data), which the deadlines asset and the mart ``letters_sent`` read.
Metadata and logs carry counts and paths only, never a value from the registry.
"""



import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.defs.assets.ingest import BATCHES_KEY
from orchestration.defs.clock import run_evaluation_time
from orchestration.defs.resources import WAREHOUSE_POOL, MonitoringSettings
from orchestration.outputs.letters import produce_letters
from orchestration.runtime.processes import forked_workers

LETTERS_KEY = dg.AssetKey(["letters", "notification_letters"])
VIOLATIONS_KEY = dg.AssetKey(["intermediate", "int_registry_rule_violations"])
# Letters written at once, each in its own process (the .docx and .xlsx writers are Python).
LETTER_WRITERS = 2


@dg.asset(
    key=LETTERS_KEY,
    deps=[VIOLATIONS_KEY, BATCHES_KEY],
    group_name="letters",
    kinds={"docx", "xlsx"},
    pool=WAREHOUSE_POOL,
    check_specs=[dg.AssetCheckSpec(
        "letters_produced_on_time", asset=LETTERS_KEY,
        description="R6 (clause 8): every letter produced within 1 working day of the registry's receipt.")],
    description="Письма-уведомления: a .docx letter and an .xlsx annex of error rows for every registry "
                "version with error-severity violations, under data/letters/<YYYY-MM>/v<N>/ (personal "
                "data: owner-only files); each recorded in correspondence.letters.",
)
def notification_letters(context: dg.AssetExecutionContext, monitoring: MonitoringSettings,
                         warehouse: DuckDBResource):
    settings = monitoring.get()
    # forked before the warehouse is opened (processes.forked_workers says why)
    with forked_workers(LETTER_WRITERS) as writers, warehouse.get_connection() as con:
        records = produce_letters(con, settings.letters_dir, run_evaluation_time(context), writers=writers)
    late = [str(r["letter_number"]) for r in records if r["produced_late"]]
    context.log.info(f"{len(records)} letters in {settings.letters_dir}; {len(late)} produced late")
    yield dg.MaterializeResult(metadata={
        "letters_dir": dg.MetadataValue.path(str(settings.letters_dir)),
        "letters": len(records),
        "error_rows": sum(int(r["error_rows"]) for r in records),
        "errors": sum(int(r["error_count"]) for r in records),
        "by_letter": dg.MetadataValue.json([
            {"letter_number": r["letter_number"], "path": r["path"], "error_rows": r["error_rows"],
             "errors": r["error_count"], "letter_date": str(r["letter_date"]),
             "produced_late": r["produced_late"]}
            for r in records
        ]),
    })
    yield dg.AssetCheckResult(
        check_name="letters_produced_on_time",
        asset_key=LETTERS_KEY,
        passed=not late,
        severity=dg.AssetCheckSeverity.WARN,
        description=("produced after the due date (dated at the due date): " + ", ".join(late)) if late
        else "every letter produced on time",
        metadata={"late_letters": len(late)},
    )

