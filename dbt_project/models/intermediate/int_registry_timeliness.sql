-- Registry timeliness (R5 clause 7, R7 clause 9, R8 clause 10, R10 clause 14): one row per
-- loaded registry version and one per expected month with no registry. Decides which
-- versions are admissible for the report; int_registry_versions takes the highest admissible
-- version of each month (the one place the version is chosen).
--
-- Rules, in order:
-- 1. A month whose first version was submitted after the R5 deadline is late: no version of
--    it is used (R8), however soon a correction followed.
-- 2. Any version submitted by the R5 deadline is admissible (the operator may resubmit freely
--    until the 1st).
-- 3. A version that follows a version with error-severity violations (one the agency sent a
--    notification letter about, R6) is a correction: admissible when submitted by that
--    letter's correction deadline (3 working days, R7) — corrected_in_time; otherwise
--    corrected_late, a clause-9 violation, admissible only if var('use_late_corrections').
-- 4. Any other version after the deadline (a resubmission no letter asked for) is late.
-- Deadlines come from correspondence.registry_deadlines (rules in orchestration/rules/deadlines.py),
-- written after this build's letters, so a correction is judged by the deadline its letter
-- stated; a batch the deadline asset has not evaluated yet is 'not_evaluated' and stays
-- admissible (a warning test flags it: run deadlines/registry_deadlines before this model).

with

batches as (
    select
        batch_id,
        period,
        period_start as reporting_month,
        version,
        submitted_at,
        received_at
    from {{ ref('stg_raw__batches') }}
    where input = 'registry'
),

deadlines as (
    select
        period,
        month,
        version,
        batch_id,
        is_missing,
        submitted_at,
        due_at,
        on_time,
        letter_due_at,
        letter_date,
        correction_due_at,
        evaluated_at
    from {{ source('correspondence', 'registry_deadlines') }}
),

versions_with_errors as (
    select distinct batch_id
    from {{ ref('int_registry_rule_violations') }}
    where severity = 'error'
),

versions as (
    select
        batches.batch_id,
        batches.period,
        batches.reporting_month,
        batches.version,
        batches.submitted_at,
        batches.received_at,
        deadlines.due_at,
        deadlines.on_time,
        deadlines.letter_due_at,
        deadlines.letter_date,
        deadlines.correction_due_at,
        deadlines.evaluated_at,
        deadlines.batch_id is not null as is_evaluated,
        versions_with_errors.batch_id is not null as has_errors
    from batches
    left join deadlines
        on deadlines.batch_id = batches.batch_id
        and deadlines.submitted_at = batches.submitted_at
    left join versions_with_errors
        on versions_with_errors.batch_id = batches.batch_id
),

sequenced as (
    select
        *,
        first_value(on_time) over by_version as is_month_on_time,
        lag(batch_id) over by_version as previous_batch_id,
        coalesce(lag(has_errors) over by_version, false) as previous_has_errors,
        lag(correction_due_at) over by_version as previous_correction_due_at
    from versions
    window by_version as (partition by period order by version)
),

classified as (
    select
        *,
        case when not is_evaluated then 'not_evaluated' when on_time then 'on_time' else 'late' end as status,
        case when previous_has_errors then previous_batch_id end as corrects_batch_id,
        case when previous_has_errors then previous_correction_due_at end as correction_deadline_at,
        case
            when not previous_has_errors or not is_evaluated then null
            when submitted_at <= previous_correction_due_at then 'corrected_in_time'
            else 'corrected_late'
        end as correction_status
    from sequenced
),

decided as (
    select
        *,
        case
            when not is_evaluated then true
            when not is_month_on_time then false
            when on_time then true
            when correction_status = 'corrected_in_time' then true
            when correction_status = 'corrected_late' then {{ var('use_late_corrections') }}
            else false
        end as is_admissible,
        case
            when not is_evaluated or on_time then null
            when correction_status = 'corrected_in_time' then null
            when correction_status = 'corrected_late' then 'late_correction'
            else 'late_registry'
        end as violation_kind
    from classified
),

received as (
    select
        batch_id,
        period,
        reporting_month,
        version,
        false as is_missing,
        due_at,
        submitted_at,
        received_at,
        status,
        is_month_on_time,
        has_errors,
        letter_due_at,
        letter_date,
        correction_due_at,
        corrects_batch_id,
        correction_deadline_at,
        correction_status,
        is_admissible,
        violation_kind,
        case violation_kind
            when 'late_registry' then
                'Реестр услуг за ' || strftime(reporting_month, '%m.%Y') || ' (версия ' || version
                || ') представлен ' || strftime(timezone('Asia/Almaty', submitted_at), '%d.%m.%Y %H:%M')
                || ' при сроке до ' || strftime(timezone('Asia/Almaty', due_at), '%d.%m.%Y')
                || ' включительно (п. 7 Методики)'
            when 'late_correction' then
                'Исправленный реестр услуг за ' || strftime(reporting_month, '%m.%Y') || ' (версия ' || version
                || ') представлен ' || strftime(timezone('Asia/Almaty', submitted_at), '%d.%m.%Y %H:%M')
                || ' при сроке исправления до ' || strftime(timezone('Asia/Almaty', correction_deadline_at), '%d.%m.%Y')
                || ' включительно (п. 9 Методики)'
        end as violation_ru,
        evaluated_at
    from decided
),

missing as (
    select
        cast(null as varchar) as batch_id,
        period,
        month as reporting_month,
        cast(null as integer) as version,
        true as is_missing,
        due_at,
        cast(null as timestamptz) as submitted_at,
        cast(null as timestamptz) as received_at,
        'missing' as status,
        false as is_month_on_time,
        false as has_errors,
        cast(null as timestamptz) as letter_due_at,
        cast(null as date) as letter_date,
        cast(null as timestamptz) as correction_due_at,
        cast(null as varchar) as corrects_batch_id,
        cast(null as timestamptz) as correction_deadline_at,
        cast(null as varchar) as correction_status,
        false as is_admissible,
        'missing_registry' as violation_kind,
        'Реестр услуг за ' || strftime(month, '%m.%Y') || ' не представлен (срок — до '
        || strftime(timezone('Asia/Almaty', due_at), '%d.%m.%Y') || ' включительно, п. 7 Методики)'
            as violation_ru,
        evaluated_at
    from deadlines
    -- a registry loaded after the deadlines were evaluated is no longer missing
    where is_missing and period not in (select period from batches)
),

final as (
    select
        coalesce(batch_id, period || '/missing') as timeliness_id,
        *,
        case when not is_admissible then 'late_submission' end as inadmissible_reason,
        coalesce(correction_status, status) as timeliness_status
    from (
        select * from received
        union all
        select * from missing
    )
)

select * from final
