-- Data-quality review (issue 24), outliers: per centre (a kind of centre in a region: ЦОП, ЦПП,
-- МЦПП, online) and per manager, per month, the counted services and distinct clients scored
-- against the same unit's preceding months — the modified z-score of Iglewicz and Hoaglin,
-- 0.6745·(x − median)/MAD, over the preceding dq_outlier_history_months months, scored only
-- with at least dq_outlier_min_history of them; where MAD = 0, 0.7979·(x − median)/MeanAD
-- (MeanAD: the mean absolute deviation from the median); where both are 0 (a flat history) no
-- score; a unit whose history median is below dq_outlier_min_median (5) is too small to
-- score (its months are Poisson noise). Flagged above dq_outlier_threshold (3.5) in absolute value, extreme above
-- dq_outlier_extreme_threshold (5). History months are the months with counted services (a
-- month with no usable registry is no evidence), from the unit's first month on; a month the
-- unit served nobody counts as 0. A flag is a question for the operator, not an exclusion.

with

counted as (
    select reporting_month, region_code, centre_kind, manager_key, client_number
    from {{ ref('int_services_counted') }}
),

counted_months as (
    select distinct reporting_month from counted
),

unit_months as (
    select
        'centre' as unit_kind,
        region_code || '/' || centre_kind as unit_key,
        reporting_month,
        any_value(region_code) as region_code,
        any_value(centre_kind) as centre_kind,
        count(*) as services,
        count(distinct client_number) as clients
    from counted
    group by all
    union all
    select
        'manager',
        manager_key,
        reporting_month,
        mode(region_code),
        null,
        count(*),
        count(distinct client_number)
    from counted
    where manager_key is not null
    group by all
),

units as (
    select
        unit_kind,
        unit_key,
        min(reporting_month) as first_month,
        mode(region_code) as home_region_code,
        any_value(centre_kind) as centre_kind
    from unit_months
    group by all
),

unit_month_values as (
    -- every month with counted services from the unit's first month on, 0 where it served none
    select
        units.unit_kind,
        units.unit_key,
        coalesce(unit_months.region_code, units.home_region_code) as region_code,
        units.centre_kind,
        counted_months.reporting_month,
        measures.measure,
        coalesce(case measures.measure
            when 'services' then unit_months.services
            else unit_months.clients
        end, 0)::double as observed
    from units
    inner join counted_months on counted_months.reporting_month >= units.first_month
    cross join (values ('services'), ('clients')) as measures (measure)
    left join unit_months
        on unit_months.unit_kind = units.unit_kind
        and unit_months.unit_key = units.unit_key
        and unit_months.reporting_month = counted_months.reporting_month
),

history as (
    select
        current_month.unit_kind,
        current_month.unit_key,
        current_month.measure,
        current_month.reporting_month,
        earlier.observed
    from unit_month_values as current_month
    inner join unit_month_values as earlier
        on earlier.unit_kind = current_month.unit_kind
        and earlier.unit_key = current_month.unit_key
        and earlier.measure = current_month.measure
        and earlier.reporting_month < current_month.reporting_month
        and earlier.reporting_month
            >= current_month.reporting_month - to_months({{ var('dq_outlier_history_months') }})
),

history_medians as (
    select unit_kind, unit_key, measure, reporting_month, count(*) as history_months, median(observed) as history_median
    from history
    group by all
),

history_spreads as (
    select
        history.unit_kind,
        history.unit_key,
        history.measure,
        history.reporting_month,
        median(abs(history.observed - history_medians.history_median)) as history_mad,
        avg(abs(history.observed - history_medians.history_median)) as history_mean_ad
    from history
    inner join history_medians using (unit_kind, unit_key, measure, reporting_month)
    group by all
),

scored as (
    select
        unit_month_values.*,
        coalesce(history_medians.history_months, 0) as history_months,
        history_medians.history_median,
        history_spreads.history_mad,
        history_spreads.history_mean_ad,
        case
            when coalesce(history_medians.history_months, 0) < {{ var('dq_outlier_min_history') }} then null
            when history_medians.history_median < {{ var('dq_outlier_min_median') }} then null
            when history_spreads.history_mad > 0 then
                0.6745 * (unit_month_values.observed - history_medians.history_median) / history_spreads.history_mad
            when history_spreads.history_mean_ad > 0 then
                0.7979 * (unit_month_values.observed - history_medians.history_median) / history_spreads.history_mean_ad
        end as modified_z
    from unit_month_values
    left join history_medians using (unit_kind, unit_key, measure, reporting_month)
    left join history_spreads using (unit_kind, unit_key, measure, reporting_month)
),

flagged as (
    select
        *,
        coalesce(abs(modified_z) > {{ var('dq_outlier_threshold') }}, false) as is_outlier,
        coalesce(abs(modified_z) > {{ var('dq_outlier_extreme_threshold') }}, false) as is_extreme
    from scored
),

centre_names as (
    select
        centre_kind,
        any_value(short_name_ru) as place_of_service,
        any_value(short_name_kk) as place_of_service_kk
    from {{ ref('places_of_service') }}
    group by centre_kind
),

official_regions as (
    {{ marts_official_regions() }}
),

final as (
    select
        -- period
        'month' as period_type,
        flagged.reporting_month as period_start,
        last_day(flagged.reporting_month) as period_end,

        -- the unit (pseudonymised: a manager by manager_key only)
        flagged.unit_kind,
        flagged.unit_key,
        flagged.region_code,
        official_regions.region,
        official_regions.region_kk,
        flagged.centre_kind,
        centre_names.place_of_service,
        centre_names.place_of_service_kk,
        case when flagged.unit_kind = 'manager' then flagged.unit_key end as manager_key,

        -- the score
        flagged.measure,
        flagged.observed::bigint as observed,
        flagged.history_months,
        flagged.history_median,
        flagged.history_mad,
        flagged.history_mean_ad,
        flagged.modified_z,
        flagged.is_outlier,
        flagged.is_extreme,
        case when flagged.is_outlier then
            case flagged.unit_kind
                when 'centre' then 'Центр ' || coalesce(centre_names.place_of_service, flagged.centre_kind)
                    || ' (' || coalesce(official_regions.region, flagged.region_code) || ')'
                else 'Менеджер ' || left(flagged.unit_key, 8)
            end
            || ': ' || case flagged.measure when 'services' then 'услуг' else 'клиентов' end
            || ' за ' || strftime(flagged.reporting_month, '%m.%Y') || ' — ' || flagged.observed::bigint
            || ' при медиане ' || round(flagged.history_median, 1) || ' за предыдущие '
            || flagged.history_months || ' мес. (модифицированная z-оценка '
            || round(flagged.modified_z, 1) || '; порог ' || {{ var('dq_outlier_threshold') }} || ')'
            || case when flagged.modified_z > 0 then ' — резкий рост' else ' — резкое снижение' end
            || case when flagged.is_extreme then ', крайнее значение' else '' end
            || '. Требует проверки у оператора; из расчета не исключается.'
        end as explanation_ru
    from flagged
    left join centre_names on centre_names.centre_kind = flagged.centre_kind
    left join official_regions
        on official_regions.region_code = flagged.region_code
        and last_day(flagged.reporting_month) between official_regions.valid_from and official_regions.valid_to
)

select * from final
