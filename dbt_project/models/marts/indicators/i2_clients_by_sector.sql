-- I2 (clause 5.1 item 2): clients by economic sector — OKED section (НК РК 03-2019) — by region.
-- A client whose services in a period carry two sections counts under each, once in totals.
-- Counting core: macros/marts_clients_by.sql.

with counted_services as (
    select
        reporting_month,
        region_code,
        oked_section,
        oked_section_name,
        client_number
    from {{ ref('int_services_counted') }}
),

{{ marts_clients_counted(['oked_section', 'oked_section_name']) }}

select
    period_type,
    period_start,
    period_end,
    region_code,
    region,
    region_kk,
    region_sort_order,
    oked_section,
    oked_section_name,
    {{ kazakh_name('oked_section', 'oked_section_name') }} as oked_section_name_kk,
    clients
from clients_named
