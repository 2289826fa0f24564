"""Run the whole pipeline for a year through Dagster, as `make demo` and the benchmark do.

Runs are launched on the persistent Dagster instance (DAGSTER_HOME), so they appear in the
UI exactly as scheduled runs do: one run ingests every month of the year (single-run
backfill of the monthly partitions), one run builds the warehouse models and publishes.
Prints one line per stage with its wall time.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

import dagster as dg

from orchestration.settings import load_settings


def _months(year: int, last_month: int) -> tuple[str, str]:
    return f"{year}-01", f"{year}-{last_month:02d}"


def _run(job: dg.JobDefinition, instance: dg.DagsterInstance, tags: dict[str, str]) -> None:
    result = job.execute_in_process(
        instance=instance, tags=tags, raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
    )
    if not result.success:
        failures = [e.message for e in result.all_events if e.is_failure]
        raise SystemExit(f"run {result.run_id} of {job.name} failed: {failures[:3]}")


def run_year(year: int, last_month: int = 12, report: Callable[[str, float], None] | None = None) -> None:
    from orchestration.definitions import defs

    first, last = _months(year, last_month)
    instance = dg.DagsterInstance.get()
    stages = [
        ("ingest", defs.resolve_job_def("ingest_landing_files"), {
            "dagster/asset_partition_range_start": first,
            "dagster/asset_partition_range_end": last,
        }),
        ("build", defs.resolve_job_def("build_warehouse"), {}),
    ]
    for name, job, tags in stages:
        started = time.perf_counter()
        _run(job, instance, tags)
        if report:
            report(name, time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--year", type=int, required=True)
    parser.add_argument("--last-month", type=int, default=12)
    args = parser.parse_args(argv)
    settings = load_settings()
    run_year(args.year, args.last_month, report=lambda stage, s: print(f"{stage}: {s:.1f} s", flush=True))
    print(f"warehouse: {settings.warehouse_path}\nanalytics: {settings.analytics_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
