-- Registry of services (R1, Appendix 1): one row per row of every loaded snapshot version,
-- typed, trimmed and normalised. Personal data stops here: IIN/BIN, names, birth dates,
-- phones, e-mails and disability are read to derive keyed hashes and the facts the
-- validation rules need, and are not carried into the table.

with

source as (
    select * from {{ source('raw', 'registry_rows') }}
),

lookups as (
    select domain, lookup_key, code from {{ ref('stg_reference__lookups') }}
),

regions as (
    select
        kato_code,
        name_ru,
        valid_from,
        coalesce(valid_to, date '9999-12-31') as valid_to,
        sort_order
    from {{ ref('regions') }}
),

places_of_service as (
    select place_code, centre_kind, channel from {{ ref('places_of_service') }}
),

channels as (
    select channel_code, name_ru from {{ ref('channels') }}
),

providers as (
    select provider_code, name_ru from {{ ref('providers') }}
),

genders as (
    select distinct gender_code, name_ru from {{ ref('genders') }}
),

legal_forms as (
    select legal_form_code, short_name_ru, identifier_kind, is_individual_entrepreneur
    from {{ ref('legal_forms') }}
),

sme_categories as (
    select sme_category_code, name_ru, sort_order from {{ ref('sme_categories') }}
),

oked_sections as (
    select section_code, name_ru from {{ ref('oked_sections') }}
),

oked_divisions as (
    select division_code, section_code from {{ ref('oked_divisions') }}
),

services as (
    select distinct service_code, service_name_ru from {{ ref('services') }}
),

service_subtypes as (
    select subtype_code, service_code, subtype_name_ru, sort_order from {{ ref('services') }}
),

renamed as (
    select
        -- lineage
        batch_id,
        period,
        version,
        source_file,
        source_row,
        submitted_at,
        received_at,
        {{ period_start('period') }} as reporting_month,
        cast(timezone('Asia/Almaty', submitted_at) as date) as submitted_on,
        {{ empty_columns(form_columns('registry')) }} as empty_columns,

        -- non-personal cells as written (trimmed), kept to explain a defect
        {{ clean_text('region') }} as region_text,
        {{ clean_text('settlement') }} as settlement,
        {{ clean_text('place_of_service') }} as place_of_service_text,
        {{ clean_text('gender') }} as gender_text,
        {{ clean_text('age') }} as age_text,
        {{ clean_text('legal_form') }} as legal_form_text,
        {{ clean_text('sme_category') }} as sme_category_text,
        {{ clean_text('oked_sector') }} as oked_sector_text,
        {{ clean_text('oked_subsector') }} as oked_subsector_text,
        {{ clean_text('service') }} as service_text,
        {{ clean_text('service_subtype') }} as service_subtype_text,
        {{ clean_text('start_date') }} as start_date_text,
        {{ clean_text('end_date') }} as end_date_text,
        {{ clean_text('provider') }} as provider_text,
        {{ clean_text('channel') }} as channel_text,

        -- dates
        {{ parse_date_text('start_date') }} as start_date,
        {{ parse_date_text('end_date') }} as end_date,

        -- personal data: read here, never stored
        nullif({{ iin_bin_digits('iin_bin') }}, '') as iin_bin_digits,
        {{ normalise_full_name('client_full_name') }} as client_name_normalised,
        {{ normalise_full_name('manager_full_name') }} as manager_name_normalised,
        {{ clean_text('birth_date') }} is not null as has_birth_date,
        {{ parse_date_text('birth_date') }} as birth_date,
        {{ phone_ok(clean_text('work_phone')) }} as work_phone_ok,
        {{ phone_ok(clean_text('mobile_phone')) }} as mobile_phone_ok,
        {{ email_ok(clean_text('email')) }} as email_ok
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
        length(iin_bin_digits) as iin_bin_length,
        {{ iin_bin_check_digit_ok('iin_bin_normalised') }} as iin_bin_check_digit_ok,
        {{ iin_bin_kind('iin_bin_normalised') }} as identifier_kind,
        {{ iin_birth_date('iin_bin_normalised') }} as iin_encoded_birth_date,
        {{ iin_gender_code('iin_bin_normalised') }} as iin_encoded_gender_code,
        case
            when iin_bin_normalised is not null then pseudonymise(iin_bin_normalised)
        end as client_key,
        case
            when client_name_normalised is not null and birth_date is not null
                then pseudonymise(client_name_normalised || '|' || strftime(birth_date, '%Y-%m-%d'))
        end as person_key,
        case
            when manager_name_normalised is not null then pseudonymise(manager_name_normalised)
        end as manager_key,
        case
            when not has_birth_date then 'missing'
            when birth_date is null then 'unparseable'
            else 'ok'
        end as birth_date_status,
        {{ age_in_years('birth_date', 'end_date') }} as age_at_service,
        case
            when try_cast(age_text as double) = floor(try_cast(age_text as double))
                then cast(try_cast(age_text as double) as integer)
        end as reported_age,
        -- the date that picks the region list in force (service end, else start, else submission)
        coalesce(end_date, start_date, submitted_on) as reference_date,
        -- lookup keys; OKED sector may be prefixed by its letter («C - Обрабатывающая …»),
        -- the sub-sector by its 2-digit division code («10 Производство …»)
        {{ lookup_key('region_text') }} as region_key,
        {{ lookup_key('place_of_service_text') }} as place_of_service_key,
        {{ lookup_key('gender_text') }} as gender_key,
        {{ lookup_key('legal_form_text') }} as legal_form_key,
        {{ lookup_key('sme_category_text') }} as sme_category_key,
        regexp_replace({{ lookup_key('oked_sector_text') }}, '^[a-zа-я](\s*[-.:)–—]\s*|\s+)', '') as oked_sector_key,
        coalesce(
            nullif(regexp_extract(oked_subsector_text, '^([0-9]{2})([^0-9]|$)', 1), ''),
            {{ lookup_key('oked_subsector_text') }}
        ) as oked_subsector_key,
        {{ lookup_key('service_text') }} as service_key,
        {{ lookup_key('service_subtype_text') }} as service_subtype_key,
        {{ lookup_key('provider_text') }} as provider_key,
        {{ lookup_key('channel_text') }} as channel_key
    from identified
),

