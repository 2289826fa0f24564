-- Phone survey results (R3, Appendix 4): one row per call of every loaded quarterly file.
-- Call outcome and the yes / no / partly answers normalised to codes; Q2 as an integer 1-5.
-- The script line for the call-centre operator (question_1) names the client and is not kept.

with

source as (
    select * from {{ source('raw', 'phone_survey_rows') }}
),

lookups as (
    select domain, lookup_key, code from {{ ref('stg_reference__lookups') }}
),

regions as (
    select kato_code, name_ru, valid_from, coalesce(valid_to, date '9999-12-31') as valid_to
    from {{ ref('regions') }}
),

service_subtypes as (
    select subtype_code, service_code from {{ ref('services') }}
),

renamed as (
    select
        -- lineage
        {{ lineage_columns('phone_survey') }},

        -- cells
        {{ clean_text('call_id') }} as call_id,
        {{ clean_text('region') }} as region_text,
        {{ clean_text('settlement') }} as settlement,
        {{ clean_text('place_of_service') }} as place_of_service_text,
        {{ clean_text('service') }} as service_text,
        {{ clean_text('service_subtype') }} as service_subtype_text,
        {{ clean_text('call_outcome') }} as call_outcome_text,
        {{ clean_text('q1_received') }} as q1_received_text,
        {{ clean_text('q2_quality') }} as q2_quality_text,
        {{ clean_text('q3_helped') }} as q3_helped_text,
        {{ clean_text('q4_interested') }} as q4_interested_text,
        {{ clean_text('q4_instrument') }} as q4_instrument_text,

        -- numerics
        {{ score_1_to_5('q2_quality') }} as q2_quality,

        -- dates
        {{ parse_date_text('service_date') }} as service_date,
        {{ parse_date_text('call_date') }} as call_date,

        -- personal data: read here, never stored
        nullif({{ iin_bin_digits('iin_bin') }}, '') as iin_bin_digits,
        {{ normalise_full_name('manager_full_name') }} as manager_name_normalised,
        {{ phone_ok(clean_text('mobile_phone')) }} as mobile_phone_ok,
        {{ phone_ok(clean_text('work_phone')) }} as work_phone_ok
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
        {{ client_identifier_columns('iin_bin_digits', 'iin_bin_normalised') }},
        case when manager_name_normalised is not null then pseudonymise(manager_name_normalised) end as manager_key,
        coalesce(service_date, call_date) as reference_date,
        {{ lookup_key('region_text') }} as region_key,
        {{ lookup_key('place_of_service_text') }} as place_of_service_key,
        {{ lookup_key('service_text') }} as service_key,
        {{ lookup_key('service_subtype_text') }} as service_subtype_key,
        {{ lookup_key('call_outcome_text') }} as call_outcome_key,
        {{ lookup_key('q1_received_text') }} as q1_received_key,
        {{ lookup_key('q3_helped_text') }} as q3_helped_key,
        {{ lookup_key('q4_interested_text') }} as q4_interested_key,
        {{ lookup_key('q4_instrument_text') }} as q4_instrument_key
    from identified
),

final as (
    select
        -- lineage
        {{ lineage_of('derived') }},

        -- ids
        derived.call_id,
        derived.client_key,
        derived.iin_bin_status,
        derived.iin_bin_check_digit_ok,
        derived.manager_key,
        derived.mobile_phone_ok,
        derived.work_phone_ok,

        -- the service asked about
        derived.region_text,
        regions.kato_code as region_code,
        regions.name_ru as region,
        derived.settlement,
        derived.place_of_service_text,
        place_lookup.code as place_code,
        derived.service_text,
        service_lookup.code as service_code,
        derived.service_subtype_text,
        subtype_lookup.code as subtype_code,
        service_subtypes.service_code as subtype_service_code,

        -- the call and its answers
        derived.call_outcome_text,
        outcome_lookup.code as call_outcome_code,
        derived.q1_received_text,
        q1_lookup.code as q1_received,
        derived.q2_quality_text,
        derived.q2_quality,
        derived.q3_helped_text,
        q3_lookup.code as q3_helped,
        derived.q4_interested_text,
        q4_lookup.code as q4_interested,
        derived.q4_instrument_text,
        instrument_lookup.code as q4_instrument_code,

        -- dates
        derived.service_date,
        derived.call_date
    from derived
    left join lookups as region_lookup
        on region_lookup.domain = 'region' and region_lookup.lookup_key = derived.region_key
    left join regions
        on regions.kato_code = region_lookup.code
        and derived.reference_date between regions.valid_from and regions.valid_to
    left join lookups as place_lookup
        on place_lookup.domain = 'place_of_service' and place_lookup.lookup_key = derived.place_of_service_key
    left join lookups as service_lookup
        on service_lookup.domain = 'service' and service_lookup.lookup_key = derived.service_key
    left join lookups as subtype_lookup
        on subtype_lookup.domain = 'service_subtype' and subtype_lookup.lookup_key = derived.service_subtype_key
    left join service_subtypes on service_subtypes.subtype_code = subtype_lookup.code
    left join lookups as outcome_lookup
        on outcome_lookup.domain = 'call_outcome' and outcome_lookup.lookup_key = derived.call_outcome_key
    left join lookups as q1_lookup
        on q1_lookup.domain = 'answer' and q1_lookup.lookup_key = derived.q1_received_key
    left join lookups as q3_lookup
        on q3_lookup.domain = 'answer' and q3_lookup.lookup_key = derived.q3_helped_key
    left join lookups as q4_lookup
        on q4_lookup.domain = 'answer' and q4_lookup.lookup_key = derived.q4_interested_key
    left join lookups as instrument_lookup
        on instrument_lookup.domain = 'financial_support_option'
        and instrument_lookup.lookup_key = derived.q4_instrument_key
)

select * from final
