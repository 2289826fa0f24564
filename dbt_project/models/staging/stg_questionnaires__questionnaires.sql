-- Registry of questionnaires (R2, Appendix 2): one row per questionnaire of every loaded
-- file. Scores as integers 1-5 (null when not a whole number from 1 to 5), the wanted
-- financial / non-financial support split from '; ' lists into arrays of option codes.
-- Incremental by batch: a build stages only new, re-delivered or re-fingerprinted batches
-- (macros/staged_batches.sql).

{{ staged_by_batch('questionnaires_rows') }}

with

-- read where it is used: the distinct-cell CTEs below scan only their own column
source as not materialized (
    {{ rows_to_stage('questionnaires_rows') }}
),

lookups as (
    select domain, lookup_key, code from {{ ref('stg_reference__lookups') }}
),

service_subtypes as (
    select subtype_code, service_code from {{ ref('services') }}
),

-- the cells looked up in a reference list, each distinct cell once (macros/staging_cells.sql)
cleaned_cells as (
    {{ cleaned_cells('source', {'service': 'service', 'service_subtype': 'service_subtype'}) }}
),

coded_cells as (
    {{ coded_cells('cleaned_cells') }}
),

-- IIN/BIN stripped and restored row by row (macro client_identifier_columns says why)
identified as (
    {{ identified_rows('source') }}
),

-- every manager name as written, once
managers as (
    {{ manager_keys('source') }}
),

-- every distinct date cell as written, parsed once
dates as (
    {{ parsed_dates('source', ['fill_date', 'service_date']) }}
),

renamed as (
    select
        -- lineage
        {{ lineage_columns('questionnaires') }},

        -- cells
        {{ clean_text('questionnaire_id') }} as questionnaire_id,
        {{ clean_text('visit_purpose') }} as visit_purpose,
        {{ clean_text('financial_support_wanted') }} as financial_support_wanted_text,
        {{ clean_text('non_financial_support_wanted') }} as non_financial_support_wanted_text,

        -- numerics
        {%- for score in ['score_usefulness', 'score_organisation', 'score_expectations', 'score_satisfaction'] %}
        {{ score_1_to_5(score) }} as {{ score }},
        {{ clean_text(score) }} as {{ score }}_text,
        {%- endfor %}

        -- cells as written, to join their cleaned, parsed and looked-up values on
        service,
        service_subtype,
        fill_date as fill_date_cell,
        service_date as service_date_cell,
        iin_bin_digits,
        iin_bin_normalised,
        manager_full_name
    from identified
),

derived as (
    select
        renamed.*,
        service_cell.cell_text as service_text,
        service_cell.code as service_code,
        subtype_cell.cell_text as service_subtype_text,
        subtype_cell.code as subtype_code,

        -- dates
        fill_dates.date_value as fill_date,
        service_dates.date_value as service_date,

        -- personal data: read here, never stored
        {{ client_identifier_columns('renamed.iin_bin_digits', 'renamed.iin_bin_normalised') }},
        managers.manager_key
    from renamed
    left join coded_cells as service_cell
        on service_cell.domain = 'service' and service_cell.cell = renamed.service
    left join coded_cells as subtype_cell
        on subtype_cell.domain = 'service_subtype' and subtype_cell.cell = renamed.service_subtype
    left join dates as fill_dates on fill_dates.date_cell = renamed.fill_date_cell
    left join dates as service_dates on service_dates.date_cell = renamed.service_date_cell
    left join managers on managers.manager_full_name = renamed.manager_full_name
),

-- chosen options, one row per (questionnaire, position in its list); only the rows that
-- name any option are unnested
chosen_options as (
    select
        batch_id,
        source_row,
        kind,
        position,
        trim(option_text) as option_text,
        {{ lookup_key('option_text') }} as option_key
    from (
        select batch_id, source_row, 'financial_support_option' as kind,
            unnest(string_split(financial_support_wanted_text, ';')) as option_text,
            generate_subscripts(string_split(financial_support_wanted_text, ';'), 1) as position
        from renamed
        where financial_support_wanted_text is not null
        union all
        select batch_id, source_row, 'non_financial_support_option',
            unnest(string_split(non_financial_support_wanted_text, ';')),
            generate_subscripts(string_split(non_financial_support_wanted_text, ';'), 1)
        from renamed
        where non_financial_support_wanted_text is not null
    )
    where nullif(trim(option_text), '') is not null
),

-- the codes of the options a questionnaire chose, sorted (a distinct list has no order of
-- its own: unsorted, a rebuild could list the same options in another order)
options_per_questionnaire as (
    select
        chosen_options.batch_id,
        chosen_options.source_row,
        list_sort(list(distinct option_lookup.code) filter (
            where chosen_options.kind = 'financial_support_option' and option_lookup.code is not null
        )) as financial_support_wanted,
        list(chosen_options.option_text order by chosen_options.position) filter (
            where chosen_options.kind = 'financial_support_option' and option_lookup.code is null
        ) as financial_support_unknown,
        list_sort(list(distinct option_lookup.code) filter (
            where chosen_options.kind = 'non_financial_support_option' and option_lookup.code is not null
        )) as non_financial_support_wanted,
        list(chosen_options.option_text order by chosen_options.position) filter (
            where chosen_options.kind = 'non_financial_support_option' and option_lookup.code is null
        ) as non_financial_support_unknown
    from chosen_options
    left join lookups as option_lookup
        on option_lookup.domain = chosen_options.kind and option_lookup.lookup_key = chosen_options.option_key
    group by chosen_options.batch_id, chosen_options.source_row
),

final as (
    select
        -- lineage
        {{ lineage_of('derived') }},

        -- ids
        derived.questionnaire_id,
        derived.client_key,
        derived.iin_bin_status,
        derived.iin_bin_check_digit_ok,
        derived.manager_key,

        -- the service rated
        derived.service_text,
        derived.service_code,
        derived.service_subtype_text,
        derived.subtype_code,
        service_subtypes.service_code as subtype_service_code,

        -- numerics
        derived.score_usefulness,
        derived.score_organisation,
        derived.score_expectations,
        derived.score_satisfaction,
        derived.score_usefulness_text,
        derived.score_organisation_text,
        derived.score_expectations_text,
        derived.score_satisfaction_text,

        -- answers
        derived.visit_purpose,
        coalesce(options_per_questionnaire.financial_support_wanted, []) as financial_support_wanted,
        coalesce(options_per_questionnaire.financial_support_unknown, []) as financial_support_unknown,
        coalesce(options_per_questionnaire.non_financial_support_wanted, []) as non_financial_support_wanted,
        coalesce(options_per_questionnaire.non_financial_support_unknown, []) as non_financial_support_unknown,

        -- dates
        derived.fill_date,
        derived.service_date
    from derived
    left join options_per_questionnaire
        on options_per_questionnaire.batch_id = derived.batch_id
        and options_per_questionnaire.source_row = derived.source_row
    left join service_subtypes on service_subtypes.subtype_code = derived.subtype_code
)

{{ with_staging_fingerprint('final') }}
