"""CLI: ``python -m orchestration.tools.sample_data --year 2019 --rows-per-month 20000 --out data/landing``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from orchestration.tools.sample_data.generator import (
    ANOMALIES_MIN_ROWS,
    ENCODINGS,
    FORMATS,
    GeneratorConfig,
    generate_year,
)


def parse_months(text: str) -> list[int]:
    """'1-12', '3', '1,2,7-9' -> sorted month numbers."""
    months: set[int] = set()
    for part in text.split(","):
        lo, _, hi = part.strip().partition("-")
        months.update(range(int(lo), int(hi or lo) + 1))
    if not months or min(months) < 1 or max(months) > 12:
        raise argparse.ArgumentTypeError(f"months must be within 1-12: {text!r}")
    return sorted(months)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.tools.sample_data",
        description="Generate a year of realistic sample inputs with a ground truth.",
    )
    parser.add_argument("--year", type=int, default=2019)
    parser.add_argument("--rows-per-month", type=int, default=20_000)
    parser.add_argument("--defect-rate", type=float, default=0.03)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("data/landing"))
    parser.add_argument(
        "--truth-dir",
        type=Path,
        default=None,
        help="where the ground truth goes (default: <out>/../sample_truth; never inside --out)",
    )
    parser.add_argument(
        "--format",
        dest="file_format",
        choices=FORMATS,
        default="xlsx",
        help="registry file format (the other inputs are always .xlsx)",
    )
    parser.add_argument("--encoding", choices=ENCODINGS, default="utf-8", help="CSV registry encoding")
    parser.add_argument("--months", type=parse_months, default=list(range(1, 13)), help="e.g. 1-12, 3, 1,4-6")
    parser.add_argument("--missing-months", type=parse_months, default=[],
                        help="months whose registry never arrives (no file; the truth says not_delivered)")
    parser.add_argument("--anomalies", action=argparse.BooleanOptionalAction, default=None,
                        help="plant the data-quality review's anomalies (anomalies.py; truth in anomalies.csv); "
                        f"default: on from {ANOMALIES_MIN_ROWS} rows per month, so `make demo` shows them")
    args = parser.parse_args(argv)

    out = args.out.resolve()
    truth = (args.truth_dir or out.parent / "sample_truth").resolve()
    if truth == out or out in truth.parents:
        parser.error("--truth-dir must not be inside --out (the landing sensor watches it)")
    config = GeneratorConfig(
        year=args.year,
        rows_per_month=args.rows_per_month,
        defect_rate=args.defect_rate,
        seed=args.seed,
        file_format=args.file_format,
        encoding=args.encoding,
        missing_months=tuple(args.missing_months),
        anomalies=args.rows_per_month >= ANOMALIES_MIN_ROWS if args.anomalies is None else args.anomalies,
    )
    started = time.perf_counter()
    result = generate_year(config, out=out, truth_dir=truth, months=args.months)
    elapsed = time.perf_counter() - started
    rows = sum(len(v.rows) for m in result.months for v in m.versions)
    defects = len(result.defects)
    print(
        f"{len(result.months)} month(s) of {args.year}: {rows} registry rows, {defects} injected defects, "
        f"{len(result.files)} files in {elapsed:.1f} s"
    )
    print(f"landing: {out}")
    print(f"truth:   {truth}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
