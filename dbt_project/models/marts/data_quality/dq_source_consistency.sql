-- Data-quality review (issue 24), consistency between sources (WHO DQR "external
-- consistency"): per region and period, the registry against the acts (R4, clause 11), the
-- online questionnaires (R2) and the phone survey (R3, Appendix 4 question 1):
--   acts_ratio               registry rows of the version used, with no error, confirmed by an
--                            act / those rows — flagged outside [dq_acts_ratio_min, dq_acts_ratio_max];
--   questionnaire_rate       questionnaires linked to a counted service / counted services —
--                            flagged outside [dq_questionnaire_rate_min, dq_questionnaire_rate_max];
--   non_receipt_rate         answers "no, I received no service" / answers to question 1 — a
--                            sample, so flagged only when its 95 % Wilson interval lies wholly
--                            above dq_non_receipt_rate_max, with at least dq_non_receipt_min_answers answers.
-- Counts are additive: a quarter or a year to date sums its months (reporting_periods).

with

used_batches as (
    select batch_id from {{ ref('int_registry_versions') }} where is_used_for_report
),

registry_rows as (
    select validated.reporting_month, validated.region_code, confirmed.is_confirmed_by_act
    from {{ ref('int_registry_services_validated') }} as validated
    inner join used_batches on used_batches.batch_id = validated.batch_id
    inner join {{ ref('int_registry_services_confirmed') }} as confirmed
        on confirmed.batch_id = validated.batch_id
        and confirmed.source_row = validated.source_row
    where not validated.has_error and validated.region_code is not null
),

registry_monthly as (
    select
        reporting_month,
        region_code,
        count(*) as registry_services,
        count(*) filter (where is_confirmed_by_act) as act_confirmed_services
    from registry_rows
    group by all
),

counted_monthly as (
    select reporting_month, region_code, count(*) as counted_services
    from {{ ref('int_services_counted') }}
    group by all
),

questionnaires_monthly as (
    select reporting_month, region_code, count(*) as questionnaires
    from {{ ref('int_questionnaires_linked') }}
    where is_linked
    group by all
),

phone_monthly as (
    select
        reporting_month,
        region_code,
        count(*) filter (where is_answered and q1_received is not null) as q1_answers,
        count(*) filter (where is_answered and q1_received = 'no') as not_received_answers
    from {{ ref('int_survey_calls_linked') }}
    where region_code is not null
    group by all
),

region_months as (
    select reporting_month, region_code from registry_monthly
    union
    select reporting_month, region_code from counted_monthly
    union
    select reporting_month, region_code from questionnaires_monthly
    union
    select reporting_month, region_code from phone_monthly
),

monthly as (
    select
        region_months.reporting_month,
        region_months.region_code,
        coalesce(registry_monthly.registry_services, 0) as registry_services,
        coalesce(registry_monthly.act_confirmed_services, 0) as act_confirmed_services,
        coalesce(counted_monthly.counted_services, 0) as counted_services,
        coalesce(questionnaires_monthly.questionnaires, 0) as questionnaires,
        coalesce(phone_monthly.q1_answers, 0) as q1_answers,
        coalesce(phone_monthly.not_received_answers, 0) as not_received_answers
    from region_months
    left join registry_monthly using (reporting_month, region_code)
    left join counted_monthly using (reporting_month, region_code)
    left join questionnaires_monthly using (reporting_month, region_code)
    left join phone_monthly using (reporting_month, region_code)
),

period_months as (
    {{ marts_period_months() }}
),

periods as (
    select
        period_months.period_type,
        period_months.period_start,
        period_months.period_end,
        monthly.region_code,
        sum(monthly.registry_services)::bigint as registry_services,
        sum(monthly.act_confirmed_services)::bigint as act_confirmed_services,
        sum(monthly.counted_services)::bigint as counted_services,
        sum(monthly.questionnaires)::bigint as questionnaires,
        sum(monthly.q1_answers)::bigint as q1_answers,
        sum(monthly.not_received_answers)::bigint as not_received_answers
    from monthly
    inner join period_months on period_months.reporting_month = monthly.reporting_month
    group by all
),

rates as (
    select
        *,
        act_confirmed_services / nullif(registry_services, 0) as acts_ratio,
        questionnaires / nullif(counted_services, 0) as questionnaire_rate,
        not_received_answers / nullif(q1_answers, 0) as non_receipt_rate,
        {{ quality_wilson('not_received_answers', 'q1_answers', 'low') }} as non_receipt_ci_low,
        {{ quality_wilson('not_received_answers', 'q1_answers', 'high') }} as non_receipt_ci_high
    from periods
),

flagged as (
    select
        *,
        coalesce(acts_ratio not between {{ var('dq_acts_ratio_min') }} and {{ var('dq_acts_ratio_max') }}, false)
            as is_acts_ratio_flagged,
        coalesce(questionnaire_rate not between {{ var('dq_questionnaire_rate_min') }}
            and {{ var('dq_questionnaire_rate_max') }}, false) as is_questionnaire_rate_flagged,
        coalesce(non_receipt_ci_low > {{ var('dq_non_receipt_rate_max') }}
            and q1_answers >= {{ var('dq_non_receipt_min_answers') }}, false) as is_non_receipt_flagged
    from rates
),

named as (
    {{ marts_region_named('flagged', [
        'registry_services', 'act_confirmed_services', 'counted_services', 'questionnaires', 'q1_answers',
        'not_received_answers', 'acts_ratio', 'questionnaire_rate', 'non_receipt_rate', 'non_receipt_ci_low',
        'non_receipt_ci_high', 'is_acts_ratio_flagged', 'is_questionnaire_rate_flagged', 'is_non_receipt_flagged']) }}
),

final as (
    select
        *,
        is_acts_ratio_flagged or is_questionnaire_rate_flagged or is_non_receipt_flagged as is_flagged,
        nullif(concat_ws(' ',
            case when is_acts_ratio_flagged then
                'Актами подтверждено ' || act_confirmed_services || ' из ' || registry_services
                || ' услуг реестра (' || round(100 * acts_ratio, 1) || ' %; допустимо '
                || round(100 * {{ var('dq_acts_ratio_min') }}) || '–' || round(100 * {{ var('dq_acts_ratio_max') }})
                || ' %, п. 11 Методики).'
            end,
            case when is_questionnaire_rate_flagged then
                'Онлайн-анкет ' || questionnaires || ' на ' || counted_services || ' учтенных услуг ('
                || round(100 * questionnaire_rate, 1) || ' %; допустимо '
                || round(100 * {{ var('dq_questionnaire_rate_min') }}) || '–'
                || round(100 * {{ var('dq_questionnaire_rate_max') }}) || ' %).'
            end,
            case when is_non_receipt_flagged then
                'При телефонном опросе ' || not_received_answers || ' из ' || q1_answers
                || ' клиентов сообщили, что не получали услугу (' || round(100 * non_receipt_rate, 1)
                || ' %, 95 % интервал ' || round(100 * non_receipt_ci_low, 1) || '–'
                || round(100 * non_receipt_ci_high, 1) || ' % — выше допустимых '
                || round(100 * {{ var('dq_non_receipt_rate_max') }}) || ' %).'
            end
        ), '') as explanation_ru
    from named
)

select * from final
