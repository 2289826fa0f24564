"""Schedules, in Asia/Almaty time.

- The registry for month M is due as of the 1st of M+1 (clause 7): the monthly ingestion
  runs on the 2nd at 09:00 for the month just closed, after the deadline has passed; the
  build follows through the `build_after_ingestion` sensor.
- On a report's day the warehouse is built at 06:00, before the report at 09:00: a period
  closes by the calendar (its last registry's deadline plus the correction window), and a
  build after that instant is what closes it in the marts the report reads.
- Quarterly reports are due by the 12th of the month after the quarter, the final annual
  report by 10 December (clause 12): each is produced two days ahead (10 April, 10 July,
  10 October; 8 December), leaving time to read it before it is sent.
"""

import dagster as dg

from orchestration.defs.jobs import build_job, ingest_job, report_job
from orchestration.settings import TIMEZONE

monthly_ingestion_schedule = dg.build_schedule_from_partitioned_job(
    ingest_job,
    name="monthly_ingestion",
    description="Ежемесячно 2-го числа в 09:00 (Алматы): загрузка файлов за прошедший месяц (срок реестра — "
                "1-е число, п. 7); сборка хранилища запускается после загрузки.",
    day_of_month=2,
    hour_of_day=9,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

# Month of the scheduled tick → the report produced then.
_REPORT_AT_TICK_MONTH = {4: "Q1", 7: "Q2", 10: "Q3", 12: "final"}


def report_period_at(tick_year: int, tick_month: int) -> str:
    return f"{tick_year}-{_REPORT_AT_TICK_MONTH[tick_month]}"


@dg.schedule(name="monitoring_reports", cron_schedule=["0 9 10 4,7,10 *", "0 9 8 12 *"],
             execution_timezone=TIMEZONE, job=report_job, default_status=dg.DefaultScheduleStatus.RUNNING,
             description="Отчеты за два дня до срока (п. 12): 10 апреля, 10 июля, 10 октября — ежеквартальные, "
                         "8 декабря — итоговый годовой; в 09:00 (Алматы).")
def report_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    tick = context.scheduled_execution_time
    period = report_period_at(tick.year, tick.month)
    return dg.RunRequest(run_key=period, partition_key=period)


@dg.schedule(name="build_before_reports", cron_schedule=["0 6 10 4,7,10 *", "0 6 8 12 *"],
             execution_timezone=TIMEZONE, job=build_job, default_status=dg.DefaultScheduleStatus.RUNNING,
             description="Сборка хранилища в дни отчетов в 06:00 (Алматы), до отчета в 09:00: период закрывается "
                         "по календарю, и отчет читает витрины, собранные после срока реестра и исправлений.")
def build_before_reports_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    return dg.RunRequest(run_key=context.scheduled_execution_time.isoformat())
