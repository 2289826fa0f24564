"""Notification letters to the operator (R6, clause 8), one per registry version with rows left out
(rule errors, rows the acts do not confirm: clause 11) or received late (clause 10).

Runs after the registry's rule and act checks (dbt up to int_registry_rule_violations and
int_registry_services_confirmed, joined here to the raw values) and before the deadlines and the
rest of dbt; writes data/letters/YYYY-MM/vN/ (letter.docx + annex.xlsx where rows are listed, owner-only:
data about the operator's rows) and correspondence.letters (every letter with its kind, no personal
data), whose letters asking for a correction the deadlines asset and the mart ``letters_sent`` read.
Metadata and logs carry counts and paths only, never a value from the registry.
"""


from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.defs.assets.ingest import BATCHES_KEY
from orchestration.defs.clock import run_evaluation_time
from orchestration.defs.resources import WAREHOUSE_POOL, MonitoringSettings
from orchestration.defs.ui import OWNERS, asset_tags, files_metadata, local_time, md_table_metadata
from orchestration.outputs.letters import produce_letters
from orchestration.runtime.processes import forked_workers

LETTERS_KEY = dg.AssetKey(["letters", "notification_letters"])
VIOLATIONS_KEY = dg.AssetKey(["intermediate", "int_registry_rule_violations"])
CONFIRMED_KEY = dg.AssetKey(["intermediate", "int_registry_services_confirmed"])
# Letters written at once, each in its own process (the .docx and .xlsx writers are Python).
LETTER_WRITERS = 2


@dg.asset(
    key=LETTERS_KEY,
    deps=[VIOLATIONS_KEY, CONFIRMED_KEY, BATCHES_KEY],
    group_name="letters",
    kinds={"docx", "xlsx"},
    pool=WAREHOUSE_POOL,
    owners=OWNERS,
    tags=asset_tags("letters", pii=True),
    check_specs=[dg.AssetCheckSpec(
        "letters_produced_on_time", asset=LETTERS_KEY,
        description="Письма-уведомления оператору подготовлены в течение 1 рабочего дня с получения реестра "
                    "(п. 8 Методики).\n\nEvery letter produced within 1 working day of the registry's receipt.")],
    description="Письма-уведомления оператору (пп. 8, 10, 11 Методики): письмо .docx и приложение .xlsx со "
                "строками, не учтенными при формировании отчета (ошибки заполнения, строки без подтверждения "
                "актами), по каждой такой версии реестра, и уведомление о реестре, представленном с нарушением "
                "срока.\n\n"
                "Written to `data/letters/ГГГГ-ММ/vN/` (personal data: owner-only files); each letter is "
                "recorded in correspondence.letters with its kind, correction or notice (no personal data).",
)
def notification_letters(context: dg.AssetExecutionContext, monitoring: MonitoringSettings,
                         warehouse: DuckDBResource):
    settings = monitoring.get()
    # forked before the warehouse is opened (processes.forked_workers says why)
    with forked_workers(LETTER_WRITERS) as writers, warehouse.get_connection() as con:
        records = produce_letters(con, settings.letters_dir, run_evaluation_time(context), writers=writers)
    # the clause-8 deadline binds the letters that ask for a correction (the others are notices)
    late = [str(r["letter_number"]) for r in records if r["produced_late"] and r["kind"] == "correction"]
    context.log.info(f"{len(records)} letters in {settings.letters_dir}; {len(late)} produced late")
    files = [Path(str(r[key])) for r in records for key in ("path", "annex_path") if r[key] is not None]
    yield dg.MaterializeResult(metadata={
        "letters_dir": dg.MetadataValue.path(str(settings.letters_dir)),
        "letters": len(records),
        "error_rows": sum(int(r["error_rows"]) for r in records),
        "errors": sum(int(r["error_count"]) for r in records),
        "Письма": md_table_metadata(
            ["Письмо №", "Месяц", "Версия", "Строк с ошибками", "Ошибок", "Строк без актов", "Реестр опоздал",
             "Дата письма", "С опозданием"],
            [(r["letter_number"], r["period"], r["version"], r["error_rows"], r["error_count"], r["act_rows"],
              "да" if r["registry_late"] else "нет", str(r["letter_date"]),
              "да" if r["produced_late"] and r["kind"] == "correction" else "нет") for r in records]),
        **files_metadata(files, settings.letters_dir),
        "by_letter": dg.MetadataValue.json([
            {"letter_number": r["letter_number"], "path": r["path"], "error_rows": r["error_rows"],
             "errors": r["error_count"], "letter_date": str(r["letter_date"]),
             "produced_late": r["produced_late"]}
            for r in records
        ]),
    })
    late_records = [r for r in records if r["produced_late"] and r["kind"] == "correction"]
    yield dg.AssetCheckResult(
        check_name="letters_produced_on_time",
        asset_key=LETTERS_KEY,
        passed=not late,
        severity=dg.AssetCheckSeverity.WARN,
        description=(f"Письма подготовлены позже срока (1 рабочий день, п. 8): № {', '.join(late)}; "
                     "они датированы днем срока." if late else "Все письма подготовлены в срок."),
        metadata={
            "late_letters": len(late),
            "Письма с опозданием": md_table_metadata(
                ["Письмо №", "Месяц", "Версия", "Срок (Алматы)", "Подготовлено (Алматы)"],
                [(r["letter_number"], r["period"], r["version"], local_time(r["letter_due_at"]),  # type: ignore[arg-type]
                  local_time(r["produced_at"])) for r in late_records]),  # type: ignore[arg-type]
        },
    )
