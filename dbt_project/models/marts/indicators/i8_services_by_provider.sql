-- I8 (clause 5.1 item 8; Appendix 3): services delivered by the operator and by the
-- service companies it contracts, by region.
-- Services are rows of int_services_counted (one per counted service), so they add up:
-- a period's figure is the sum of its months. Totals (region null and/or provider null) are
-- still computed from the services, by grouping sets, the same way as in the client marts.

with counted_services as (
    select
        reporting_month,
        region_code,
        provider
    from {{ ref('int_services_counted') }}
),

services_by_month as (
    select
        reporting_month,
        region_code,
        provider,
        count(*) as services
    from counted_services
    group by
        reporting_month,
        grouping sets (
            (region_code, provider),
            (region_code),
            (provider),
            ()
        )
),

period_months as (
    {{ marts_period_months() }}
),

services_counted as (
    select
        period_months.period_type,
        period_months.period_start,
        period_months.period_end,
        services_by_month.region_code,
        services_by_month.provider,
        sum(services_by_month.services)::bigint as services
    from services_by_month
    inner join period_months
        on services_by_month.reporting_month = period_months.reporting_month
    group by all
),

services_by_provider as (
    {{ marts_region_named('services_counted', ['provider', 'services']) }}
)

select
    period_type,
    period_start,
    period_end,
    region_code,
    region,
    region_kk,
    region_sort_order,
    provider,
    {{ kazakh_name('provider', 'provider') }} as provider_kk,
    services
from services_by_provider
