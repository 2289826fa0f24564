"""The instant a run evaluates deadlines at: its tag (set by a sensor or the simulated clock),
else MONITORING_EVALUATION_TIME, else now — one place for every asset that asks."""

from __future__ import annotations

from datetime import datetime

import dagster as dg

from orchestration.rules.timeliness import EVALUATION_TIME_TAG, evaluation_time, parse_evaluation_time


def run_evaluation_time(context: dg.AssetExecutionContext) -> datetime:
    """The run's evaluation-time tag (set by the sensor), else the environment, else now."""
    tagged = context.run.tags.get(EVALUATION_TIME_TAG)
    return parse_evaluation_time(tagged) if tagged else evaluation_time()
