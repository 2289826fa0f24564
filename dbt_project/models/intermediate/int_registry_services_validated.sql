-- The validated registry: one row per raw registry row (every version), with its
-- normalised, non-personal attributes and the rules it breaks (int_registry_rule_violations).
-- A view: its readers take a few columns each (act reconciliation, exclusions) or write the
-- rows anyway (int_services_counted), and the rules per row join cheaply; a copy of ~50
-- columns of every registry row cost far more than its readers need (docs/performance.md).

{{ config(materialized='view') }}

with

services as (
    select * from {{ ref('stg_registry__services') }}
),

violations as (
    select batch_id, source_row, rule_id, severity, rule_sort_order
    from {{ ref('int_registry_rule_violations') }}
),

rules_per_row as (
    select
        batch_id,
        source_row,
        list(rule_id order by rule_sort_order) as rule_ids,
        list(rule_id order by rule_sort_order) filter (where severity = 'error') as error_rule_ids,
        list(rule_id order by rule_sort_order) filter (where severity = 'warning') as warning_rule_ids
    from violations
    group by batch_id, source_row
),

final as (
    select
        -- lineage
        services.batch_id || ':' || services.source_row as service_id,
        services.batch_id,
        services.period,
        services.reporting_month,
        services.version,
        services.source_file,
        services.source_row,
        services.submitted_at,
        services.received_at,

        -- validation outcome
        coalesce(rules_per_row.rule_ids, []) as rule_ids,
        coalesce(rules_per_row.error_rule_ids, []) as error_rule_ids,
        coalesce(rules_per_row.warning_rule_ids, []) as warning_rule_ids,
        coalesce(len(rules_per_row.error_rule_ids) > 0, false) as has_error,
        coalesce(len(rules_per_row.warning_rule_ids) > 0, false) as has_warning,

        -- keys
        services.client_key,
        services.identifier_kind,
        services.person_key,
        services.manager_key,

        -- where and how
        services.region_code,
        services.region,
        services.region_sort_order,
        services.settlement,
        services.place_code,
        services.centre_kind,
        services.channel_code,
        services.channel,
        services.provider_code,
        services.provider,

        -- the client enterprise and person
        services.legal_form_code,
        services.legal_form,
        services.sme_category_code,
        services.sme_category,
        services.sme_category_sort_order,
        services.oked_section,
        services.oked_section_name,
        services.oked_division,
        services.gender_code,
        services.gender,
        services.age_at_service,
        services.reported_age,

        -- the service
        services.service_code,
        services.service,
        services.subtype_code,
        services.service_subtype,
        services.service_sort_order,

        -- dates
        services.start_date,
        services.end_date
    from services
    left join rules_per_row
        on rules_per_row.batch_id = services.batch_id
        and rules_per_row.source_row = services.source_row
)

select * from final
