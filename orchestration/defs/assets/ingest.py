"""Ingestion: landing files → raw tables, one file = one batch, per reporting month.

One multi-asset loads the four inputs so that a month's ingestion is one step, and a
year's backfill is one run (single-run backfill policy). A file that fails its contract
is rejected whole and recorded in raw.rejected_files; the batch already loaded for that
month and version (if any) stays as it was.
"""


from collections.abc import Mapping
from datetime import UTC, datetime

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.defs.partitions import monthly_partitions
from orchestration.defs.resources import WAREHOUSE_POOL, MonitoringSettings
from orchestration.defs.ui import OWNERS, asset_tags, local_time_metadata, md_table, md_table_metadata
from orchestration.ingestion.landing import scan
from orchestration.ingestion.ledger import fingerprints, record_ingestion
from orchestration.ingestion.load import LOAD_SETTINGS, checked_files, load_files, unaccepted_in_run
from orchestration.ingestion.spool import clear as clear_spool
from orchestration.personal import mask_personal
from orchestration.reference import INPUTS
from orchestration.rules.timeliness import evaluation_time
from orchestration.settings import apply_duckdb_settings
from orchestration.warehouse.raw import relative_to_landing

RAW_KEYS = {name: dg.AssetKey(["raw", f"{name}_rows"]) for name in INPUTS}
BATCHES_KEY = dg.AssetKey(["raw", "batches"])

INPUT_DESCRIPTIONS = {
    "registry": "Реестр услуг (приложение 1 к Методике): все версии ежемесячных выгрузок оператора.\n\n"
    "Registry of services, every monthly snapshot version (clause 7), as read from "
    "`data/landing/registry/ГГГГ-ММ/vN.xlsx` (or .csv). Holds personal data: raw layer only.",
    "questionnaires": "Реестр анкет онлайн-оценки качества услуг (приложение 2).\n\n"
    "Online quality questionnaires (clause 6), from `data/landing/questionnaires/ГГГГ-ММ/`.",
    "acts": "Акты оказанных услуг, подтверждающие строки реестра (п. 11).\n\n"
    "Acts of services rendered (clause 11), from `data/landing/acts/ГГГГ-ММ/`.",
    "phone_survey": "Результаты телефонного опроса клиентов (приложение 4).\n\n"
    "Phone survey results (clause 16); one file per quarter, loaded in the partition of the "
    "quarter's last month, from `data/landing/phone_survey/ГГГГ-ММ/`.",
}
BATCHES_DESCRIPTION = ("Журнал загрузки: одна строка на каждый принятый файл, отклоненные файлы с причиной.\n\n"
                       "raw.batches (one row per loaded landing file) and raw.rejected_files (why a file "
                       "was not taken).")
CHECK_DESCRIPTION = ("Все файлы месяца приняты, и в папке загрузки нет неучтенных файлов.\n\n"
                     "Every landing file of the month passed its contract, and no file sits in landing "
                     "unaccounted for: a name that is no version or period, a bad sidecar, two files for one "
                     "version, a folder that is no month, a month outside the programme.")
