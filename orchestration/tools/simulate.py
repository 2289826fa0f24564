"""`make simulate`: a sample year through the real sensors and schedules with a simulated clock.

Generates the year into data/simulation/source/ (the generator's ground truth in
data/sample_truth/), empties the data folder's pipeline outputs, then lets
``orchestration.defs.simulation`` deliver each file at its time and evaluate the sensors and
schedules; the runs go to the Dagster instance in DAGSTER_HOME (visible in `make dev`). The
timeline is printed and written to data/simulation/timeline.md.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from datetime import datetime

from orchestration.settings import load_settings
from orchestration.tools.sample_data import GeneratorConfig, generate_year

CLEARED = ("landing", "letters", "reports", "call_lists", "sample_truth", "simulation")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--year", type=int, default=2019)
    parser.add_argument("--rows-per-month", type=int, default=300)
    parser.add_argument("--defect-rate", type=float, default=0.03)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--missing-month", type=int, action="append", default=None,
                        help="a month whose registry never arrives, generated so (default 8; 0 for none)")
    parser.add_argument("--until", default=None, help="stop the clock here (ISO date; default 2 January next year)")
    parser.add_argument("--report-days-only", action="store_true",
                        help="stop the clock only at each report day's build (06:00) and report (09:00): "
                             "the same reports, a build per report instead of one per arrival")
    args = parser.parse_args(argv)
    missing = [m for m in (args.missing_month or [8]) if m]
    settings = load_settings()
    data = settings.data_dir
    for name in CLEARED:
        shutil.rmtree(data / name, ignore_errors=True)
    for path in (settings.warehouse_path, settings.analytics_path):
        for file in path.parent.glob(path.name + "*"):
            file.unlink()
    settings.ledger_path.unlink(missing_ok=True)  # what the emptied warehouse had loaded
    source = data / "simulation" / "source"
    config = GeneratorConfig(year=args.year, rows_per_month=args.rows_per_month,
                             defect_rate=args.defect_rate, seed=args.seed, missing_months=tuple(missing))
    generate_year(config, out=source, truth_dir=data / "sample_truth")

    from orchestration.defs.definitions import build_definitions
    from orchestration.defs.runner import current_instance
    from orchestration.defs.simulation import ALMATY, Simulation, report_day_stops, simulate, write_timeline

    until = (datetime.fromisoformat(args.until).replace(tzinfo=ALMATY) if args.until
             else datetime(args.year + 1, 1, 2, 12, tzinfo=ALMATY))
    sim = Simulation(settings, current_instance(), build_definitions(settings), echo=print)
    stops = report_day_stops(args.year, until) if args.report_days_only else None
    events = simulate(sim, source, args.year, until, stops=stops)
    path = write_timeline(events, data / "simulation" / "timeline.md",
                          f"Simulated year {args.year} (seed {args.seed}, {args.rows_per_month} rows a month)")
    print(f"timeline: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
