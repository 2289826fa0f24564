-- The registries behind the report (Appendix 3, section 1 "the data used"): per reporting
-- month and registry version, whether the report uses it and how many of its rows were
-- ingested, counted and excluded (counted + excluded = ingested, as
-- tests/assert_counted_plus_excluded_equals_ingested.sql asserts upstream). The version
-- choice is read from int_registry_versions and the deadline status from
-- registry_timeliness; nothing is decided here.

with

versions as (
    select
        batch_id,
        period,
        reporting_month,
        version,
        submitted_at,
        is_latest_version,
        is_used_for_report,
        exclusion_reason
    from {{ ref('int_registry_versions') }}
),

timeliness as (
    select batch_id, due_at, status, correction_status
    from {{ ref('registry_timeliness') }}
    where batch_id is not null
),

ingested as (
    select batch_id, count(*) as rows_ingested
    from {{ ref('int_registry_services_validated') }}
    group by batch_id
),

counted as (
    select batch_id, count(*) as rows_counted
    from {{ ref('int_services_counted') }}
    group by batch_id
),

excluded as (
    select batch_id, count(*) as rows_excluded
    from {{ ref('int_registry_exclusions') }}
    group by batch_id
),

reasons as (
    select rule_id, title_ru, title_kk
    from {{ ref('validation_rules') }}
),

final as (
    select
        -- ids
        versions.batch_id,
        versions.period,
        versions.version,

        -- dates
        versions.reporting_month,
        timeliness.due_at,
        versions.submitted_at,

        -- status
        timeliness.status,
        timeliness.correction_status,
        versions.is_latest_version,
        versions.is_used_for_report,
        versions.is_used_for_report
        or (versions.is_latest_version and not bool_or(versions.is_used_for_report) over (partition by versions.period))
            as is_month_version,
        versions.exclusion_reason,
        reasons.title_ru as exclusion_reason_name,
        reasons.title_kk as exclusion_reason_name_kk,

        -- numerics
        coalesce(ingested.rows_ingested, 0) as rows_ingested,
        coalesce(counted.rows_counted, 0) as rows_counted,
        coalesce(excluded.rows_excluded, 0) as rows_excluded
    from versions
    left join timeliness on timeliness.batch_id = versions.batch_id
    left join ingested on ingested.batch_id = versions.batch_id
    left join counted on counted.batch_id = versions.batch_id
    left join excluded on excluded.batch_id = versions.batch_id
    left join reasons on reasons.rule_id = versions.exclusion_reason
)

select * from final
