-- Notification letters sent to the operator asking for a correction (R6 clause 8, R7 clause 9):
-- one row per letter, with whether and when a correction followed. No personal data (the letters
-- themselves, which quote values, stay in data/letters/ with owner-only permissions).
-- The letters are written before this model is built (after the registry's rule checks), and
-- the correction deadline is the one each letter states. correspondence.letters also registers
-- the notices (acts, lateness: kind 'notice'), which ask for no correction and so are not here.

with

letters as (
    select
        batch_id,
        period,
        month,
        version,
        letter_number,
        letter_date,
        produced_at,
        letter_due_at,
        produced_late,
        correction_due_at,
        error_rows,
        error_count,
        rule_count
    from {{ source('correspondence', 'letters') }}
    where kind = 'correction'
),

corrections as (
    select
        corrects_batch_id,
        batch_id as correction_batch_id,
        version as correction_version,
        submitted_at as correction_submitted_at,
        correction_status
    from {{ ref('int_registry_timeliness') }}
    where corrects_batch_id is not null
),

evaluation as (
    -- the instant the deadlines were evaluated at (correspondence.month_cutoffs, written with them)
    select max(evaluated_at) as evaluated_at
    from {{ source('correspondence', 'month_cutoffs') }}
),

final as (
    select
        -- ids
        letters.letter_number,
        letters.batch_id,
        letters.period,
        letters.month as reporting_month,
        letters.version,

        -- dates
        letters.letter_date,
        letters.produced_at,
        letters.letter_due_at,
        letters.produced_late,
        letters.correction_due_at,

        -- numerics
        letters.error_rows,
        letters.error_count,
        letters.rule_count,

        -- the correction that answered the letter, if any
        corrections.correction_batch_id,
        corrections.correction_version,
        corrections.correction_submitted_at,
        -- no correction yet: 'awaited' while its deadline (R7) has not passed at the evaluation
        -- time, NULL (not received) once it has
        coalesce(
            corrections.correction_status,
            case when letters.correction_due_at >= evaluation.evaluated_at then 'awaited' end
        ) as correction_status
    from letters
    left join corrections on corrections.corrects_batch_id = letters.batch_id
    cross join evaluation
)

select * from final