looked_up as (
    select
        derived.*,
        regions.kato_code as region_code,
        regions.name_ru as region,
        regions.sort_order as region_sort_order,
        places_of_service.place_code,
        places_of_service.centre_kind,
        case
            when derived.channel_text is not null then channel_lookup.code
            else places_of_service.channel
        end as channel_code,
        case
            when derived.provider_text is null then 'operator'
            else provider_lookup.code
        end as provider_code,
        genders.gender_code,
        genders.name_ru as gender,
        legal_forms.legal_form_code,
        legal_forms.short_name_ru as legal_form,
        legal_forms.identifier_kind as legal_form_identifier_kind,
        legal_forms.is_individual_entrepreneur,
        sme_categories.sme_category_code,
        sme_categories.name_ru as sme_category,
        sme_categories.sort_order as sme_category_sort_order,
        oked_sections.section_code as oked_section,
        oked_sections.name_ru as oked_section_name,
        oked_divisions.division_code as oked_division,
        oked_divisions.section_code as oked_division_section,
        services.service_code,
        services.service_name_ru as service,
        service_subtypes.subtype_code,
        service_subtypes.subtype_name_ru as service_subtype,
        service_subtypes.service_code as subtype_service_code,
        service_subtypes.sort_order as service_sort_order
    from derived
    left join lookups as region_lookup
        on region_lookup.domain = 'region' and region_lookup.lookup_key = derived.region_key
    left join regions
        on regions.kato_code = region_lookup.code
        and derived.reference_date between regions.valid_from and regions.valid_to
    left join lookups as place_lookup
        on place_lookup.domain = 'place_of_service' and place_lookup.lookup_key = derived.place_of_service_key
    left join places_of_service on places_of_service.place_code = place_lookup.code
    left join lookups as channel_lookup
        on channel_lookup.domain = 'channel' and channel_lookup.lookup_key = derived.channel_key
    left join lookups as provider_lookup
        on provider_lookup.domain = 'provider' and provider_lookup.lookup_key = derived.provider_key
    left join lookups as gender_lookup
        on gender_lookup.domain = 'gender' and gender_lookup.lookup_key = derived.gender_key
    left join genders on genders.gender_code = gender_lookup.code
    left join lookups as legal_form_lookup
        on legal_form_lookup.domain = 'legal_form' and legal_form_lookup.lookup_key = derived.legal_form_key
    left join legal_forms on legal_forms.legal_form_code = legal_form_lookup.code
    left join lookups as sme_category_lookup
        on sme_category_lookup.domain = 'sme_category' and sme_category_lookup.lookup_key = derived.sme_category_key
    left join sme_categories on sme_categories.sme_category_code = sme_category_lookup.code
    left join lookups as oked_section_lookup
        on oked_section_lookup.domain = 'oked_section' and oked_section_lookup.lookup_key = derived.oked_sector_key
    left join oked_sections on oked_sections.section_code = oked_section_lookup.code
    left join lookups as oked_division_lookup
        on oked_division_lookup.domain = 'oked_division' and oked_division_lookup.lookup_key = derived.oked_subsector_key
    left join oked_divisions on oked_divisions.division_code = oked_division_lookup.code
    left join lookups as service_lookup
        on service_lookup.domain = 'service' and service_lookup.lookup_key = derived.service_key
    left join services on services.service_code = service_lookup.code
    left join lookups as subtype_lookup
        on subtype_lookup.domain = 'service_subtype' and subtype_lookup.lookup_key = derived.service_subtype_key
    left join service_subtypes on service_subtypes.subtype_code = subtype_lookup.code
),

