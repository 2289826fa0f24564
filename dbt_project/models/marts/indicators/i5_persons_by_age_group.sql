-- I5 (clause 5.1 item 5; R13): clients by age category — each person once — by region.
-- Age bands come from the seed age_groups (min_age..max_age inclusive, name_ru, sort_order),
-- so youth under either legal definition (14–29 or 14–35) is reported without code changes.
-- A person is a distinct person_key (counted as person_number): name + birth date, pseudonymised — the
-- human who came, with the same key for their own ИП and as a representative of a ТОО.
-- R13: a person who came for several companies is counted once. Their age group in a
-- period comes from one deterministic choice: their latest service in that period (latest
-- reporting_month, then end_date, start_date, service_id). So in a period a person is in
-- exactly one age group row, and counts once in each region they were served in.
-- Every figure is a distinct count over its whole period (month, quarter or year-to-date)
-- and its whole scope: not a sum of months, of regions or of age groups.
-- Counting core: macros/marts_persons_by.sql.

with counted_services as (
    select
        service_id,
        reporting_month,
        start_date,
        end_date,
        region_code,
        person_number,
        age_at_service
    from {{ ref('int_services_counted') }}
),

age_groups as (
    select
        name_ru as age_group,
        sort_order as age_group_sort_order,
        min_age,
        max_age
    from {{ ref('age_groups') }}
),

person_month_ages as (
    -- R13: per person and month, the age at their latest service of the month
    select
        reporting_month,
        person_number,
        arg_max(age_at_service, (end_date, start_date, service_id)) as age_at_service
    from counted_services
    group by person_number, reporting_month
),

person_months as (
    select
        year(person_month_ages.reporting_month) as reporting_year,
        {{ marts_month_bit('person_month_ages.reporting_month') }} as month_bit,
        person_month_ages.person_number,
        age_groups.age_group,
        age_groups.age_group_sort_order
    from person_month_ages
    left join age_groups
        on person_month_ages.age_at_service between age_groups.min_age and age_groups.max_age
),

{{ marts_persons_by(['age_group', 'age_group_sort_order']) }}

select
    period_type,
    period_start,
    period_end,
    region_code,
    region,
    region_kk,
    region_sort_order,
    age_group,
    {{ kazakh_name('age_group', 'age_group') }} as age_group_kk,
    age_group_sort_order,
    persons
from persons_named
