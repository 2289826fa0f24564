-- Which snapshot version of each month's registry the report uses (R5, R7, R8; clause 9:
-- a corrected registry supersedes the original). THE one place this decision is taken:
-- every downstream model reads is_used_for_report / exclusion_reason from here.

with

registry_batches as (
    select
        batch_id,
        period,
        period_start as reporting_month,
        version,
        source_file,
        file_rows,
        submitted_at,
        submitted_at_source,
        received_at
    from {{ ref('stg_raw__batches') }}
    where input = 'registry'
),

-- >>> TIMELINESS PLUG-IN POINT (R5, R7, R8 — issue 4) >>>
-- int_registry_timeliness (one row per batch_id) decides admissibility: a month whose first
-- version was late is left out (R8); a correction counts if submitted within 3 working days
-- of the notification letter (R7), a later one per var('use_late_corrections').
-- is_admissible (false = left out of the report), inadmissible_reason (a rule_id of kind
-- 'version' in validation_rules.csv: 'late_submission'), timeliness_status (free text).
timeliness as (
    select
        batch_id,
        is_admissible,
        inadmissible_reason,
        timeliness_status
    from {{ ref('int_registry_timeliness') }}
    where batch_id is not null
),
-- <<< TIMELINESS PLUG-IN POINT <<<

ranked as (
    select
        registry_batches.*,
        timeliness.is_admissible,
        timeliness.inadmissible_reason,
        timeliness.timeliness_status,
        version = max(version) over (partition by period) as is_latest_version,
        max(case when timeliness.is_admissible then version end) over (partition by period)
            as used_version
    from registry_batches
    inner join timeliness on timeliness.batch_id = registry_batches.batch_id
),

final as (
    select
        batch_id,
        period,
        reporting_month,
        version,
        source_file,
        file_rows,
        submitted_at,
        submitted_at_source,
        received_at,
        is_latest_version,
        is_admissible,
        timeliness_status,
        coalesce(version = used_version, false) as is_used_for_report,
        case
            when not is_admissible then inadmissible_reason
            when version <> used_version then 'version_superseded'
        end as exclusion_reason
    from ranked
)

select * from final
