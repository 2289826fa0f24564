"""Sensors: new landing files start an ingestion; a finished ingestion starts a build; a month
whose registry deadline has passed with nothing received raises an alert run."""


import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import dagster as dg

from orchestration.defs.assets.ingest import BATCHES_KEY, RAW_KEYS
from orchestration.defs.jobs import build_job, ingest_job, overdue_registries_job
from orchestration.defs.partitions import monthly_partitions
from orchestration.defs.resources import MonitoringSettings, release_dead_runs
from orchestration.ingestion.landing import scan
from orchestration.ingestion.ledger import accounted_for, file_stat, fingerprint, ledger_stamp, loaded_by, read_ledger
from orchestration.personal import mask_personal
from orchestration.rules.timeliness import (
    EVALUATION_TIME_TAG,
    evaluation_time,
    overdue_months,
    received_registry_months,
)
from orchestration.settings import PROGRAMME_START
from orchestration.warehouse.raw import relative_to_landing

# The files that started a run, on the run (relative paths, masked, cut to a readable length).
FILES_TAG = "monitoring/files"
FILES_TAG_CHARS = 200
INGESTION_TAG = "monitoring/after_ingestion"
SCHEDULE_NAME_TAG = "dagster/schedule_name"  # set by the daemon on a run a schedule launched


