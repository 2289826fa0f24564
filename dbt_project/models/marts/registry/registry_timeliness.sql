-- Registry timeliness for the report (R5, R7, R8, R10; clauses 7, 9, 10, 14): per month and
-- version, its deadline, submission, status, whether the report uses it and why, in Russian.
-- Missing months have one row with no version. The version choice itself is read from
-- int_registry_versions (the one place it is decided), never recomputed here.

with

timeliness as (
    select * from {{ ref('int_registry_timeliness') }}
),

versions as (
    select batch_id, is_used_for_report, exclusion_reason
    from {{ ref('int_registry_versions') }}
),

joined as (
    select
        timeliness.*,
        coalesce(versions.is_used_for_report, false) as is_used_for_report,
        versions.exclusion_reason,
        max(case when versions.is_used_for_report then timeliness.version end)
            over (partition by timeliness.period) as used_version
    from timeliness
    left join versions on versions.batch_id = timeliness.batch_id
),

final as (
    select
        -- ids
        timeliness_id,
        batch_id,
        period,
        reporting_month,
        version,

        -- dates
        due_at,
        submitted_at,
        received_at,
        letter_due_at,
        correction_deadline_at,
        evaluated_at,

        -- status
        status,
        correction_status,
        has_errors,
        is_used_for_report,
        used_version,
        case
            when is_missing then 'Реестр не представлен (п. 7 Методики)'
            when is_used_for_report and correction_status = 'corrected_late' then
                'Используется в отчете: исправленная версия представлена с нарушением срока (п. 9 Методики) '
                || 'и принята согласно настройке use_late_corrections'
            when is_used_for_report and correction_status = 'corrected_in_time' then
                'Используется в отчете: исправленная версия представлена в срок (п. 9 Методики)'
            when is_used_for_report and status = 'not_evaluated' then
                'Используется в отчете: сроки еще не проверены'
            when is_used_for_report then 'Используется в отчете: представлен в срок (п. 7 Методики)'
            when exclusion_reason = 'version_superseded' then
                'Не используется: заменена версией ' || used_version || ' (п. 9 Методики)'
            when not is_month_on_time then
                'Не используется: реестр за месяц представлен с нарушением срока (п. 7 Методики), '
                || 'данные не включаются в отчет (п. 10 Методики)'
            when correction_status = 'corrected_late' then
                'Не используется: исправление представлено с нарушением срока (п. 9 Методики); '
                || coalesce('в отчете — версия ' || used_version, 'в отчет не включается')
            else
                'Не используется: версия представлена после срока (п. 7 Методики) без письма-уведомления, '
                || 'которое допускало бы исправление (п. 9 Методики)'
        end as reason_ru,

        -- violations (R10: every case is listed)
        violation_kind is not null as is_violation,
        violation_kind,
        violation_ru,
        case
            when status = 'late' then date_diff(
                'day',
                cast(timezone('Asia/Almaty', due_at) as date),
                cast(timezone('Asia/Almaty', submitted_at) as date)
            )
        end as days_after_due
    from joined
)

select * from final
