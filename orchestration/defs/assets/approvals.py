"""An analyst approves a period's report revision (issue 20, item 5).

Launch the job ``approve_report`` for a report partition ('2019-Q1' …) with run config
``{"ops": {"reports__report_approval": {"config": {"approved_by": "<login>"}}}}`` (optionally
``"revision": N``; default the latest). The approval is recorded with its time in
``reporting.report_approvals`` and published to analytics.duckdb. A later build that changes
the period's figures files a new revision awaiting approval (see assets/reports.py); the
approved one stays what ``report_approvals`` points at.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource
from pydantic import Field

from orchestration.defs.assets.publish import publish
from orchestration.defs.assets.reports import REPORT_KEY
from orchestration.defs.clock import run_evaluation_time
from orchestration.defs.partitions import report_partitions
from orchestration.defs.resources import WAREHOUSE_POOL, MonitoringSettings
from orchestration.defs.ui import OWNERS, asset_tags
from orchestration.outputs.reports.vintages import SCHEMA as VINTAGES_SCHEMA
from orchestration.outputs.reports.vintages import approve

APPROVAL_KEY = dg.AssetKey(["approvals", "report_approval"])


class ApprovalConfig(dg.Config):
    approved_by: str = Field(description="Who approves: the analyst's login (kept in report_approvals).")
    revision: int = Field(default=0, description="The revision approved; 0 = the period's latest.")


@dg.asset(
    key=APPROVAL_KEY,
    deps=[REPORT_KEY],
    partitions_def=report_partitions,
    group_name="approvals",
    kinds={"duckdb"},
    owners=OWNERS,
    tags=asset_tags("reports", pii=False),
    pool=WAREHOUSE_POOL,
    description="Утверждение редакции отчета аналитиком (параметр approved_by).\n\nAn analyst's approval of "
                "a report revision, recorded with its time in report_approvals.",
)
def report_approval(context: dg.AssetExecutionContext, config: ApprovalConfig, monitoring: MonitoringSettings,
                    warehouse: DuckDBResource) -> dg.MaterializeResult:
    settings = monitoring.get()
    approved_at = run_evaluation_time(context)
    period = context.partition_key
    try:
        with warehouse.get_connection() as con:
            revision = approve(con, period, config.approved_by, approved_at, config.revision or None)
    except ValueError as exc:
        raise dg.Failure(description=str(exc)) from None
    publish(settings, schemas=(VINTAGES_SCHEMA,))
    context.log.info(f"report {period} revision {revision} approved at {approved_at.isoformat()}")
    return dg.MaterializeResult(metadata={
        "revision": dg.MetadataValue.int(revision),
        "approved_at": dg.MetadataValue.text(approved_at.isoformat()),
    })
