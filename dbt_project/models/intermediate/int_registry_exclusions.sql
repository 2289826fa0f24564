-- Every registry row that is NOT counted, with all its reasons (rule ids of
-- validation_rules.csv): error-severity rules, act reconciliation (clause 11) and version
-- choice (a superseded or inadmissible version). Together with int_services_counted it
-- accounts for every ingested row: counted + excluded = ingested, per month and version
-- (tests/assert_counted_plus_excluded_equals_ingested.sql).

with

validated as (
    select batch_id, period, reporting_month, version, source_row, error_rule_ids
    from {{ ref('int_registry_services_validated') }}
),

confirmed as (
    select batch_id, source_row, is_confirmed_by_act, act_exclusion_reason
    from {{ ref('int_registry_services_confirmed') }}
),

versions as (
    select batch_id, is_used_for_report, exclusion_reason as version_exclusion_reason
    from {{ ref('int_registry_versions') }}
),

assessed as (
    select
        validated.batch_id,
        validated.period,
        validated.reporting_month,
        validated.version,
        validated.source_row,
        list_concat(
            case when not versions.is_used_for_report then [versions.version_exclusion_reason] else [] end,
            validated.error_rule_ids,
            case when confirmed.act_exclusion_reason is not null then [confirmed.act_exclusion_reason] else [] end
        ) as reasons,
        versions.is_used_for_report,
        confirmed.is_confirmed_by_act
    from validated
    inner join confirmed
        on confirmed.batch_id = validated.batch_id
        and confirmed.source_row = validated.source_row
    inner join versions on versions.batch_id = validated.batch_id
),

final as (
    select
        batch_id || ':' || source_row as service_id,
        batch_id,
        period,
        reporting_month,
        version,
        source_row,
        reasons,
        is_used_for_report,
        is_confirmed_by_act
    from assessed
    -- excluded = not counted (the complement of int_services_counted's filter)
    where not (is_used_for_report and is_confirmed_by_act and len(reasons) = 0)
)

select * from final