@dg.sensor(job=ingest_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Новые или измененные файлы в папке загрузки: запуск загрузки по месяцу и виду данных.")
def landing_files_sensor(context: dg.SensorEvaluationContext, monitoring: MonitoringSettings):
    """Launch one ingestion per (month, input) with a landing file not yet accounted for.

    What became of each file (loaded, rejected by its contract, refused for its name) and with
    which content is in the landing ledger the ingestion writes after every run
    (orchestration/ingestion/ledger.py), not in the cursor: a fresh cursor (a new instance, a
    reset sensor, the first `make dev` after `make demo`) launches nothing for files already
    accounted for, and the same bytes delivered again launch nothing. A file is hashed only when
    its size or time differ from the ledger's. The cursor is a digest of what the tick looked at
    (the folder's listing, the ledger's stamp, the latest partition): an unchanged folder is not
    looked at twice. The run key is the files' content hashes (and what each replaces in the ledger),
    so the daemon launches a request once however many ticks make it; the run's tag names the files.
    """
    settings = monitoring.get()
    # One file's bad name or sidecar never stops the others: it is a file like any other here,
    # whose month's ingestion records why it is not taken. A file still being written is looked
    # at again on a later tick.
    found = scan(settings.landing_dir, now=evaluation_time())
    partitions = monitoring_partition_keys()
    valid_months = set(partitions)
    candidates: list[tuple[Path, str | None, str, bool]] = [(f.path, f.month, f.input, True) for f in found.files]
    candidates += [(u.path, u.month, u.input, False) for u in found.unaccepted]
    waiting: list[str] = [relative_to_landing(path, settings.landing_dir) for path in found.waiting]
    looked_at: list[tuple[str, str, str, bool, Path]] = []
    for path, month, input_name, taken in candidates:
        name = relative_to_landing(path, settings.landing_dir)
        if month is None or month < PROGRAMME_START:
            # Belongs to no reporting month: the latest month's ingestion records it (once).
            month, taken = (partitions[-1] if partitions else None), False
        if month not in valid_months:
            # Not a partition (yet): a month delivered early waits, unrecorded, until its
            # partition exists.
            waiting.append(name)
            continue
        looked_at.append((name, month, input_name if input_name in RAW_KEYS else "registry", taken, path))
    listing = [(name, month, input_name, taken, *file_stat(path)) for name, month, input_name, taken, path in looked_at]
    state = hashlib.sha256(json.dumps([listing, sorted(waiting), partitions[-1:],
                                       ledger_stamp(settings.ledger_path, settings.warehouse_path)]).encode())
    cursor = {"digest": state.hexdigest()[:32], "files": len(looked_at), "waiting": len(waiting)}
    suffix = (f"; {len(waiting)} file(s) still being written or for months that are not reporting "
              "partitions" if waiting else "")
    if _cursor_digest(context.cursor) == cursor["digest"]:
        return dg.SkipReason(f"landing folder and ledger unchanged since the last tick{suffix}")
    ledger = read_ledger(settings.ledger_path, settings.warehouse_path)
    changed: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for (name, month, input_name, taken, path), (_, _, _, _, size, mtime_ns) in zip(looked_at, listing, strict=True):
        entry = ledger.get(name)
        unchanged = entry is not None and size >= 0 and (entry.size, entry.mtime_ns) == (size, mtime_ns)
        digest = entry.sha256 if unchanged and entry is not None else fingerprint(path).sha256
        if not accounted_for(entry, digest, taken):
            # The key names what the file replaces too, so content that comes back (A, B, then A
            # again) or a refused file that is now taken is a new request, not a repeated one.
            before = f"{entry.sha256}:{entry.status}" if entry is not None else "new"
            changed.setdefault((month, input_name), []).append((name, f"{digest}:{before}:{int(taken)}"))
    context.update_cursor(json.dumps(cursor, sort_keys=True))
    if not changed:
        return dg.SkipReason(f"every landing file is accounted for in the ledger ({len(looked_at)} files){suffix}")
    return [
        dg.RunRequest(
            run_key=hashlib.sha256("|".join(sorted(f"{name}:{digest}" for name, digest in files)).encode()).hexdigest(),
            partition_key=month,
            asset_selection=[RAW_KEYS[input_name], BATCHES_KEY],
            tags={"monitoring/input": input_name, FILES_TAG: files_tag(name for name, _ in files)},
        )
        for (month, input_name), files in sorted(changed.items())
    ]


def _cursor_digest(cursor: str | None) -> str | None:
    """The digest of the last tick's look; None for no cursor or one in an older form."""
    try:
        value = json.loads(cursor) if cursor else None
    except ValueError:
        return None
    return value.get("digest") if isinstance(value, dict) else None


def files_tag(names: Iterable[str], limit: int = FILES_TAG_CHARS) -> str:
    """Relative paths for a run tag: masked (a file name could hold an identifier), sorted, and cut
    at ``limit`` characters with the count of those left out."""
    names = sorted(mask_personal(name) for name in names)
    shown: list[str] = []
    for index, name in enumerate(names):
        left = len(names) - index - 1
        if len(", ".join([*shown, name]) + (f", … (+{left})" if left else "")) > limit:
            break
        shown.append(name)
    rest = len(names) - len(shown)
    return ", ".join(shown) + (f"{', ' if shown else ''}… (+{rest})" if rest else "")


def monitoring_partition_keys() -> list[str]:
    return monthly_partitions.get_partition_keys()


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[ingest_job],
    request_job=build_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="После каждой успешной загрузки — сборка хранилища, чтобы витрины не отставали от данных.",
)
def build_after_ingestion(context: dg.RunStatusSensorContext, monitoring: MonitoringSettings):
    """After an ingestion that loaded new content, one build, unless a build already covers it.

    New content: a file whose bytes the run was the first to load (the landing ledger says
    which); an ingestion that only rejected files or loaded the same bytes again needs no build.
    A run a schedule launched is always followed by one: the calendar moved (deadlines passed),
    and the build evaluates them. A build covers the ingestion when it is queued, or started
    reading the warehouse (its first step) after the ingestion ended, whatever its outcome but
    failure or cancellation; a build already past its first step when the ingestion ended may
    not have its data, so one more is queued. Dagster evaluates one ingestion per tick when the
    sensor answers, so a tick launches at most one build.
    """
    ingestion = context.dagster_run
    settings = monitoring.get()
    new = loaded_by(read_ledger(settings.ledger_path, settings.warehouse_path), ingestion.run_id)
    scheduled = ingestion.tags.get(SCHEDULE_NAME_TAG)
    if not new and not scheduled:
        return dg.SkipReason(f"ingestion {ingestion.run_id[:8]} loaded nothing new (files rejected, or the same "
                             "content again): no build")
    build = covering_build(context.instance, ingestion.run_id)
    if build is not None:
        return dg.SkipReason(f"build {build.run_id[:8]} ({build.status.value}) reads the warehouse after ingestion "
                             f"{ingestion.run_id[:8]}: no second build")
    tags = {INGESTION_TAG: ingestion.run_id}
    if new:
        tags[FILES_TAG] = files_tag(new)
    return dg.RunRequest(run_key=f"build-after-{ingestion.run_id}", tags=tags)


_WAITING = (dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING)
_NOT_COVERING = (dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED, dg.DagsterRunStatus.CANCELING)


def covering_build(instance: dg.DagsterInstance, ingestion_run_id: str) -> dg.DagsterRun | None:
    """A build that reads (or will read) the warehouse after the ingestion ended, if any."""
    ingestion = instance.get_run_record_by_id(ingestion_run_id)
    ended = ingestion.end_time if ingestion is not None else None
    for record in instance.get_run_records(filters=dg.RunsFilter(job_name=build_job.name), limit=20):
        run = record.dagster_run
        if run.status in _NOT_COVERING:
            continue
        if run.status in _WAITING or ended is None:
            return run
        [first_step] = instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.STEP_START, limit=1).records or [None]
        if first_step is None or first_step.timestamp >= ended:
            return run
    return None


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
