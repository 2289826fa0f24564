-- THE CONTRACT for the marts: one row per service that counts towards the indicators
-- (I1-I9) — a row of the version of its month used for the report (int_registry_versions),
-- breaking no error-severity rule (warnings are counted), and confirmed by an act
-- (clause 11). Pseudonymised: client_key, person_key and manager_key are HMAC-SHA256 keys;
-- no personal data. Its complement is int_registry_exclusions.
-- Incremental by batch (issue 7): a build counts again only the batches whose signature
-- (int_services_counted_batches) the table does not hold, replacing them whole; the post-hook
-- drops the rows of batches no longer counted or counted afresh with no rows.

{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='batch_id',
    on_schema_change='sync_all_columns',
    post_hook="delete from {{ this }} where batch_signature is null or batch_signature not in "
        ~ "(select batch_signature from {{ ref('int_services_counted_batches') }})",
) }}

{%- set batches_to_count %}
    {%- if builds_on_column('batch_signature') -%}
        and {{ batch_id_in('batch_id',
            "select batch_id from " ~ ref('int_services_counted_batches') ~ " where batch_signature not in "
            ~ "(select distinct batch_signature from " ~ this ~ " where batch_signature is not null)") }}
    {%- endif %}
{%- endset %}

with

validated as (
    select * from {{ ref('int_registry_services_validated') }}
    where not has_error {{ batches_to_count }}
),

confirmed as (
    select batch_id, source_row from {{ ref('int_registry_services_confirmed') }}
    where is_confirmed_by_act {{ batches_to_count }}
),

-- the versions used for the report, with what their counted rows are built from
batches as (
    select batch_id, batch_signature from {{ ref('int_services_counted_batches') }}
),

final as (
    select
        -- ids
        validated.service_id,
        validated.batch_id,
        validated.version,
        validated.source_row,
        batches.batch_signature,

        -- dates
        validated.reporting_month,
        validated.start_date,
        validated.end_date,

        -- where and how
        validated.region_code,
        validated.region,
        validated.region_sort_order,
        validated.settlement,
        validated.place_code,
        validated.centre_kind,
        validated.channel_code,
        validated.channel,
        validated.provider_code,
        validated.provider,

        -- the client (an SME subject, by IIN/BIN)
        validated.client_key,
        {{ counting_number('validated.client_key') }} as client_number,
        validated.identifier_kind,
        validated.legal_form_code,
        validated.legal_form,
        validated.sme_category_code,
        validated.sme_category,
        validated.sme_category_sort_order,
        validated.oked_section,
        validated.oked_section_name,
        validated.oked_division,

        -- the service
        validated.service_code,
        validated.service,
        validated.subtype_code,
        validated.service_subtype,
        validated.service_sort_order,

        -- the person who came (name + birth date) and the operator's manager
        validated.person_key,
        {{ counting_number('validated.person_key') }} as person_number,
        validated.gender_code,
        validated.gender,
        validated.age_at_service,
        validated.manager_key
    from validated
    inner join confirmed
        on confirmed.batch_id = validated.batch_id
        and confirmed.source_row = validated.source_row
    inner join batches on batches.batch_id = validated.batch_id
)

select * from final
