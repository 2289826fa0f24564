"""The report to the authorised body (Appendix 3), one partition per reporting period.

Reads the published analytics.duckdb only (never the warehouse), so it needs no slot in
the warehouse pool, and the document, the workbook and the database always agree.
"""

import dagster as dg

from orchestration.partitions import report_partitions
from orchestration.reports import write_report
from orchestration.resources import MonitoringSettings

REPORT_KEY = dg.AssetKey(["reports", "monitoring_report"])


@dg.asset(
    key=REPORT_KEY,
    deps=[dg.AssetKey(["analytics", "database"])],
    partitions_def=report_partitions,
    group_name="reports",
    kinds={"docx", "xlsx"},
    description="Quarterly (Q1-Q3) and final annual report per Appendix 3: .docx, .xlsx and, "
    "where LibreOffice is installed, .pdf in data/reports/<period>/ (clauses 12-14).",
)
def monitoring_report(context: dg.AssetExecutionContext, monitoring: MonitoringSettings) -> dg.MaterializeResult:
    settings = monitoring.get()
    period = context.partition_key
    files = write_report(settings.analytics_path, period, settings.reports_dir)
    context.log.info(f"report {period}: {files.folder}; {files.pdf_message or 'PDF written'}")
    for warning in files.warnings:
        context.log.warning(warning)
    return dg.MaterializeResult(metadata={
        "folder": dg.MetadataValue.path(str(files.folder)),
        "docx": dg.MetadataValue.path(str(files.docx)),
        "xlsx": dg.MetadataValue.path(str(files.xlsx)),
        "pdf": dg.MetadataValue.text(str(files.pdf) if files.pdf else (files.pdf_message or "")),
        "tables": files.tables,
        "charts": files.charts,
        "missing_tables": dg.MetadataValue.json(list(files.missing_tables)),
    })
