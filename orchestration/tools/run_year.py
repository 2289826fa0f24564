"""Run the whole pipeline for a year through Dagster, as `make demo` and the benchmark do.

Runs are launched on the persistent Dagster instance (DAGSTER_HOME), so they appear in the
UI exactly as scheduled runs do: one run ingests every month of the year (single-run
backfill of the monthly partitions), one run builds the warehouse models, writes the
letters and publishes, and one run writes the reports of every reporting period the year's
data completes (single-run backfill of the report partitions: each period is materialised
on its own, two LibreOffice instances convert them).
"""

from __future__ import annotations

import argparse
import sys

from orchestration.defs.runner import Stage, run_stages
from orchestration.settings import load_settings


def report_periods(year: int, last_month: int) -> list[str]:
    """The reports whose data is complete once months 1..last_month are in (Q4 ends 30 November)."""
    ends = {"Q1": 3, "Q2": 6, "Q3": 9, "final": 11}
    return [f"{year}-{part}" for part, month in ends.items() if last_month >= month]


def year_stages(year: int, last_month: int = 12, with_reports: bool = True) -> list[Stage]:
    stages = [
        Stage("ingest", "ingest_landing_files", tags={
            "dagster/asset_partition_range_start": f"{year}-01",
            "dagster/asset_partition_range_end": f"{year}-{last_month:02d}",
        }),
        Stage("build", "build_warehouse"),
    ]
    periods = report_periods(year, last_month) if with_reports else []
    if periods:  # contiguous in the report partitions (Q1, Q2, Q3, final of one year)
        stages.append(Stage("report", "write_report", tags={
            "dagster/asset_partition_range_start": periods[0],
            "dagster/asset_partition_range_end": periods[-1],
        }))
    return stages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--year", type=int, required=True)
    parser.add_argument("--last-month", type=int, default=12)
    args = parser.parse_args(argv)
    settings = load_settings()
    timings = run_stages(year_stages(args.year, args.last_month))
    for stage, seconds in timings.items():
        print(f"{stage}: {seconds:.1f} s")
    print(summary(settings, args.year))
    return 0


def summary(settings, year: int) -> str:
    """What the run produced and where: counts from the published database, file lists."""
    import duckdb

    lines = [f"warehouse: {settings.warehouse_path}", f"analytics: {settings.analytics_path}"]
    with duckdb.connect(str(settings.analytics_path), read_only=True) as con:
        tables = {row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()}
        if "fct_services" in tables:
            services, clients = con.execute(
                "select count(*), count(distinct client_key) from fct_services "
                "where year(reporting_month) = ?", [year]).fetchall()[0]
            lines.append(f"  counted services {services:,}, distinct clients {clients:,}")
        if "registry_timeliness" in tables:
            statuses = con.execute(
                "select status, count(*) from registry_timeliness where year(reporting_month) = ? "
                "group by status order by status", [year]).fetchall()
            lines.append("  registry versions: " + ", ".join(f"{s} {n}" for s, n in statuses))
        lines.append(f"  {len(tables)} tables: {', '.join(sorted(tables))}")
    letters = sorted(settings.letters_dir.glob("*/v*/*.docx")) if settings.letters_dir.exists() else []
    lines.append(f"letters:   {settings.letters_dir} ({len(letters)} letters)")
    lines.append(f"reports:   {settings.reports_dir}")
    for folder in sorted(p for p in settings.reports_dir.glob(f"{year}-*") if p.is_dir()):
        lines.append(f"  {folder.name}: {', '.join(sorted(f.name for f in folder.iterdir()))}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
