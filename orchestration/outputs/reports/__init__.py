"""Quarterly and final annual reports (Appendix 3 of the methodology) from analytics.duckdb.

Pure code, no Dagster: the report asset calls `write_reports(analytics_path, periods, out_dir)`
(`write_report` for one period).
"""

from orchestration.outputs.reports.build import ReportFiles, write_report, write_reports
from orchestration.outputs.reports.figures import ContractError
from orchestration.outputs.reports.periods import ReportingPeriod, parse_period

__all__ = ["ContractError", "ReportFiles", "ReportingPeriod", "parse_period", "write_report", "write_reports"]
