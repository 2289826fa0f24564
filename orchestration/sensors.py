"""Sensors: new landing files start an ingestion; a finished ingestion starts a build."""


import hashlib
import json

import dagster as dg

from orchestration.assets.ingest import BATCHES_KEY, RAW_KEYS
from orchestration.jobs import build_job, ingest_job
from orchestration.landing import LandingError, discover, sha256_of
from orchestration.partitions import monthly_partitions
from orchestration.resources import MonitoringSettings
from orchestration.warehouse import relative_to_landing


@dg.sensor(job=ingest_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def landing_files_sensor(context: dg.SensorEvaluationContext, monitoring: MonitoringSettings):
    """Launch one ingestion per (month, input) whose files are new or changed.

    The cursor remembers each file's size, mtime and sha256, so a file is hashed only when
    it changed on disk, and the run key is the content hash: touching a file or delivering
    the same bytes again launches nothing.
    """
    settings = monitoring.get()
    cursor: dict[str, list] = json.loads(context.cursor) if context.cursor else {}
    try:
        files = discover(settings.landing_dir)
    except LandingError as exc:
        return dg.SkipReason(f"landing folder has a malformed sidecar: {exc}")
    valid_months = set(monitoring_partition_keys())
    changed: dict[tuple[str, str], list[str]] = {}
    for landing_file in files:
        name = relative_to_landing(landing_file.path, settings.landing_dir)
        stat = landing_file.path.stat()
        seen = cursor.get(name)
        if seen and seen[0] == stat.st_size and seen[1] == stat.st_mtime_ns:
            continue
        digest = sha256_of(landing_file.path)
        cursor[name] = [stat.st_size, stat.st_mtime_ns, digest]
        if seen and seen[2] == digest:
            continue
        if landing_file.month not in valid_months:
            context.log.warning(f"{name}: month {landing_file.month} is outside the reporting partitions; ignored")
            continue
        changed.setdefault((landing_file.month, landing_file.input), []).append(f"{name}:{digest}")
    context.update_cursor(json.dumps(cursor, sort_keys=True))
    if not changed:
        return dg.SkipReason("no new or changed landing files")
    return [
        dg.RunRequest(
            run_key=hashlib.sha256("|".join(sorted(entries)).encode()).hexdigest(),
            partition_key=month,
            asset_selection=[RAW_KEYS[input_name], BATCHES_KEY],
            tags={"monitoring/input": input_name},
        )
        for (month, input_name), entries in sorted(changed.items())
    ]


def monitoring_partition_keys() -> list[str]:
    return monthly_partitions.get_partition_keys()


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[ingest_job],
    request_job=build_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def build_after_ingestion(context: dg.RunStatusSensorContext):
    """Every successful ingestion is followed by a build, so the marts never lag the raw layer."""
    return dg.RunRequest(run_key=f"build-after-{context.dagster_run.run_id}")
