-- Q1 (clause 5.2 item 2, clauses 15-16; Appendix 3 section 3): quality of the service or
-- consultation received, from the phone survey (Appendix 4 question 2, a 1-5 score) and from
-- the online questionnaires' four aspects (Appendix 2: usefulness, organisation of the
-- process, expectations met, satisfaction). Per source and aspect: the mean score with its
-- t interval and the distribution of 1-5 (score_1 … score_5), and the share of 4-5 with its
-- Wilson interval. Each by region, by service, by kind of centre and in total, for every
-- month, quarter and year to date (macros/quality_estimates.sql).

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
            ('phone_quality', 'Средняя оценка качества услуги при телефонном опросе (от 1 до 5)', 'Телефон арқылы сауалнама: қызмет сапасының орташа бағасы (1-ден 5-ке дейін)', 1, 'score', 'phone_survey'),
            ('phone_quality_good', 'Доля оценок «4» и «5» при телефонном опросе', 'Телефон арқылы сауалнама: «4» және «5» бағаларының үлесі', 2, 'share', 'phone_survey'),
            ('usefulness', 'Анкеты: степень полезности полученной консультации (от 1 до 5)', 'Сауалнама парақтары: алынған консультацияның пайдалылық дәрежесі (1-ден 5-ке дейін)', 3, 'score', 'questionnaire'),
            ('usefulness_good', 'Анкеты: доля оценок «4» и «5» полезности консультации', 'Сауалнама парақтары: консультацияның пайдалылығы бойынша «4» және «5» бағаларының үлесі', 4, 'share', 'questionnaire'),
            ('organisation', 'Анкеты: качество организации процесса оказания консультаций (от 1 до 5)', 'Сауалнама парақтары: консультация беру процесін ұйымдастыру сапасы (1-ден 5-ке дейін)', 5, 'score', 'questionnaire'),
            ('organisation_good', 'Анкеты: доля оценок «4» и «5» организации процесса', 'Сауалнама парақтары: процесті ұйымдастыру бойынша «4» және «5» бағаларының үлесі', 6, 'share', 'questionnaire'),
            ('expectations', 'Анкеты: степень оправдания ожиданий от консультации (от 1 до 5)', 'Сауалнама парақтары: консультациядан күткен үміттің ақталу дәрежесі (1-ден 5-ке дейін)', 7, 'score', 'questionnaire'),
            ('expectations_good', 'Анкеты: доля оценок «4» и «5» оправдания ожиданий', 'Сауалнама парақтары: үміттің ақталуы бойынша «4» және «5» бағаларының үлесі', 8, 'share', 'questionnaire'),
            ('satisfaction', 'Анкеты: степень удовлетворенности качеством услуг (от 1 до 5)', 'Сауалнама парақтары: қызметтер сапасына қанағаттану дәрежесі (1-ден 5-ке дейін)', 9, 'score', 'questionnaire'),
            ('satisfaction_good', 'Анкеты: доля оценок «4» и «5» удовлетворенности', 'Сауалнама парақтары: қанағаттану бойынша «4» және «5» бағаларының үлесі', 10, 'share', 'questionnaire')
    ) as measures (measure, measure_name, measure_name_kk, measure_sort_order, unit, source)
),

phone_scores as (
    select reporting_month, region_code, service_code, centre_kind, is_linked, q2_quality as score
    from calls
    where is_answered and q2_quality is not null
),

questionnaire_scores as (
    -- one row per questionnaire and aspect scored
    select reporting_month, region_code, service_code, centre_kind, is_linked, aspect, score
    from questionnaires
    unpivot (
        score for aspect in (
            score_usefulness as 'usefulness',
            score_organisation as 'organisation',
            score_expectations as 'expectations',
            score_satisfaction as 'satisfaction'
        )
    )
),

observations as (
    select reporting_month, region_code, service_code, centre_kind, is_linked,
        'phone_quality' as measure, score::double as observation
    from phone_scores
    union all
    select reporting_month, region_code, service_code, centre_kind, is_linked,
        'phone_quality_good', (score >= 4)::integer::double
    from phone_scores
    union all
    select reporting_month, region_code, service_code, centre_kind, is_linked,
        aspect, score::double
    from questionnaire_scores
    union all
    select reporting_month, region_code, service_code, centre_kind, is_linked,
        aspect || '_good', (score >= 4)::integer::double
    from questionnaire_scores
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
