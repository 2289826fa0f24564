-- The pseudonymised fact table for SQL users: one row per counted service (clauses 5.1, 11).
-- Identifiers are HMAC keys (client_key, person_key, manager_key); no names, phones, e-mails,
-- birth dates or IIN/BIN. Indicators are read from the i*-marts; this table is for questions
-- the marts do not answer. A view: it is int_services_counted's columns for SQL users, and
-- publish writes it to analytics.duckdb as a table (a copy here cost a rewrite of every
-- counted service in each build).

{{ config(materialized='view') }}

with counted_services as (

    select * from {{ ref('int_services_counted') }}

)

select
    -- ids
    service_id,
    batch_id,
    version,
    source_row,
    batch_signature,
    client_key,
    person_key,
    manager_key,
    -- dates
    reporting_month,
    start_date,
    end_date,
    -- where and how
    region_code,
    region,
    {{ kazakh_name('region', 'region') }} as region_kk,
    settlement,
    place_code,
    centre_kind,
    channel_code,
    channel,
    {{ kazakh_name('channel', 'channel') }} as channel_kk,
    provider_code,
    provider,
    {{ kazakh_name('provider', 'provider') }} as provider_kk,
    -- the client
    identifier_kind,
    legal_form_code,
    legal_form,
    {{ kazakh_name('legal_form', 'legal_form') }} as legal_form_kk,
    sme_category_code,
    sme_category,
    {{ kazakh_name('sme_category', 'sme_category') }} as sme_category_kk,
    oked_section,
    oked_section_name,
    {{ kazakh_name('oked_section', 'oked_section_name') }} as oked_section_name_kk,
    oked_division,
    gender_code,
    gender,
    {{ kazakh_name('gender', 'gender') }} as gender_kk,
    age_at_service,
    -- the service
    service_code,
    service,
    {{ kazakh_name('service', 'service') }} as service_kk,
    subtype_code,
    service_subtype,
    {{ kazakh_name('service_subtype', 'service_subtype') }} as service_subtype_kk
from counted_services
