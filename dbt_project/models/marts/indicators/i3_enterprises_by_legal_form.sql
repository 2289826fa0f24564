-- I3 (clause 5.1 item 3): client enterprises by organisational-legal form, by region.
-- An enterprise is a client (distinct client_key): legal entities and individual
-- entrepreneurs alike, each under its legal form (ТОО, АО, ИП, КХ, …); one whose services
-- in a period carry two legal forms counts under each, once in totals.
-- Counting core: macros/marts_clients_by.sql.

with counted_services as (
    select
        reporting_month,
        region_code,
        legal_form,
        client_number
    from {{ ref('int_services_counted') }}
),

{{ marts_clients_counted(['legal_form']) }}

select
    period_type,
    period_start,
    period_end,
    region_code,
    region,
    region_kk,
    region_sort_order,
    legal_form,
    {{ kazakh_name('legal_form', 'legal_form') }} as legal_form_kk,
    clients as enterprises
from clients_named
