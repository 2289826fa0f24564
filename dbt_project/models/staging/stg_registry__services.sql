-- Registry of services (R1, Appendix 1): one row per row of every loaded snapshot version,
-- typed, trimmed and normalised. Personal data stops here: IIN/BIN, names, birth dates,
-- phones, e-mails and disability are read to derive keyed hashes and the facts the
-- validation rules need, and are not carried into the table.
-- Incremental by batch: a build stages only new, re-delivered or re-fingerprinted batches
-- (macros/staged_batches.sql).

{{ staged_by_batch('registry_rows') }}

with

-- read where it is used: the distinct-cell CTEs below scan only their own column
source as not materialized (
    {{ rows_to_stage('registry_rows') }}
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

source_rows as (
    select
        *,
        {{ empty_columns(form_columns('registry')) }} as empty_columns
    from source
),

-- IIN/BIN stripped and restored row by row (macro client_identifier_columns says why)
identified as (
    {{ identified_rows('source_rows') }}
),

-- the cells looked up in a reference list, each distinct cell once (macros/staging_cells.sql)
cleaned_cells as (
    {{ cleaned_cells('source', {
        'region': 'region', 'place_of_service': 'place_of_service', 'gender': 'gender',
        'legal_form': 'legal_form', 'sme_category': 'sme_category', 'oked_section': 'oked_sector',
        'oked_division': 'oked_subsector', 'service': 'service', 'service_subtype': 'service_subtype',
        'provider': 'provider', 'channel': 'channel'}) }}
),

-- lookup keys; OKED sector may be prefixed by its letter («C - Обрабатывающая …»),
-- the sub-sector by its 2-digit division code («10 Производство …»)
keyed_cells as (
    select
        domain,
        cell,
        cell_text,
        case domain
            when 'oked_section'
                then regexp_replace({{ lookup_key('cell_text') }}, '^[a-zа-я](\s*[-.:)–—]\s*|\s+)', '')
            when 'oked_division'
                then coalesce(
                    nullif(regexp_extract(cell_text, '^([0-9]{2})([^0-9]|$)', 1), ''),
                    {{ lookup_key('cell_text') }}
                )
            else {{ lookup_key('cell_text') }}
        end as cell_key
    from cleaned_cells
),

coded_cells as (
    {{ coded_cells('keyed_cells', key='cells.cell_key') }}
),

-- every manager name as written, once
managers as (
    {{ manager_keys('source') }}
),

-- every distinct date cell as written (service and birth dates), parsed once
dates as (
    {{ parsed_dates('source', ['start_date', 'end_date', 'birth_date']) }}
),

renamed as (
    select
        -- lineage
        source.batch_id,
        source.period,
        source.version,
        source.source_file,
        source.source_row,
        source.submitted_at,
        source.received_at,
        {{ period_start('source.period') }} as reporting_month,
        cast(timezone('Asia/Almaty', source.submitted_at) as date) as submitted_on,
        source.empty_columns,

        -- non-personal cells as written (trimmed), kept to explain a defect
        region_cell.cell_text as region_text,
        {{ clean_text('source.settlement') }} as settlement,
        place_cell.cell_text as place_of_service_text,
        gender_cell.cell_text as gender_text,
        {{ clean_text('source.age') }} as age_text,
        legal_form_cell.cell_text as legal_form_text,
        sme_category_cell.cell_text as sme_category_text,
        oked_section_cell.cell_text as oked_sector_text,
        oked_division_cell.cell_text as oked_subsector_text,
        service_cell.cell_text as service_text,
        subtype_cell.cell_text as service_subtype_text,
        start_dates.date_text as start_date_text,
        end_dates.date_text as end_date_text,
        provider_cell.cell_text as provider_text,
        channel_cell.cell_text as channel_text,

        -- reference codes of the looked-up cells
        region_cell.code as region_lookup_code,
        place_cell.code as place_lookup_code,
        gender_cell.code as gender_lookup_code,
        legal_form_cell.code as legal_form_lookup_code,
        sme_category_cell.code as sme_category_lookup_code,
        oked_section_cell.code as oked_section_lookup_code,
        oked_division_cell.code as oked_division_lookup_code,
        service_cell.code as service_lookup_code,
        subtype_cell.code as subtype_lookup_code,
        provider_cell.code as provider_lookup_code,
        channel_cell.code as channel_lookup_code,

        -- dates
        start_dates.date_value as start_date,
        end_dates.date_value as end_date,

        -- personal data: read here, never stored
        {{ client_identifier_columns('source.iin_bin_digits', 'source.iin_bin_normalised') }},
        length(source.iin_bin_digits) as iin_bin_length,
        {{ iin_birth_date('source.iin_bin_normalised') }} as iin_encoded_birth_date,
        {{ iin_gender_code('source.iin_bin_normalised') }} as iin_encoded_gender_code,
        -- a person is a name and a birth date: nearly every pair is new, so hashed row by row
        -- (a distinct list of pairs joined back cost a hash table the size of the registry)
        case
            when {{ normalise_full_name('source.client_full_name') }} is not null
                and birth_dates.date_value is not null
                then pseudonymise(
                    {{ normalise_full_name('source.client_full_name') }}
                    || '|' || strftime(birth_dates.date_value, '%Y-%m-%d')
                )
        end as person_key,
        managers.manager_key,
        birth_dates.date_text is not null as has_birth_date,
        birth_dates.date_value as birth_date,
        {{ phone_ok(clean_text('source.work_phone')) }} as work_phone_ok,
        {{ phone_ok(clean_text('source.mobile_phone')) }} as mobile_phone_ok,
        {{ email_ok(clean_text('source.email')) }} as email_ok
    from identified as source
    left join coded_cells as region_cell
        on region_cell.domain = 'region' and region_cell.cell = source.region
    left join coded_cells as place_cell
        on place_cell.domain = 'place_of_service' and place_cell.cell = source.place_of_service
    left join coded_cells as gender_cell
        on gender_cell.domain = 'gender' and gender_cell.cell = source.gender
    left join coded_cells as legal_form_cell
        on legal_form_cell.domain = 'legal_form' and legal_form_cell.cell = source.legal_form
    left join coded_cells as sme_category_cell
        on sme_category_cell.domain = 'sme_category' and sme_category_cell.cell = source.sme_category
    left join coded_cells as oked_section_cell
        on oked_section_cell.domain = 'oked_section' and oked_section_cell.cell = source.oked_sector
    left join coded_cells as oked_division_cell
        on oked_division_cell.domain = 'oked_division' and oked_division_cell.cell = source.oked_subsector
    left join coded_cells as service_cell
        on service_cell.domain = 'service' and service_cell.cell = source.service
    left join coded_cells as subtype_cell
        on subtype_cell.domain = 'service_subtype' and subtype_cell.cell = source.service_subtype
    left join coded_cells as provider_cell
        on provider_cell.domain = 'provider' and provider_cell.cell = source.provider
    left join coded_cells as channel_cell
        on channel_cell.domain = 'channel' and channel_cell.cell = source.channel
    left join dates as start_dates on start_dates.date_cell = source.start_date
    left join dates as end_dates on end_dates.date_cell = source.end_date
    left join dates as birth_dates on birth_dates.date_cell = source.birth_date
    left join managers on managers.manager_full_name = source.manager_full_name
),

derived as (
    select
        *,
        case
            when not has_birth_date then 'missing'
            when birth_date is null then 'unparseable'
            else 'ok'
        end as birth_date_status,
        {{ age_in_years('birth_date', 'end_date') }} as age_at_service,
        case
            when try_cast(age_text as double) = floor(try_cast(age_text as double))
                then try_cast(try_cast(age_text as double) as integer)  -- an IIN typed as the age: null, a finding
        end as reported_age,
        -- the date that picks the region list in force (service end, else start, else submission)
        coalesce(end_date, start_date, submitted_on) as reference_date
    from renamed
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
            when derived.channel_text is not null then derived.channel_lookup_code
            else places_of_service.channel
        end as channel_code,
        case
            when derived.provider_text is null then 'operator'
            else derived.provider_lookup_code
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
    left join regions
        on regions.kato_code = derived.region_lookup_code
        and derived.reference_date between regions.valid_from and regions.valid_to
    left join places_of_service on places_of_service.place_code = derived.place_lookup_code
    left join genders on genders.gender_code = derived.gender_lookup_code
    left join legal_forms on legal_forms.legal_form_code = derived.legal_form_lookup_code
    left join sme_categories on sme_categories.sme_category_code = derived.sme_category_lookup_code
    left join oked_sections on oked_sections.section_code = derived.oked_section_lookup_code
    left join oked_divisions on oked_divisions.division_code = derived.oked_division_lookup_code
    left join services on services.service_code = derived.service_lookup_code
    left join service_subtypes on service_subtypes.subtype_code = derived.subtype_lookup_code
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

{{ with_staging_fingerprint('final') }}
