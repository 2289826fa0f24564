-- I4 (clause 5.1 item 4; R13): clients by gender, by region — each person once.
-- A person is a distinct person_key: normalised full name + birth date, pseudonymised — the
-- human who came, with the same key for their own ИП and as a representative of a ТОО.
-- R13: a person who came for several companies is counted once. Their gender in a
-- period comes from one deterministic choice: their latest service in that period (latest
-- reporting_month, then end_date, start_date, service_id). So in a period a person is in
-- exactly one gender row, and counts once in each region they were served in.
-- Every figure is a distinct count over its whole period (month, quarter or year-to-date)
-- and its whole scope: not a sum of months, of regions or of genders.
--
-- How, without copying services into every period they fall in: all periods lie inside one
-- year, so a set of months is a 12-bit mask. Per person and year we keep the months they
-- were served in (in a region, or anywhere) and the months whose latest service carried
-- each gender. In a period P a person counts in a row when they were served in the
-- row's scope in P, and the latest month they were served in within P (the highest bit of
-- months_served & P) is one of the months of the row's gender.

with counted_services as (
    select
        service_id,
        reporting_month,
        start_date,
        end_date,
        region_code,
        person_key,
        gender
    from {{ ref('int_services_counted') }}
),

person_months as (
    -- R13: per person and month, the gender on their latest service of the month
    select
        year(reporting_month) as reporting_year,
        {{ marts_month_bit('reporting_month') }} as month_bit,
        person_key,
        arg_max(gender, (end_date, start_date, service_id)) as gender
    from counted_services
    group by person_key, reporting_month
),


person_years as (
    -- per person and year: every month they were served in
    select
        reporting_year,
        person_key,
        bit_or(month_bit) as months_served
    from person_months
    group by all
),

person_gender_months as (
    -- per person, year and gender: the months whose latest service carried it
    select
        reporting_year,
        person_key,
        gender,
        bit_or(month_bit) as months_with_gender
    from person_months
    group by all
),

person_region_months as (
    -- per person, year and region: the months they were served in that region
    select
        year(reporting_month) as reporting_year,
        person_key,
        region_code,
        bit_or({{ marts_month_bit('reporting_month') }}) as months_in_region
    from counted_services
    group by all
),

person_region_genders as (
    select
        person_region_months.reporting_year,
        person_region_months.person_key,
        person_region_months.region_code,
        person_region_months.months_in_region,
        person_years.months_served,
        person_gender_months.gender,
        person_gender_months.months_with_gender
    from person_region_months
    inner join person_years
        on person_region_months.reporting_year = person_years.reporting_year
        and person_region_months.person_key = person_years.person_key
    inner join person_gender_months
        on person_region_months.reporting_year = person_gender_months.reporting_year
        and person_region_months.person_key = person_gender_months.person_key
),

person_rows as (
    -- one row per person, year and table row (region × gender, region total,
    -- all-regions × gender, all-regions total; null where a level is a total), with the
    -- months they were served in within the row's scope
    select
        reporting_year,
        person_key,
        region_code,
        gender,
        bit_or(months_in_region) as months_in_scope,
        max(months_served) as months_served,
        case when grouping(gender) = 0 then max(months_with_gender) end as months_with_gender
    from person_region_genders
    group by
        reporting_year,
        person_key,
        grouping sets (
            (region_code, gender),
            (region_code),
            (gender),
            ()
        )
),

persons_by_months_pattern as (
    -- persons of one table row sharing one pattern of months: each person is in exactly
    -- one such set per table row, so the sets are disjoint and their sizes add up
    select
        reporting_year,
        region_code,
        gender,
        months_in_scope,
        months_served,
        months_with_gender,
        count(*) as persons
    from person_rows
    group by all
),

period_masks as (
    {{ marts_period_masks() }}
),

persons_counted as (
    select
        period_masks.period_type,
        period_masks.period_start,
        period_masks.period_end,
        persons_by_months_pattern.region_code,
        persons_by_months_pattern.gender,
        sum(persons_by_months_pattern.persons)::bigint as persons
    from persons_by_months_pattern
    inner join period_masks
        on persons_by_months_pattern.reporting_year = period_masks.reporting_year
        -- served within the row's scope in the period …
        and (persons_by_months_pattern.months_in_scope & period_masks.months_in_period) <> 0
        -- … and, on a gender row, their latest month in the period carried that gender
        and (
            persons_by_months_pattern.months_with_gender is null
            or (
                {{ marts_latest_month_bit('persons_by_months_pattern.months_served & period_masks.months_in_period') }}
                & persons_by_months_pattern.months_with_gender
            ) <> 0
        )
    group by all
),

official_regions as (
    {{ marts_official_regions() }}
),

persons_by_gender as (
    select
        persons_counted.period_type,
        persons_counted.period_start,
        persons_counted.period_end,
        persons_counted.region_code,
        official_regions.region,
        official_regions.region_sort_order,
        persons_counted.gender,
        persons_counted.persons
    from persons_counted
    left join official_regions
        on persons_counted.region_code = official_regions.region_code
        and persons_counted.period_end between official_regions.valid_from and official_regions.valid_to
)

select
    period_type,
    period_start,
    period_end,
    region_code,
    region,
    region_sort_order,
    gender,
    persons
from persons_by_gender
