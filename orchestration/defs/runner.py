"""Jobs executed in this process on the Dagster instance, in order: what `make demo`, the
benchmark and the simulated year use to run the pipeline as the UI would show it."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

import dagster as dg

from orchestration.defs.resources import release_dead_runs

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass(frozen=True)
class Stage:
    name: str
    job: str
    partition_key: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


def current_instance() -> dg.DagsterInstance:
    """The instance in DAGSTER_HOME, where `make dev` shows the runs."""
    return dg.DagsterInstance.get()


def run_stages(stages: list[Stage], instance: dg.DagsterInstance | None = None,
               definitions: dg.Definitions | None = None) -> dict[str, float]:
    """Execute each stage's job on the instance; wall seconds per stage name."""
    if definitions is None:
        from orchestration.defs.definitions import defs as definitions
    instance = instance or dg.DagsterInstance.get()
    for run_id in release_dead_runs(instance):  # a killed earlier run must not hold the warehouse pool
        print(f"run {run_id} had died without finishing: marked failed, its pool slot released", file=sys.stderr)
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
