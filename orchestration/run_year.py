"""Run the whole pipeline for a year through Dagster, as `make demo` and the benchmark do.

Runs are launched on the persistent Dagster instance (DAGSTER_HOME), so they appear in the
UI exactly as scheduled runs do: one run ingests every month of the year (single-run
backfill of the monthly partitions), one run builds the warehouse models, writes the
letters and publishes, and one run per reporting period writes its report.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field

import dagster as dg

from orchestration.settings import load_settings

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass(frozen=True)
class Stage:
    name: str
    job: str
    partition_key: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


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
    if with_reports:
        stages += [Stage("report", "write_report", partition_key=p) for p in report_periods(year, last_month)]
    return stages


def run_stages(stages: list[Stage], instance: dg.DagsterInstance | None = None,
               definitions: dg.Definitions | None = None) -> dict[str, float]:
    """Execute each stage's job on the instance; wall seconds per stage name."""
    if definitions is None:
        from orchestration.definitions import defs as definitions
    instance = instance or dg.DagsterInstance.get()
    timings: dict[str, float] = {}
    for stage in stages:
        started = time.perf_counter()
        result = definitions.resolve_job_def(stage.job).execute_in_process(
            instance=instance, partition_key=stage.partition_key, tags=stage.tags,
            run_config=QUIET, raise_on_error=False,
        )
        if not result.success:
            failures = [event.message for event in result.all_events if event.is_failure]
            raise RuntimeError(f"run {result.run_id} of {stage.job} failed: {failures[:3]}")
        timings[stage.name] = timings.get(stage.name, 0.0) + time.perf_counter() - started
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--year", type=int, required=True)
    parser.add_argument("--last-month", type=int, default=12)
    args = parser.parse_args(argv)
    settings = load_settings()
    timings = run_stages(year_stages(args.year, args.last_month))
    for stage, seconds in timings.items():
        print(f"{stage}: {seconds:.1f} s")
    print(f"warehouse: {settings.warehouse_path}\nanalytics: {settings.analytics_path}")
    print(f"reports:   {settings.reports_dir}\nletters:   {settings.letters_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
