-- Registry of questionnaires (R2, Appendix 2): one row per questionnaire of every loaded
-- file. Scores as integers 1-5 (null when not a whole number from 1 to 5), the wanted
-- financial / non-financial support split from '; ' lists into arrays of option codes.

with

source as (
    select * from {{ source('raw', 'questionnaires_rows') }}
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
        {{ empty_columns(form_columns('questionnaires')) }} as empty_columns,

        -- cells
        {{ clean_text('questionnaire_id') }} as questionnaire_id,
        {{ clean_text('service') }} as service_text,
        {{ clean_text('service_subtype') }} as service_subtype_text,
        {{ clean_text('visit_purpose') }} as visit_purpose,
        {{ clean_text('financial_support_wanted') }} as financial_support_wanted_text,
        {{ clean_text('non_financial_support_wanted') }} as non_financial_support_wanted_text,

        -- numerics
        {%- for score in ['score_usefulness', 'score_organisation', 'score_expectations', 'score_satisfaction'] %}
        case
            when try_cast(trim({{ score }}) as double) in (1, 2, 3, 4, 5)
                then cast(try_cast(trim({{ score }}) as double) as integer)
        end as {{ score }},
        {{ clean_text(score) }} as {{ score }}_text,
        {%- endfor %}

        -- dates
        {{ parse_date_text('fill_date') }} as fill_date,
        {{ parse_date_text('service_date') }} as service_date,

        -- personal data: read here, never stored
        nullif({{ iin_bin_digits('iin_bin') }}, '') as iin_bin_digits,
        {{ normalise_full_name('manager_full_name') }} as manager_name_normalised
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
        case when iin_bin_normalised is not null then pseudonymise(iin_bin_normalised) end as client_key,
        case when manager_name_normalised is not null then pseudonymise(manager_name_normalised) end as manager_key,
        {{ lookup_key('service_text') }} as service_key,
        {{ lookup_key('service_subtype_text') }} as service_subtype_key
    from identified
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

options_per_questionnaire as (
    select
        chosen_options.batch_id,
        chosen_options.source_row,
        list(distinct option_lookup.code) filter (
            where chosen_options.kind = 'financial_support_option' and option_lookup.code is not null
        ) as financial_support_wanted,
        list(chosen_options.option_text order by chosen_options.position) filter (
            where chosen_options.kind = 'financial_support_option' and option_lookup.code is null
        ) as financial_support_unknown,
        list(distinct option_lookup.code) filter (
            where chosen_options.kind = 'non_financial_support_option' and option_lookup.code is not null
        ) as non_financial_support_wanted,
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
        derived.batch_id,
        derived.period,
        derived.version,
        derived.source_row,
        derived.submitted_at,
        derived.received_at,
        derived.empty_columns,

        -- ids
        derived.questionnaire_id,
        derived.client_key,
        derived.iin_bin_status,
        derived.iin_bin_check_digit_ok,
        derived.manager_key,

        -- the service rated
        derived.service_text,
        service_lookup.code as service_code,
        derived.service_subtype_text,
        subtype_lookup.code as subtype_code,
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
    left join lookups as service_lookup
        on service_lookup.domain = 'service' and service_lookup.lookup_key = derived.service_key
    left join lookups as subtype_lookup
        on subtype_lookup.domain = 'service_subtype' and subtype_lookup.lookup_key = derived.service_subtype_key
    left join service_subtypes on service_subtypes.subtype_code = subtype_lookup.code
)

select * from final
