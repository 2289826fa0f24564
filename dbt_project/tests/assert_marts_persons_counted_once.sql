-- R13 (clause 5(1)): for gender (I4) and age (I5) a person is counted once per period, even
-- when they came for several companies or their data differ between services — one
-- deterministic choice (their latest service in the period) puts them in exactly one row.
-- So within one period and one scope (a region, or all regions) the gender rows, and the
-- age-group rows, add up exactly to the scope's total. Returns the scopes where they do not.

with scope_rows as (
    select 'i4_persons_by_gender' as mart, period_type, period_start, period_end, region_code,
        gender is null as is_total, persons
    from {{ ref('i4_persons_by_gender') }}
    union all
    select 'i5_persons_by_age_group' as mart, period_type, period_start, period_end, region_code,
        age_group is null as is_total, persons
    from {{ ref('i5_persons_by_age_group') }}
),

scope_sums as (
    select
        mart,
        period_type,
        period_start,
        period_end,
        region_code,
        sum(persons) filter (where is_total) as total_persons,
        sum(persons) filter (where not is_total) as persons_in_rows
    from scope_rows
    group by all
)

select *
from scope_sums
where total_persons is distinct from persons_in_rows
