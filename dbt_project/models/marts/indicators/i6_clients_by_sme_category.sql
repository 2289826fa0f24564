-- I6 (clause 5.1 item 6): clients by entrepreneurship category (micro / small / medium,
-- Entrepreneurial Code art. 24), by region. A client whose category changed within a period
-- counts under each, once in totals. Counting core: macros/marts_clients_by.sql.

with counted_services as (
    select
        reporting_month,
        region_code,
        sme_category,
        sme_category_sort_order,
        client_number
    from {{ ref('int_services_counted') }}
),

{{ marts_clients_counted(['sme_category', 'sme_category_sort_order']) }}

select
    period_type,
    period_start,
    period_end,
    region_code,
    region,
    region_kk,
    region_sort_order,
    sme_category,
    {{ kazakh_name('sme_category', 'sme_category') }} as sme_category_kk,
    sme_category_sort_order,
    clients
from clients_named
