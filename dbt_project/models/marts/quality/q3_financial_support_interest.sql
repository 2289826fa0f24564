-- Q3 (clause 5.2 item 2, clauses 15-16; Appendix 3 section 3): clients' interest in the
-- state's financial support instruments. From the phone survey (Appendix 4 question 4): the
-- share interested (of answered calls with an answer to Q4), and among those interested the
-- share naming each instrument. From the online questionnaires (Appendix 2): the share of
-- questionnaires wanting any financial support, each of the 4 financial instruments
-- (seed financial_support_options) and each of the 8 non-financial options
-- (seed non_financial_support_options); every questionnaire is in the denominator (an
-- option not ticked is "not wanted"). Shares with Wilson intervals, by region, by service,
-- by kind of centre and in total, for every month, quarter and year to date.

with

calls as (
    select * from {{ ref('int_survey_calls_linked') }}
),

questionnaires as (
    select * from {{ ref('int_questionnaires_linked') }}
),

financial_options as (
    select option_code, name_ru, name_kk, sort_order from {{ ref('financial_support_options') }}
),

non_financial_options as (
    select option_code, name_ru, name_kk, sort_order from {{ ref('non_financial_support_options') }}
),

measures as (
    select *
    from (
        values
            ('phone_interested', 'Телефонный опрос: доля клиентов, заинтересованных в финансовых инструментах государственной поддержки', 'Телефон арқылы сауалнама: мемлекеттік қолдаудың қаржы құралдарына мүдделі клиенттердің үлесі', 1, 'share', 'phone_survey'),
            ('questionnaire_financial_any', 'Анкеты: доля клиентов, желающих получить финансовую поддержку', 'Сауалнама парақтары: қаржылық қолдау алғысы келетін клиенттердің үлесі', 20, 'share', 'questionnaire')
    ) as measures (measure, measure_name, measure_name_kk, measure_sort_order, unit, source)
    union all
    select
        'phone_instrument_' || option_code,
        'Телефонный опрос, среди заинтересованных: ' || name_ru,
        'Телефон арқылы сауалнама, мүдделілер арасында: ' || name_kk,
        10 + sort_order,
        'share',
        'phone_survey'
    from financial_options
    union all
    select
        'questionnaire_financial_' || option_code,
        'Анкеты, финансовая поддержка: ' || name_ru,
        'Сауалнама парақтары, қаржылық қолдау: ' || name_kk,
        20 + sort_order,
        'share',
        'questionnaire'
    from financial_options
    union all
    select
        'questionnaire_non_financial_' || option_code,
        'Анкеты, нефинансовая поддержка: ' || name_ru,
        'Сауалнама парақтары, қаржылық емес қолдау: ' || name_kk,
        30 + sort_order,
        'share',
        'questionnaire'
    from non_financial_options
),

interest_answers as (
    select reporting_month, region_code, service_code, centre_kind, is_linked, q4_interested, q4_instrument_code
    from calls
    where is_answered and q4_interested is not null
),

observations as (
    select reporting_month, region_code, service_code, centre_kind, is_linked,
        'phone_interested' as measure, (q4_interested = 'yes')::integer::double as observation
    from interest_answers
    union all
    -- among the interested: which instrument (an interested client naming none is a 0 for each)
    select interest_answers.reporting_month, interest_answers.region_code, interest_answers.service_code,
        interest_answers.centre_kind, interest_answers.is_linked,
        'phone_instrument_' || financial_options.option_code,
        (interest_answers.q4_instrument_code is not distinct from financial_options.option_code)::integer::double
    from interest_answers
    cross join financial_options
    where interest_answers.q4_interested = 'yes'
    union all
    select reporting_month, region_code, service_code, centre_kind, is_linked,
        'questionnaire_financial_any', (len(financial_support_wanted) > 0)::integer::double
    from questionnaires
    union all
    select questionnaires.reporting_month, questionnaires.region_code, questionnaires.service_code,
        questionnaires.centre_kind, questionnaires.is_linked,
        'questionnaire_financial_' || financial_options.option_code,
        list_contains(questionnaires.financial_support_wanted, financial_options.option_code)::integer::double
    from questionnaires
    cross join financial_options
    union all
    select questionnaires.reporting_month, questionnaires.region_code, questionnaires.service_code,
        questionnaires.centre_kind, questionnaires.is_linked,
        'questionnaire_non_financial_' || non_financial_options.option_code,
        list_contains(questionnaires.non_financial_support_wanted, non_financial_options.option_code)::integer::double
    from questionnaires
    cross join non_financial_options
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
