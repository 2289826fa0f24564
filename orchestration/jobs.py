"""Jobs: what a scheduled, sensor-launched or demo run materialises."""

from __future__ import annotations

import dagster as dg

from orchestration.partitions import monthly_partitions

RAW = dg.AssetSelection.groups("raw")

# Load the landing files of one or more months (a year is one run: single-run backfill).
ingest_job = dg.define_asset_job(
    "ingest_landing_files",
    selection=RAW,
    partitions_def=monthly_partitions,
    description="Load a reporting month's landing files into the raw layer.",
)

# Rebuild the dbt models over all history and publish analytics.duckdb.
build_job = dg.define_asset_job(
    "build_warehouse",
    selection=dg.AssetSelection.all() - RAW,
    description="dbt build (staging, validated layer, marts, tests) and publish analytics.duckdb.",
)
