-- I1 (clause 5.1 item 1): clients served, by region.
-- A client is a distinct client_key (the IIN/BIN, pseudonymised); a client served in two
-- regions counts in each, and once in the all-regions row. Counting core: macros/marts_clients_by.sql.

with counted_services as (
    select
        reporting_month,
        region_code,
        client_number
    from {{ ref('int_services_counted') }}
),

{{ marts_clients_counted([]) }}

select
    period_type,
    period_start,
    period_end,
    region_code,
    region,
    region_kk,
    region_sort_order,
    clients
from clients_named
