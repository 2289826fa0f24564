-- Data-quality review (issue 24), reporting rates (WHO DQR "completeness and timeliness of
-- reporting"; R5 clause 7, R7 clause 9, R10 clause 14): per period, the monthly registries
-- expected, received, received on time (the month's first version by the 1st of the next
-- month), corrected in time (a correction the agency's letter asked for, submitted within its
-- 3 working days) — and the operator's on-time rate. Lateness is in Kazakhstan's working days
-- (correspondence.calendar_days, written from orchestration/rules/calendar.py): the working
-- days after the due date up to and including the day the first version was submitted
-- (Asia/Almaty). Statuses are read from int_registry_timeliness, never decided here.
-- Months are every month a registry was due for (even with nothing counted); a quarter or a
-- year to date (reporting_periods) sums its months.

with

timeliness as (
    select * from {{ ref('int_registry_timeliness') }}
),

working_days as (
    select day from {{ source('correspondence', 'calendar_days') }} where is_working_day
),

first_versions as (
    select
        reporting_month,
        timezone('Asia/Almaty', due_at)::date as due_date,
        timezone('Asia/Almaty', submitted_at)::date as submitted_date,
        status
    from timeliness
    where is_missing or version = 1
),

lateness as (
    select
        first_versions.reporting_month,
        count(working_days.day) as working_days_late
    from first_versions
    left join working_days
        on working_days.day > first_versions.due_date
        and working_days.day <= first_versions.submitted_date
    where first_versions.status = 'late'
    group by all
),

monthly as (
    select
        timeliness.reporting_month,
        1 as registries_expected,
        max(case when not timeliness.is_missing then 1 else 0 end) as registries_received,
        max(case when timeliness.is_month_on_time then 1 else 0 end) as registries_on_time,
        max(case when timeliness.has_errors then 1 else 0 end) as registries_with_errors,
        max(case when timeliness.correction_status is not null then 1 else 0 end) as registries_corrected,
        max(case when timeliness.correction_status = 'corrected_in_time' then 1 else 0 end)
            as registries_corrected_in_time,
        max(lateness.working_days_late) as working_days_late
    from timeliness
    left join lateness on lateness.reporting_month = timeliness.reporting_month
    group by all
),

period_months as (
    select distinct
        'month' as period_type,
        reporting_month as period_start,
        last_day(reporting_month) as period_end,
        reporting_month
    from monthly
    union all
    select period_type, period_start, period_end, reporting_month
    from ({{ marts_period_months() }}) as reporting_period_months
    where period_type <> 'month'
),

periods as (
    select
        period_months.period_type,
        period_months.period_start,
        period_months.period_end,
        sum(monthly.registries_expected)::bigint as registries_expected,
        sum(monthly.registries_received)::bigint as registries_received,
        sum(monthly.registries_on_time)::bigint as registries_on_time,
        sum(monthly.registries_with_errors)::bigint as registries_with_errors,
        sum(monthly.registries_corrected)::bigint as registries_corrected,
        sum(monthly.registries_corrected_in_time)::bigint as registries_corrected_in_time,
        coalesce(sum(monthly.working_days_late), 0)::bigint as working_days_late,
        max(monthly.working_days_late) as max_working_days_late
    from period_months
    inner join monthly on monthly.reporting_month = period_months.reporting_month
    group by all
),

final as (
    select
        *,
        registries_received / registries_expected as reporting_rate,
        registries_on_time / registries_expected as on_time_rate,
        registries_corrected_in_time / nullif(registries_with_errors, 0) as corrected_in_time_rate,
        registries_on_time < registries_expected
            or registries_corrected_in_time < registries_corrected as is_flagged,
        case when registries_on_time < registries_expected or registries_corrected_in_time < registries_corrected then
            'Представлено в срок ' || registries_on_time || ' из ' || registries_expected
            || ' ожидаемых реестров (получено ' || registries_received || ')'
            || case when working_days_late > 0 then
                '; просрочка ' || working_days_late || ' раб. дн. в сумме, наибольшая — '
                || max_working_days_late || ' раб. дн.' else '' end
            || case when registries_corrected_in_time < registries_corrected then
                '; исправлено в срок ' || registries_corrected_in_time || ' из ' || registries_corrected
                || ' исправлений (п. 9 Методики)' else '' end
            || ' (п. 7, 14 Методики).'
        end as explanation_ru
    from periods
)

select * from final
