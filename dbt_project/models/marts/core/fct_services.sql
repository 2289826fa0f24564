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
    settlement,
    place_code,
    centre_kind,
    channel_code,
    channel,
    provider_code,
    provider,
    -- the client
    identifier_kind,
    legal_form_code,
    legal_form,
    sme_category_code,
    sme_category,
    oked_section,
    oked_section_name,
    oked_division,
    gender_code,
    gender,
    age_at_service,
    -- the service
    service_code,
    service,
    subtype_code,
    service_subtype
from counted_services
