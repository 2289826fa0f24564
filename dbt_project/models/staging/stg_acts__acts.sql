-- Acts of services rendered (R4, clause 11): one row per row of every loaded acts file,
-- typed and normalised. The IIN/BIN is replaced by the same client_key the registry uses.

with

source as (
    select * from {{ source('raw', 'acts_rows') }}
),

lookups as (
    select domain, lookup_key, code from {{ ref('stg_reference__lookups') }}
),

service_subtypes as (
    select subtype_code, service_code from {{ ref('services') }}
),

renamed as (
    select
        -- lineage
        batch_id,
        period,
        version,
        source_row,
        submitted_at,
        received_at,
        {{ empty_columns(form_columns('acts')) }} as empty_columns,

        -- cells
        {{ clean_text('act_number') }} as act_number,
        {{ clean_text('service') }} as service_text,
        {{ clean_text('service_subtype') }} as service_subtype_text,
        {{ clean_text('confirmation_method') }} as confirmation_method_text,
        {{ clean_text('act_date') }} as act_date_text,
        {{ clean_text('service_date') }} as service_date_text,

        -- dates
        {{ parse_date_text('act_date') }} as act_date,
        {{ parse_date_text('service_date') }} as service_date,

        -- personal data: read here, never stored
        nullif({{ iin_bin_digits('iin_bin') }}, '') as iin_bin_digits
    from source
),

identified as (
    select
        *,
        {{ iin_bin_normalised('iin_bin_digits') }} as iin_bin_normalised
    from renamed
),

derived as (
    select
        *,
        {{ iin_bin_status('iin_bin_digits', 'iin_bin_normalised') }} as iin_bin_status,
        {{ iin_bin_check_digit_ok('iin_bin_normalised') }} as iin_bin_check_digit_ok,
        {{ iin_bin_kind('iin_bin_normalised') }} as identifier_kind,
        case when iin_bin_normalised is not null then pseudonymise(iin_bin_normalised) end as client_key,
        {{ lookup_key('service_text') }} as service_key,
        {{ lookup_key('service_subtype_text') }} as service_subtype_key,
        {{ lookup_key('confirmation_method_text') }} as confirmation_method_key
    from identified
),

final as (
    select
        -- lineage
        derived.batch_id,
        derived.period,
        derived.version,
        derived.source_row,
        derived.submitted_at,
        derived.received_at,
        derived.empty_columns,

        -- ids
        derived.act_number,
        derived.client_key,
        derived.identifier_kind,
        derived.iin_bin_status,
        derived.iin_bin_check_digit_ok,

        -- the service confirmed
        derived.service_text,
        service_lookup.code as service_code,
        derived.service_subtype_text,
        subtype_lookup.code as subtype_code,
        service_subtypes.service_code as subtype_service_code,
        derived.confirmation_method_text,
        method_lookup.code as confirmation_method_code,

        -- dates
        derived.act_date_text,
        derived.act_date,
        derived.service_date_text,
        derived.service_date
    from derived
    left join lookups as service_lookup
        on service_lookup.domain = 'service' and service_lookup.lookup_key = derived.service_key
    left join lookups as subtype_lookup
        on subtype_lookup.domain = 'service_subtype' and subtype_lookup.lookup_key = derived.service_subtype_key
    left join service_subtypes on service_subtypes.subtype_code = subtype_lookup.code
    left join lookups as method_lookup
        on method_lookup.domain = 'confirmation_method' and method_lookup.lookup_key = derived.confirmation_method_key
)

select * from final