STATUS_RU = {"loaded": "загружен", "rejected": "отклонен"}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(key, description=INPUT_DESCRIPTIONS[name], group_name="raw", kinds={"duckdb"},
                     owners=OWNERS, tags=asset_tags("raw", pii=True), skippable=True)
        for name, key in RAW_KEYS.items()
    ]
    + [dg.AssetSpec(BATCHES_KEY, description=BATCHES_DESCRIPTION, group_name="raw", kinds={"duckdb"},
                    owners=OWNERS, tags=asset_tags("raw", pii=False), skippable=True)],
    check_specs=[dg.AssetCheckSpec("landing_files_accepted", asset=BATCHES_KEY, description=CHECK_DESCRIPTION)],
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    can_subset=True,
    pool=WAREHOUSE_POOL,
)
def landing_files(context: dg.AssetExecutionContext, monitoring: MonitoringSettings,
                  warehouse: DuckDBResource):
    """Загрузка файлов отчетного месяца из папки загрузки в слой raw (один файл — одна партия)."""
    settings = monitoring.get()
    months = set(context.partition_keys)
    inputs = {name for name, key in RAW_KEYS.items() if key in context.selected_asset_keys}
    seen_at = datetime.now(UTC)
    # Before opening the warehouse. A file whose name or sidecar is wrong is not taken and is
    # recorded with its reason below; it never stops the other files.
    found = scan(settings.landing_dir, now=evaluation_time())
    files = [f for f in found.files if f.month in months and f.input in inputs]
    taken = fingerprints(files, settings.landing_dir)  # before they are read: a later change is seen
    clear_spool(settings.spool_dir)  # rows a killed run left in transit
    with (checked_files(files, settings.landing_dir, settings.spool_dir) as checked,
          warehouse.get_connection() as con):
        apply_duckdb_settings(con, LOAD_SETTINGS)
        outcomes = load_files(con, files, checked, settings.landing_dir, inputs, seen_at, context.log,
                              found, months)
    versions = {relative_to_landing(f.path, settings.landing_dir): f.version for f in found.files}
    versions.update({relative_to_landing(u.path, settings.landing_dir): u.version or None for u in found.unaccepted})
    # What the sensors read instead of the warehouse: every landing file accounted for, by content.
    unaccepted = [item for group in unaccepted_in_run(found, settings.landing_dir, months, inputs) for item in group]
    record_ingestion(settings.ledger_path, settings.warehouse_path, settings.landing_dir, files, taken, outcomes,
                     unaccepted, context.run_id, seen_at)
    problems = [str(o["reason"]) for name in sorted(outcomes) for o in outcomes[name] if o["status"] == "rejected"]
    for name in sorted(inputs):
        loaded = [o for o in outcomes[name] if o["status"] == "loaded"]
        counts: dict[str, int] = {}
        for outcome in loaded:
            for key, value in dict(outcome["counts"]).items():  # type: ignore[call-overload]
                counts[key] = counts.get(key, 0) + value
        yield dg.MaterializeResult(
            asset_key=RAW_KEYS[name],
            metadata={
                "months": dg.MetadataValue.text(", ".join(sorted(months))),
                "loaded_at": local_time_metadata(seen_at),
                "files_loaded": len(loaded),
                "files_rejected": sum(1 for o in outcomes[name] if o["status"] == "rejected"),
                "rows_loaded": sum(int(o["rows"]) for o in loaded),  # type: ignore[call-overload]
                "files_table": files_table(outcomes[name], versions),
                "normalisations": dg.MetadataValue.json(counts),
                "files": dg.MetadataValue.json(outcomes[name]),
            },
        )
    if BATCHES_KEY in context.selected_asset_keys:
        rejected = [o for name in sorted(outcomes) for o in outcomes[name] if o["status"] == "rejected"]
        yield dg.MaterializeResult(asset_key=BATCHES_KEY, metadata={
            "files_rejected": len(problems),
            "files_table": files_table([o for name in sorted(outcomes) for o in outcomes[name]], versions)})
        yield dg.AssetCheckResult(
            check_name="landing_files_accepted",
            asset_key=BATCHES_KEY,
            passed=not problems,
            # A file the operator delivered and the system did not take is a failure, not a remark:
            # its month is counted without it until a corrected file comes (the catalog shows it red).
            severity=dg.AssetCheckSeverity.ERROR,
            description=(f"Не приняты файлы: {len(problems)} ("
                         f"{', '.join(sorted(mask_personal(str(o['file'])) for o in rejected))}; месяцы "
                         f"{', '.join(sorted(months))}); причины — в таблице «Отклоненные файлы»." if problems
                         else f"Все файлы за {', '.join(sorted(months))} приняты."),
            metadata={
                "Отклоненные файлы": md_table_metadata(
                    ["Файл", "Причина"], [(f"`{o['file']}`", o["reason"]) for o in rejected]),
                "rejections": dg.MetadataValue.json(problems),
            },
        )


def version_of(outcome: Mapping[str, object], versions: Mapping[str, int | None]) -> int | None:
    return versions.get(str(outcome["file"]))


def files_table(outcomes: list[dict[str, object]], versions: Mapping[str, int | None]) -> dg.MetadataValue:
    """One row per file: name, version, rows read, loaded or rejected and why (never a cell value)."""
    return dg.MetadataValue.md(md_table(
        ["Файл", "Версия", "Строк прочитано", "Результат", "Причина / примечание"],
        [(f"`{o['file']}`", version_of(o, versions), o.get("rows", "—"), STATUS_RU.get(str(o["status"]), o["status"]),
          o.get("reason") or "; ".join(str(n) for n in o.get("notes", []) or []))  # type: ignore[union-attr]
         for o in outcomes]))
