-- I5: every age a counted service carries falls in exactly one band of the seed age_groups
-- (bands may be changed without code, so the seed is checked against the data: a gap would
-- leave a person without an age group, an overlap would count them twice). Returns the ages
-- in no band or in several.

with ages_served as (
    select distinct age_at_service
    from {{ ref('int_services_counted') }}
),

bands_per_age as (
    select
        ages_served.age_at_service,
        count(age_groups.name_ru) as bands,
        string_agg(age_groups.name_ru, '; ') as band_names
    from ages_served
    left join {{ ref('age_groups') }} as age_groups
        on ages_served.age_at_service between age_groups.min_age and age_groups.max_age
    group by ages_served.age_at_service
)

select *
from bands_per_age
where bands <> 1
