"""Sensors: new landing files start an ingestion; a finished ingestion starts a build; a month
whose registry deadline has passed with nothing received raises an alert run."""


import hashlib
import json
from pathlib import Path

import dagster as dg

from orchestration.defs.assets.ingest import BATCHES_KEY, RAW_KEYS
from orchestration.defs.jobs import build_job, ingest_job, overdue_registries_job
from orchestration.defs.partitions import monthly_partitions
from orchestration.defs.resources import MonitoringSettings, release_dead_runs
from orchestration.ingestion.landing import scan, sha256_of
from orchestration.rules.timeliness import (
    EVALUATION_TIME_TAG,
    evaluation_time,
    overdue_months,
    received_registry_months,
)
from orchestration.settings import PROGRAMME_START
from orchestration.warehouse.raw import relative_to_landing


@dg.sensor(job=ingest_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Новые или измененные файлы в папке загрузки: запуск загрузки по месяцу и виду данных.")
def landing_files_sensor(context: dg.SensorEvaluationContext, monitoring: MonitoringSettings):
    """Launch one ingestion per (month, input) whose files are new or changed.

    The cursor remembers each file's size, mtime and sha256, so a file is hashed only when
    it changed on disk, and the run key is the content hash: touching a file or delivering
    the same bytes again launches nothing.
    """
    settings = monitoring.get()
    cursor: dict[str, list] = json.loads(context.cursor) if context.cursor else {}
    # One file's bad name or sidecar never stops the others: it is a file like any other here,
    # whose month's ingestion records why it is not taken. A file still being written is not
    # in the cursor yet, so it is looked at again on the next tick.
    found = scan(settings.landing_dir, now=evaluation_time())
    partitions = monitoring_partition_keys()
    valid_months = set(partitions)
    entries: list[tuple[Path, str | None, str]] = [(f.path, f.month, f.input) for f in found.files]
    entries += [(u.path, u.month, u.input) for u in found.unaccepted]
    changed: dict[tuple[str, str], list[str]] = {}
    waiting: list[str] = [relative_to_landing(path, settings.landing_dir) for path in found.waiting]
    for path, month, input_name in entries:
        name = relative_to_landing(path, settings.landing_dir)
        if month is None or month < PROGRAMME_START:
            # Belongs to no reporting month: the latest month's ingestion records it (once).
            month = partitions[-1] if partitions else None
        if month not in valid_months:
            # Not a partition (yet): a month delivered early waits, unrecorded, until its
            # partition exists.
            waiting.append(name)
            continue
        if input_name not in RAW_KEYS:
            input_name = "registry"
        try:
            stat = path.stat()
            seen = cursor.get(name)
            if seen and seen[0] == stat.st_size and seen[1] == stat.st_mtime_ns:
                continue
            digest = sha256_of(path)
        except OSError:  # a link to nowhere, a file without read permission: the run records why
            stat, seen, digest = None, cursor.get(name), "unreadable"
        cursor[name] = [stat.st_size if stat else -1, stat.st_mtime_ns if stat else -1, digest]
        if seen and seen[2] == digest:
            continue
        changed.setdefault((month, input_name), []).append(f"{name}:{digest}")
    context.update_cursor(json.dumps(cursor, sort_keys=True))
    if not changed:
        suffix = (f"; {len(waiting)} file(s) still being written or for months that are not reporting "
                  "partitions" if waiting else "")
        return dg.SkipReason(f"no new or changed landing files{suffix}")
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
    description="После каждой успешной загрузки — сборка хранилища, чтобы витрины не отставали от данных.",
)
def build_after_ingestion(context: dg.RunStatusSensorContext):
    """Every successful ingestion is followed by a build, so the marts never lag the raw layer."""
    return dg.RunRequest(run_key=f"build-after-{context.dagster_run.run_id}")


@dg.sensor(job=overdue_registries_job, minimum_interval_seconds=900,
           default_status=dg.DefaultSensorStatus.RUNNING,
           description="Каждые 15 минут: срок представления реестра истек, а реестр не получен — оповещение "
                       "(один раз на месяц).")
def overdue_registries_sensor(context: dg.SensorEvaluationContext, monitoring: MonitoringSettings):
    """R5 (clause 7): once a month's deadline has passed with no registry received, alert once.

    Evaluates at ``MONITORING_EVALUATION_TIME`` (tests, backfills) or now, against the registry
    files in the landing folder (a sensor must not open the warehouse while a run writes it).
    The cursor keeps the months already alerted, and the run key names them, so a month is
    raised once, not every tick; a later month raises a new run. The run materialises
    alerts/overdue_registries, whose check fails naming every overdue month.
    """
    now = evaluation_time()
    overdue = overdue_months(now, received_registry_months(monitoring.get().landing_dir))
    alerted: set[str] = set(json.loads(context.cursor)) if context.cursor else set()
    new = [month for month in overdue if month not in alerted]
    if not new:
        still = f" (still overdue, already alerted: {', '.join(overdue)})" if overdue else ""
        return dg.SkipReason(f"no newly overdue registry at {now.isoformat()}{still}")
    context.update_cursor(json.dumps(sorted(alerted | set(new))))
    return dg.RunRequest(
        run_key=f"overdue-registries:{','.join(new)}",
        tags={EVALUATION_TIME_TAG: now.isoformat(), "monitoring/overdue_months": ",".join(new)},
    )


@dg.sensor(minimum_interval_seconds=120, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Освобождение места в очереди к хранилищу, занятого аварийно прерванным запуском.")
def release_dead_run_slots(context: dg.SensorEvaluationContext):
    """Free the warehouse pool slot of a run whose process was killed (e.g. launched from the UI).

    A hard-killed run never reports its end and would hold the one-slot pool for ever,
    so every later run would wait; this marks it failed and releases its slot.
    """
    released = release_dead_runs(context.instance)
    if not released:
        return dg.SkipReason("no run holds the warehouse pool without a live process")
    context.log.warning(f"released the pool slots of dead runs: {', '.join(released)}")
    return dg.SkipReason(f"released {len(released)} dead run(s)")
