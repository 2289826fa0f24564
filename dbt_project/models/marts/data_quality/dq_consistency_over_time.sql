-- Data-quality review (issue 24), consistency over time (WHO DQR "consistency of reported data
-- over time"): per region, indicator and reporting quarter, the quarter's monthly average
-- against a reference — the same quarter a year earlier when there is one, else the mean of
-- the monthly averages of up to dq_consistency_preceding_quarters preceding quarters. The
-- region's ratio is compared with the national ratio; a region whose ratio differs from it by
-- more than dq_consistency_max_deviation (33 %) is flagged. Indicators: services counted (I7)
-- and clients (I1: distinct clients of the month, averaged over the quarter's months). A
-- quarter's monthly average is over its months with counted services (a month with no usable
-- registry is no evidence); a region with none in such a month counts 0. A region whose
-- reference monthly average is below dq_consistency_min_reference (20) is shown, not flagged:
-- its ratio is mostly noise.

with

counted as (
    select reporting_month, region_code, client_number
    from {{ ref('int_services_counted') }}
),

monthly as (
    -- region_code NULL: the whole country
    select
        reporting_month,
        region_code,
        count(*)::double as services,
        count(distinct client_number)::double as clients
    from counted
    group by grouping sets ((reporting_month, region_code), (reporting_month))
),

counted_months as (
    select distinct reporting_month from counted
),

regions_seen as (
    select distinct region_code from monthly
),

quarter_months as (
    select period_months.period_start, period_months.period_end, period_months.reporting_month
    from ({{ marts_period_months() }}) as period_months
    inner join counted_months on counted_months.reporting_month = period_months.reporting_month
    where period_months.period_type = 'quarter'
),

quarter_averages as (
    select
        quarter_months.period_start,
        quarter_months.period_end,
        regions_seen.region_code,
        measures.measure,
        count(*) as months_with_data,
        avg(coalesce(case measures.measure when 'services' then monthly.services else monthly.clients end, 0))
            as monthly_average
    from quarter_months
    cross join regions_seen
    cross join (values ('services'), ('clients')) as measures (measure)
    left join monthly
        on monthly.reporting_month = quarter_months.reporting_month
        and monthly.region_code is not distinct from regions_seen.region_code
    group by all
),

quarter_references as (
    select
        current_quarter.period_start,
        current_quarter.period_end,
        current_quarter.region_code,
        current_quarter.measure,
        current_quarter.monthly_average,
        any_value(earlier.monthly_average) filter (
            where earlier.period_start = current_quarter.period_start - interval 1 year
        ) as year_earlier_average,
        avg(earlier.monthly_average) filter (
            where earlier.period_start >= current_quarter.period_start
                - to_months(3 * {{ var('dq_consistency_preceding_quarters') }})
        ) as preceding_average,
        count(earlier.period_start) filter (
            where earlier.period_start >= current_quarter.period_start
                - to_months(3 * {{ var('dq_consistency_preceding_quarters') }})
        ) as preceding_quarters
    from quarter_averages as current_quarter
    left join quarter_averages as earlier
        on earlier.region_code is not distinct from current_quarter.region_code
        and earlier.measure = current_quarter.measure
        and earlier.period_start < current_quarter.period_start
    group by all
),

ratios as (
    select
        *,
        case when year_earlier_average is not null then 'same_quarter_last_year'
            when preceding_quarters > 0 then 'preceding_quarters'
        end as reference_kind,
        coalesce(year_earlier_average, preceding_average) as reference_average,
        monthly_average / nullif(coalesce(year_earlier_average, preceding_average), 0) as ratio
    from quarter_references
),

compared as (
    select
        regional.*,
        national.ratio as national_ratio,
        regional.ratio / nullif(national.ratio, 0) - 1 as deviation_from_national
    from ratios as regional
    inner join ratios as national
        on national.region_code is null
        and national.period_start = regional.period_start
        and national.measure = regional.measure
    where regional.region_code is not null
),

official_regions as (
    {{ marts_official_regions() }}
),

final as (
    select
        'quarter' as period_type,
        compared.period_start,
        compared.period_end,
        compared.region_code,
        official_regions.region,
        official_regions.region_kk,
        compared.measure,
        compared.monthly_average,
        compared.reference_kind,
        compared.reference_average,
        compared.ratio,
        compared.national_ratio,
        compared.deviation_from_national,
        coalesce(abs(compared.deviation_from_national) > {{ var('dq_consistency_max_deviation') }}
            and compared.reference_average >= {{ var('dq_consistency_min_reference') }}, false) as is_flagged,
        case when abs(compared.deviation_from_national) > {{ var('dq_consistency_max_deviation') }}
            and compared.reference_average >= {{ var('dq_consistency_min_reference') }} then
            coalesce(official_regions.region, compared.region_code) || ': среднемесячное число '
            || case compared.measure when 'services' then 'услуг' else 'клиентов' end
            || ' за квартал ' || strftime(compared.period_start, '%m.%Y') || '–' || strftime(compared.period_end, '%m.%Y')
            || ' — ' || round(compared.monthly_average, 1) || ' против ' || round(compared.reference_average, 1)
            || case compared.reference_kind when 'same_quarter_last_year' then ' в том же квартале прошлого года'
                else ' в среднем за предыдущие кварталы' end
            || ' (отношение ' || round(compared.ratio, 2) || ' при ' || round(compared.national_ratio, 2)
            || ' по стране, отклонение ' || round(100 * compared.deviation_from_national) || ' %; порог '
            || round(100 * {{ var('dq_consistency_max_deviation') }}) || ' %). Требует пояснения оператора.'
        end as explanation_ru
    from compared
    left join official_regions
        on official_regions.region_code = compared.region_code
        and compared.period_end between official_regions.valid_from and official_regions.valid_to
)

select * from final
