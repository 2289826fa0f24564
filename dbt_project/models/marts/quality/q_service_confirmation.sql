-- Service confirmation (clause 16, Appendix 4 question 1; clause 11): of the answered calls
-- with an answer to Q1 («Получали ли Вы консультацию либо услугу <дата> в <центр>?»), the
-- share confirming the service (yes) and the share saying they did NOT receive the service
-- the registry records (no) — a red flag for the act check. Also the response rate (answered
-- of the calls made, every outcome). Each with its Wilson interval and the calls behind it,
-- by region, by service, by kind of centre and in total, for every month, quarter and year to
-- date. The same by the operator's manager (pseudonymised) is q_service_confirmation_by_manager.

with

calls as (
    select * from {{ ref('int_survey_calls_linked') }}
),

measures as (
    select *
    from (
        values
            ('confirmed', 'Доля клиентов, подтвердивших получение услуги', 'Қызметті алғанын растаған клиенттердің үлесі', 1, 'share', 'phone_survey'),
            ('not_received', 'Доля клиентов, сообщивших, что не получали услугу', 'Қызметті алмағанын хабарлаған клиенттердің үлесі', 2, 'share', 'phone_survey'),
            ('response_rate', 'Доля состоявшихся опросов (ответили из числа обзвоненных)', 'Өткізілген сұраулардың үлесі (қоңырау шалынғандардың ішінен жауап бергендер)', 3, 'share', 'phone_survey')
    ) as measures (measure, measure_name, measure_name_kk, measure_sort_order, unit, source)
),

q1_answers as (
    select reporting_month, region_code, service_code, centre_kind, is_linked, q1_received
    from calls
    where is_answered and q1_received is not null
),

observations as (
    select reporting_month, region_code, service_code, centre_kind, is_linked,
        'confirmed' as measure, (q1_received = 'yes')::integer::double as observation
    from q1_answers
    union all
    select reporting_month, region_code, service_code, centre_kind, is_linked,
        'not_received', (q1_received = 'no')::integer::double
    from q1_answers
    union all
    select reporting_month, region_code, service_code, centre_kind, is_linked,
        'response_rate', is_answered::integer::double
    from calls
    where is_called
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
    is_small_sample,
    unlinked,
    calls_behind,
    calls_answered,
    response_rate
from named_rows
