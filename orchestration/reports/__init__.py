"""Quarterly and final annual reports (Appendix 3 of the methodology) from analytics.duckdb.

Pure code, no Dagster: the report asset calls `write_report(analytics_path, period, out_dir)`.
"""

from orchestration.reports.build import ReportFiles, write_report
from orchestration.reports.figures import ContractError
from orchestration.reports.periods import ReportingPeriod, parse_period

__all__ = ["ContractError", "ReportFiles", "ReportingPeriod", "parse_period", "write_report"]
