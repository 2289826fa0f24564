-- I4 (clause 5.1 item 4; R13): clients by gender, by region — each person once.
-- A person is a distinct person_key (counted as person_number): name + birth date, pseudonymised — the
-- human who came, with the same key for their own ИП and as a representative of a ТОО.
-- R13: a person who came for several companies is counted once. Their gender in a
-- period comes from one deterministic choice: their latest service in that period (latest
-- reporting_month, then end_date, start_date, service_id). So in a period a person is in
-- exactly one gender row, and counts once in each region they were served in.
-- Every figure is a distinct count over its whole period (month, quarter or year-to-date)
-- and its whole scope: not a sum of months, of regions or of genders.
-- Counting core: macros/marts_persons_by.sql.

with counted_services as (
    select
        service_id,
        reporting_month,
        start_date,
        end_date,
        region_code,
        person_number,
        gender
    from {{ ref('int_services_counted') }}
),

person_months as (
    -- R13: per person and month, the gender on their latest service of the month
    select
        year(reporting_month) as reporting_year,
        {{ marts_month_bit('reporting_month') }} as month_bit,
        person_number,
        arg_max(gender, (end_date, start_date, service_id)) as gender
    from counted_services
    group by person_number, reporting_month
),

{{ marts_persons_by(['gender']) }}

select
    period_type,
    period_start,
    period_end,
    region_code,
    region,
    region_kk,
    region_sort_order,
    gender,
    {{ kazakh_name('gender', 'gender') }} as gender_kk,
    persons
from persons_named
