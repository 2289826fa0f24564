-- Data-quality review (issue 24), the risk list: per period, the operator's managers and
-- centres (a kind of centre in a region) ranked by the phone-survey non-receipt rate (clients
-- saying they received no service, Appendix 4 question 1) — by the lower bound of its 95 %
-- Wilson interval, so a few unlucky answers do not outrank strong evidence — with the months
-- the unit was flagged as an outlier in dq_outliers in the same period. Managers' rates are
-- read from q_service_confirmation_by_manager (the one place they are computed); centres' are
-- estimated here with the same macro (quality_estimates). A unit with outlier flags and no
-- answers is listed too, after those with answers. (period_months: the CTE quality_estimates
-- defines, the month → period bridge.)

with

manager_non_receipt as (
    select period_type, period_start, period_end, 'manager' as unit_kind, manager_key as unit_key,
        n, successes, value, ci_low, ci_high
    from {{ ref('q_service_confirmation_by_manager') }}
    where measure = 'not_received'
),

calls as (
    select
        reporting_month,
        region_code || '/' || centre_kind as centre_key,
        is_linked,
        is_called,
        is_answered,
        q1_received
    from {{ ref('int_survey_calls_linked') }}
    where region_code is not null and centre_kind is not null
),

measures as (
    select *
    from (values ('not_received', 'Доля клиентов, сообщивших, что не получали услугу', 'Қызметті алмағанын хабарлаған клиенттердің үлесі', 1, 'share', 'phone_survey'))
        as measures (measure, measure_name, measure_name_kk, measure_sort_order, unit, source)
),

observations as (
    select reporting_month, centre_key, is_linked, 'not_received' as measure,
        (q1_received = 'no')::integer::double as observation
    from calls
    where is_answered and q1_received is not null
),

{{ quality_estimates('observations', 'calls', 'measures', ['centre_key']) }},

centre_non_receipt as (
    select period_type, period_start, period_end, 'centre' as unit_kind, centre_key as unit_key,
        n, successes, value, ci_low, ci_high
    from quality_rows
    where centre_key is not null
),

non_receipt as (
    select * from manager_non_receipt
    union all
    select * from centre_non_receipt
),

outlier_months as (
    select
        period_months.period_type,
        period_months.period_start,
        period_months.period_end,
        outliers.unit_kind,
        outliers.unit_key,
        count(distinct outliers.period_start) as outlier_months,
        count(distinct outliers.period_start) filter (where outliers.is_extreme) as extreme_months
    from {{ ref('dq_outliers') }} as outliers
    inner join period_months on period_months.reporting_month = outliers.period_start
    where outliers.is_outlier
    group by all
),

combined as (
    select
        coalesce(non_receipt.period_type, outlier_months.period_type) as period_type,
        coalesce(non_receipt.period_start, outlier_months.period_start) as period_start,
        coalesce(non_receipt.period_end, outlier_months.period_end) as period_end,
        coalesce(non_receipt.unit_kind, outlier_months.unit_kind) as unit_kind,
        coalesce(non_receipt.unit_key, outlier_months.unit_key) as unit_key,
        coalesce(non_receipt.n, 0) as q1_answers,
        coalesce(non_receipt.successes, 0) as not_received_answers,
        non_receipt.value as non_receipt_rate,
        non_receipt.ci_low as non_receipt_ci_low,
        non_receipt.ci_high as non_receipt_ci_high,
        coalesce(outlier_months.outlier_months, 0) as outlier_months,
        coalesce(outlier_months.extreme_months, 0) as extreme_months
    from non_receipt
    full outer join outlier_months
        on outlier_months.period_type = non_receipt.period_type
        and outlier_months.period_start = non_receipt.period_start
        and outlier_months.period_end = non_receipt.period_end
        and outlier_months.unit_kind = non_receipt.unit_kind
        and outlier_months.unit_key = non_receipt.unit_key
),

ranked as (
    select
        *,
        row_number() over (
            partition by period_type, period_start, period_end, unit_kind
            order by non_receipt_ci_low desc nulls last, outlier_months desc, not_received_answers desc, unit_key
        ) as risk_rank,
        coalesce(non_receipt_ci_low > {{ var('dq_non_receipt_rate_max') }}
            and q1_answers >= {{ var('dq_non_receipt_min_answers') }}, false) as is_non_receipt_flagged
    from combined
),

centre_names as (
    select centre_kind, any_value(short_name_ru) as place_of_service
    from {{ ref('places_of_service') }}
    group by centre_kind
),

final as (
    select
        ranked.period_type,
        ranked.period_start,
        ranked.period_end,
        ranked.unit_kind,
        ranked.unit_key,
        case when ranked.unit_kind = 'manager' then ranked.unit_key end as manager_key,
        case when ranked.unit_kind = 'centre' then split_part(ranked.unit_key, '/', 1) end as region_code,
        case when ranked.unit_kind = 'centre' then split_part(ranked.unit_key, '/', 2) end as centre_kind,
        ranked.risk_rank,
        ranked.q1_answers,
        ranked.not_received_answers,
        ranked.non_receipt_rate,
        ranked.non_receipt_ci_low,
        ranked.non_receipt_ci_high,
        ranked.outlier_months,
        ranked.extreme_months,
        ranked.is_non_receipt_flagged,
        ranked.is_non_receipt_flagged or ranked.outlier_months > 0 as is_flagged,
        case when ranked.is_non_receipt_flagged or ranked.outlier_months > 0 then
            case ranked.unit_kind
                when 'manager' then 'Менеджер ' || left(ranked.unit_key, 8)
                else 'Центр ' || coalesce(centre_names.place_of_service, '') || ' (' || ranked.unit_key || ')'
            end || ', место в списке риска ' || ranked.risk_rank || ': '
            || case when ranked.q1_answers > 0 then
                ranked.not_received_answers || ' из ' || ranked.q1_answers
                || ' опрошенных сообщили, что не получали услугу (95 % интервал '
                || round(100 * ranked.non_receipt_ci_low, 1) || '–' || round(100 * ranked.non_receipt_ci_high, 1) || ' %)'
                else 'ответов телефонного опроса нет' end
            || case when ranked.outlier_months > 0 then
                '; выбросы в ' || ranked.outlier_months || ' мес. (dq_outliers)' else '' end
            || '. Приоритет для проверки.'
        end as explanation_ru
    from ranked
    left join centre_names on centre_names.centre_kind = split_part(ranked.unit_key, '/', 2)
)

select * from final
