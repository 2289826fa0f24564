-- Q2 (clause 5.2 item 2, clauses 15-16; Appendix 3 section 3): satisfaction with the
-- service or consultation. From the online questionnaires (Appendix 2): the satisfaction
-- score («Степень удовлетворенности качеством услуг», mean with its t interval and 1-5
-- distribution) and the share satisfied (4-5, Wilson interval). From the phone survey
-- (Appendix 4 question 3, «Помогла ли вам полученная услуга … в Вашем бизнесе?»): the share
-- answering yes, and yes or partly. By region, by service, by kind of centre and in total,
-- for every month, quarter and year to date (macros/quality_estimates.sql).

with

calls as (
    select * from {{ ref('int_survey_calls_linked') }}
),

questionnaires as (
    select * from {{ ref('int_questionnaires_linked') }}
),

measures as (
    select *
    from (
        values
            ('satisfaction', 'Анкеты: степень удовлетворенности качеством услуг (от 1 до 5)', 'Сауалнама парақтары: қызметтер сапасына қанағаттану дәрежесі (1-ден 5-ке дейін)', 1, 'score', 'questionnaire'),
            ('satisfied', 'Анкеты: доля удовлетворенных клиентов (оценки «4» и «5»)', 'Сауалнама парақтары: қанағаттанған клиенттердің үлесі («4» және «5» бағалары)', 2, 'share', 'questionnaire'),
            ('phone_helped', 'Телефонный опрос: доля клиентов, которым услуга помогла в бизнесе', 'Телефон арқылы сауалнама: қызмет бизнесіне көмектескен клиенттердің үлесі', 3, 'share', 'phone_survey'),
            ('phone_helped_at_least_partly', 'Телефонный опрос: доля клиентов, которым услуга помогла полностью или частично', 'Телефон арқылы сауалнама: қызмет бизнесіне толық немесе ішінара көмектескен клиенттердің үлесі', 4, 'share', 'phone_survey')
    ) as measures (measure, measure_name, measure_name_kk, measure_sort_order, unit, source)
),

satisfaction_scores as (
    select reporting_month, region_code, service_code, centre_kind, is_linked, score_satisfaction as score
    from questionnaires
    where score_satisfaction is not null
),

helped_answers as (
    select reporting_month, region_code, service_code, centre_kind, is_linked, q3_helped
    from calls
    where is_answered and q3_helped is not null
),

observations as (
    select reporting_month, region_code, service_code, centre_kind, is_linked,
        'satisfaction' as measure, score::double as observation
    from satisfaction_scores
    union all
    select reporting_month, region_code, service_code, centre_kind, is_linked,
        'satisfied', (score >= 4)::integer::double
    from satisfaction_scores
    union all
    select reporting_month, region_code, service_code, centre_kind, is_linked,
        'phone_helped', (q3_helped = 'yes')::integer::double
    from helped_answers
    union all
    select reporting_month, region_code, service_code, centre_kind, is_linked,
        'phone_helped_at_least_partly', (q3_helped in ('yes', 'partly'))::integer::double
    from helped_answers
),

{{ quality_estimates('observations', 'calls', 'measures', ['region_code', 'service_code', 'centre_kind']) }},

{{ quality_named_breakdowns('quality_rows') }}

select
    period_type,
    period_start,
    period_end,
    region_code,
    region,
    region_kk,
    region_sort_order,
    service_code,
    service,
    service_kk,
    service_sort_order,
    centre_kind,
    place_of_service,
    place_of_service_kk,
    measure,
    measure_name,
    measure_name_kk,
    measure_sort_order,
    unit,
    source,
    n,
    value,
    ci_low,
    ci_high,
    successes,
    sd,
    score_1,
    score_2,
    score_3,
    score_4,
    score_5,
    is_small_sample,
    unlinked,
    calls_behind,
    calls_answered,
    response_rate
from named_rows
