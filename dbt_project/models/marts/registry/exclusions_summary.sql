-- Registry rows left out of the counts, per reporting month, registry version and reason
-- (R8 clause 10, R9 clause 11; the report's annex "excluded data and why").
-- A row may have several reasons (int_registry_exclusions.reasons, ordered: the version
-- reason first, then the rules in validation_rules.sort_order, then the act reason). It is
-- counted ONCE in rows_excluded, under its first reason (the primary reason), so that
-- rows_excluded adds up over reasons to the version's excluded rows; rows_with_reason counts
-- it under EVERY reason it has (a row with three reasons adds 1 to three rows_with_reason).

with

exclusions as (
    select batch_id, period, reporting_month, version, source_row, reasons
    from {{ ref('int_registry_exclusions') }}
),

versions as (
    select
        batch_id,
        is_used_for_report,
        is_latest_version,
        -- the version that stands for the month in the report: the one used, or, when none
        -- is used (a late or inadmissible month, R8), the latest one received
        is_used_for_report
        or (is_latest_version and not bool_or(is_used_for_report) over (partition by period))
            as is_month_version
    from {{ ref('int_registry_versions') }}
),

rules as (
    select rule_id, title_ru, title_kk, kind, severity, sort_order
    from {{ ref('validation_rules') }}
),

reasons_per_row as (
    select
        exclusions.batch_id,
        exclusions.period,
        exclusions.reporting_month,
        exclusions.version,
        exclusions.source_row,
        unnest(exclusions.reasons) as reason,
        generate_subscripts(exclusions.reasons, 1) as reason_position
    from exclusions
),

per_reason as (
    select
        batch_id,
        period,
        reporting_month,
        version,
        reason,
        count(*) filter (where reason_position = 1) as rows_excluded,
        count(distinct source_row) as rows_with_reason
    from reasons_per_row
    group by batch_id, period, reporting_month, version, reason
),

final as (
    select
        -- ids
        per_reason.batch_id,
        per_reason.period,
        per_reason.version,
        per_reason.reason,

        -- dates
        per_reason.reporting_month,

        -- reason, as the report prints it
        rules.title_ru as reason_name,
        rules.title_kk as reason_name_kk,
        rules.kind as reason_kind,
        rules.severity as reason_severity,
        rules.sort_order as reason_sort_order,

        -- version flags
        versions.is_used_for_report,
        versions.is_month_version,

        -- numerics
        per_reason.rows_excluded,
        per_reason.rows_with_reason
    from per_reason
    inner join versions on versions.batch_id = per_reason.batch_id
    left join rules on rules.rule_id = per_reason.reason
)

select * from final