final as (
    select
        -- lineage
        looked_up.batch_id,
        looked_up.period,
        looked_up.reporting_month,
        looked_up.version,
        looked_up.source_file,
        looked_up.source_row,
        looked_up.submitted_at,
        looked_up.received_at,
        looked_up.submitted_on,
        looked_up.empty_columns,

        -- keys (HMAC-SHA256 pseudonyms)
        looked_up.client_key,
        looked_up.person_key,
        looked_up.manager_key,

        -- identifier facts
        looked_up.identifier_kind,
        looked_up.iin_bin_status,
        looked_up.iin_bin_length,
        looked_up.iin_bin_check_digit_ok,
        case
            when looked_up.identifier_kind = 'iin' and looked_up.birth_date is not null
                then coalesce(looked_up.iin_encoded_birth_date = looked_up.birth_date, false)
        end as iin_birth_date_agrees,
        case
            when looked_up.identifier_kind = 'iin' and looked_up.gender_code is not null
                then coalesce(looked_up.iin_encoded_gender_code = looked_up.gender_code, false)
        end as iin_gender_agrees,

        -- person facts
        looked_up.gender_text,
        looked_up.gender_code,
        looked_up.gender,
        looked_up.birth_date_status,
        looked_up.age_text,
        looked_up.reported_age,
        looked_up.age_at_service,
        looked_up.work_phone_ok,
        looked_up.mobile_phone_ok,
        looked_up.email_ok,

        -- where and how
        looked_up.region_text,
        looked_up.region_code,
        looked_up.region,
        looked_up.region_sort_order,
        looked_up.settlement,
        looked_up.place_of_service_text,
        looked_up.place_code,
        looked_up.centre_kind,
        looked_up.channel_text,
        looked_up.channel_code,
        channels.name_ru as channel,
        looked_up.provider_text,
        looked_up.provider_code,
        providers.name_ru as provider,

        -- the client enterprise
        looked_up.legal_form_text,
        looked_up.legal_form_code,
        looked_up.legal_form,
        looked_up.legal_form_identifier_kind,
        looked_up.is_individual_entrepreneur,
        looked_up.sme_category_text,
        looked_up.sme_category_code,
        looked_up.sme_category,
        looked_up.sme_category_sort_order,
        looked_up.oked_sector_text,
        looked_up.oked_section,
        looked_up.oked_section_name,
        looked_up.oked_subsector_text,
        looked_up.oked_division,
        looked_up.oked_division_section,

        -- the service
        looked_up.service_text,
        looked_up.service_code,
        looked_up.service,
        looked_up.service_subtype_text,
        looked_up.subtype_code,
        looked_up.service_subtype,
        looked_up.subtype_service_code,
        looked_up.service_sort_order,

        -- dates
        looked_up.start_date_text,
        looked_up.start_date,
        looked_up.end_date_text,
        looked_up.end_date
    from looked_up
    left join channels on channels.channel_code = looked_up.channel_code
    left join providers on providers.provider_code = looked_up.provider_code
)

select * from final
