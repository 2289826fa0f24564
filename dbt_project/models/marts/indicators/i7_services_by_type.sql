-- I7 (clause 5.1 item 7): services delivered, by service and service sub-type, by region.
-- Services are rows of int_services_counted (one per counted service), so they add up:
-- a period's figure is the sum of its months. Rows: service × sub-type, the service's
-- subtotal (service_subtype null), the region total (service null), each also for all
-- regions (region null) — all computed from the services by grouping sets.

with counted_services as (
    select
        reporting_month,
        region_code,
        service,
        service_subtype,
        service_sort_order
    from {{ ref('int_services_counted') }}
),

services_by_month as (
    select
        reporting_month,
        region_code,
        service,
        service_subtype,
        min(service_sort_order) as first_sort_order,
        count(*) as services
    from counted_services
    group by
        reporting_month,
        grouping sets (
            (region_code, service, service_subtype),
            (region_code, service),
            (region_code),
            (service, service_subtype),
            (service),
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
        services_by_month.service,
        services_by_month.service_subtype,
        min(services_by_month.first_sort_order) as first_sort_order,
        sum(services_by_month.services)::bigint as services
    from services_by_month
    inner join period_months
        on services_by_month.reporting_month = period_months.reporting_month
    group by
        period_months.period_type,
        period_months.period_start,
        period_months.period_end,
        services_by_month.region_code,
        services_by_month.service,
        services_by_month.service_subtype
),

services_ordered as (
    -- a sub-type sorts by its own service_sort_order (seed `services`), a service by the
    -- smallest of its sub-types' (the same in every period and region of the build)
    select
        period_type,
        period_start,
        period_end,
        region_code,
        service,
        service_subtype,
        case when service is not null then
            min(first_sort_order) over (partition by service)
        end as service_sort_order,
        case when service_subtype is not null then first_sort_order end as service_subtype_sort_order,
        services
    from services_counted
),

services_by_type as (
    {{ marts_region_named('services_ordered', [
        'service', 'service_sort_order', 'service_subtype', 'service_subtype_sort_order', 'services',
    ]) }}
)

select
    period_type,
    period_start,
    period_end,
    region_code,
    region,
    region_kk,
    region_sort_order,
    service,
    {{ kazakh_name('service', 'service') }} as service_kk,
    service_sort_order,
    service_subtype,
    {{ kazakh_name('service_subtype', 'service_subtype') }} as service_subtype_kk,
    service_subtype_sort_order,
    services
from services_by_type
