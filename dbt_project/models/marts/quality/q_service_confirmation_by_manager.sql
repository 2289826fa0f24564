-- Service confirmation by the operator's manager (clause 16, Appendix 4 question 1): the
-- measures of q_service_confirmation (confirmed, not_received, response_rate) per manager,
-- identified by manager_key only (HMAC of the normalised name: pseudonymised, the name never
-- leaves raw), with the calls behind each figure. A manager's calls are few, so most rows are
-- small samples: the count of "no" answers (successes of not_received) is the red flag.
-- Kept apart from q_service_confirmation so that every row there is unique per region,
-- service, centre and measure, as the report reads it.

with

calls as (
    select * from {{ ref('int_survey_calls_linked') }}
    where manager_key is not null
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
    select reporting_month, manager_key, is_linked, q1_received
    from calls
    where is_answered and q1_received is not null
),

observations as (
    select reporting_month, manager_key, is_linked,
        'confirmed' as measure, (q1_received = 'yes')::integer::double as observation
    from q1_answers
    union all
    select reporting_month, manager_key, is_linked,
        'not_received', (q1_received = 'no')::integer::double
    from q1_answers
    union all
    select reporting_month, manager_key, is_linked,
        'response_rate', is_answered::integer::double
    from calls
    where is_called
),

{{ quality_estimates('observations', 'calls', 'measures', ['manager_key']) }}

select
    period_type,
    period_start,
    period_end,
    manager_key,
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
from quality_rows
where manager_key is not null
