-- Data-quality review (issue 24), implausible patterns no single-row rule catches, among the
-- counted services (a flag with its count, never an exclusion):
--   manager_day_overload  more services by one manager on one day than a working day holds
--                         (dbt var dq_max_services_per_manager_day, default 16) — per manager;
--   non_working_day       services dated on a day off of Kazakhstan's calendar (weekend,
--                         holiday, transferred day off: correspondence.calendar_days, written
--                         from orchestration/rules/calendar.py);
--   repeated_service      the same client and service sub-type again within
--                         dq_repeat_window_days (7) days of an earlier service (the later
--                         service is counted);
--   minor_entrepreneur    an individual entrepreneur (client by IIN) younger than
--                         dq_min_entrepreneur_age (18) on the service date.
-- The service date is the end date (the date the act confirms). One row per period, pattern,
-- region and (for manager_day_overload) manager, only where a case was found; counts are
-- additive, so a quarter or a year to date sums its months (reporting_periods).

with

services as (
    select service_id, reporting_month, region_code, manager_key, client_key, subtype_code, end_date,
        identifier_kind, age_at_service
    from {{ ref('int_services_counted') }}
),

days_off as (
    select day, day_kind, holiday_name_ru
    from {{ source('correspondence', 'calendar_days') }}
    where not is_working_day
),

manager_days as (
    select
        manager_key,
        end_date,
        any_value(reporting_month) as reporting_month,
        mode(region_code) as region_code,
        count(*) as services
    from services
    where manager_key is not null
    group by manager_key, end_date
),

overloads as (
    select
        'manager_day_overload' as pattern,
        reporting_month,
        region_code,
        manager_key,
        1 as cases,
        services
    from manager_days
    where services > {{ var('dq_max_services_per_manager_day') }}
),

non_working_days as (
    select
        'non_working_day' as pattern,
        services.reporting_month,
        services.region_code,
        null::varchar as manager_key,
        1 as cases,
        1 as services
    from services
    inner join days_off on days_off.day = services.end_date
),

repeats as (
    select distinct
        'repeated_service' as pattern,
        later.reporting_month,
        later.region_code,
        null::varchar as manager_key,
        later.service_id
    from services as later
    inner join services as earlier
        on earlier.client_key = later.client_key
        and earlier.subtype_code = later.subtype_code
        and earlier.service_id <> later.service_id
        and later.end_date - earlier.end_date between 0 and {{ var('dq_repeat_window_days') }}
        and (earlier.end_date < later.end_date or earlier.service_id < later.service_id)
),

minors as (
    select
        'minor_entrepreneur' as pattern,
        reporting_month,
        region_code,
        null::varchar as manager_key,
        1 as cases,
        1 as services
    from services
    where identifier_kind = 'iin' and age_at_service < {{ var('dq_min_entrepreneur_age') }}
),

cases as (
    select * from overloads
    union all
    select * from non_working_days
    union all
    select pattern, reporting_month, region_code, manager_key, 1, 1 from repeats
    union all
    select * from minors
),

period_months as (
    {{ marts_period_months() }}
),

periods as (
    select
        period_months.period_type,
        period_months.period_start,
        period_months.period_end,
        cases.pattern,
        cases.region_code,
        cases.manager_key,
        sum(cases.cases)::bigint as cases,
        sum(cases.services)::bigint as services
    from cases
    inner join period_months on period_months.reporting_month = cases.reporting_month
    group by all
),

named as (
    {{ marts_region_named('periods', ['pattern', 'manager_key', 'cases', 'services']) }}
),

final as (
    select
        *,
        case pattern
            when 'manager_day_overload' then
                'Менеджер ' || left(manager_key, 8) || ': ' || cases || ' дн. с числом услуг больше '
                || {{ var('dq_max_services_per_manager_day') }} || ' за рабочий день (всего ' || services
                || ' услуг в эти дни) — проверить достоверность записей.'
            when 'non_working_day' then
                services || ' услуг датированы выходными или праздничными днями (производственный календарь РК).'
            when 'repeated_service' then
                services || ' услуг повторяют услугу того же подвида тому же клиенту в пределах '
                || {{ var('dq_repeat_window_days') }} || ' дней — возможное дробление или дублирование.'
            when 'minor_entrepreneur' then
                services || ' услуг оказаны индивидуальным предпринимателям моложе '
                || {{ var('dq_min_entrepreneur_age') }} || ' лет — проверить дату рождения и ИИН.'
        end || ' Услуги учтены; требуется пояснение оператора.' as explanation_ru
    from named
)

select * from final
