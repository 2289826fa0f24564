-- Acts of services rendered (R4, clause 11): one row per row of every loaded acts file,
-- typed and normalised. The IIN/BIN is replaced by the same client_key the registry uses.
-- Incremental by batch: a build stages only new, re-delivered or re-fingerprinted batches
-- (macros/staged_batches.sql).

{{ staged_by_batch('acts_rows') }}

with

-- read where it is used: the distinct-cell CTEs below scan only their own column
source as not materialized (
    {{ rows_to_stage('acts_rows') }}
),

service_subtypes as (
    select subtype_code, service_code from {{ ref('services') }}
),

-- the cells looked up in a reference list, each distinct cell once (macros/staging_cells.sql)
cleaned_cells as (
    {{ cleaned_cells('source', {'service': 'service', 'service_subtype': 'service_subtype',
                                'confirmation_method': 'confirmation_method'}) }}
),

coded_cells as (
    {{ coded_cells('cleaned_cells') }}
),

-- IIN/BIN stripped and restored row by row (macro client_identifier_columns says why)
identified as (
    {{ identified_rows('source') }}
),

-- every distinct date cell as written, parsed once
dates as (
    {{ parsed_dates('source', ['act_date', 'service_date']) }}
),

renamed as (
    select
        -- lineage
        {{ lineage_columns('acts') }},

        -- cells
        {{ clean_text('act_number') }} as act_number,

        -- cells as written, to join their cleaned, parsed and looked-up values on
        service,
        service_subtype,
        confirmation_method,
        act_date,
        service_date,
        iin_bin_digits,
        iin_bin_normalised
    from identified
),

derived as (
    select
        {{ lineage_of('renamed') }},
        renamed.act_number,
        service_cell.cell_text as service_text,
        service_cell.code as service_code,
        subtype_cell.cell_text as service_subtype_text,
        subtype_cell.code as subtype_code,
        method_cell.cell_text as confirmation_method_text,
        method_cell.code as confirmation_method_code,
        act_dates.date_text as act_date_text,
        act_dates.date_value as act_date,
        service_dates.date_text as service_date_text,
        service_dates.date_value as service_date,

        -- personal data: read here, never stored
        {{ client_identifier_columns('renamed.iin_bin_digits', 'renamed.iin_bin_normalised') }}
    from renamed
    left join coded_cells as service_cell
        on service_cell.domain = 'service' and service_cell.cell = renamed.service
    left join coded_cells as subtype_cell
        on subtype_cell.domain = 'service_subtype' and subtype_cell.cell = renamed.service_subtype
    left join coded_cells as method_cell
        on method_cell.domain = 'confirmation_method' and method_cell.cell = renamed.confirmation_method
    left join dates as act_dates on act_dates.date_cell = renamed.act_date
    left join dates as service_dates on service_dates.date_cell = renamed.service_date
),

final as (
    select
        -- lineage
        {{ lineage_of('derived') }},

        -- ids
        derived.act_number,
        derived.client_key,
        derived.identifier_kind,
        derived.iin_bin_status,
        derived.iin_bin_check_digit_ok,

        -- the service confirmed
        derived.service_text,
        derived.service_code,
        derived.service_subtype_text,
        derived.subtype_code,
        service_subtypes.service_code as subtype_service_code,
        derived.confirmation_method_text,
        derived.confirmation_method_code,

        -- dates
        derived.act_date_text,
        derived.act_date,
        derived.service_date_text,
        derived.service_date
    from derived
    left join service_subtypes on service_subtypes.subtype_code = derived.subtype_code
)

{{ with_staging_fingerprint('final') }}
