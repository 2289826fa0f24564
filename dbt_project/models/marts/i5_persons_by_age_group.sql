-- I5 (clause 5.1 item 5; R13): clients by age category — each person once — by region.
-- Age bands come from the seed age_groups (min_age..max_age inclusive, name_ru, sort_order),
-- so youth under either legal definition (14–29 or 14–35) is reported without code changes.
-- A person is a distinct person_key: normalised full name + birth date, pseudonymised — the
-- human who came, with the same key for their own ИП and as a representative of a ТОО.
-- R13: a person who came for several companies is counted once. Their age group in a
-- period comes from one deterministic choice: their latest service in that period (latest
-- reporting_month, then end_date, start_date, service_id). So in a period a person is in
-- exactly one age group row, and counts once in each region they were served in.
-- Every figure is a distinct count over its whole period (month, quarter or year-to-date)
-- and its whole scope: not a sum of months, of regions or of age groups.
--
-- How, without copying services into every period they fall in: all periods lie inside one
-- year, so a set of months is a 12-bit mask. Per person and year we keep the months they
-- were served in (in a region, or anywhere) and the months whose latest service carried
-- each age group. In a period P a person counts in a row when they were served in the
-- row's scope in P, and the latest month they were served in within P (the highest bit of
-- months_served & P) is one of the months of the row's age group.

with counted_services as (
    select
        service_id,
        reporting_month,
        start_date,
        end_date,
        region_code,
        person_key,
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
        person_key,
        arg_max(age_at_service, (end_date, start_date, service_id)) as age_at_service
    from counted_services
    group by person_key, reporting_month
),

person_months as (
    select
        year(person_month_ages.reporting_month) as reporting_year,
        {{ marts_month_bit('person_month_ages.reporting_month') }} as month_bit,
        person_month_ages.person_key,
        age_groups.age_group,
        age_groups.age_group_sort_order
    from person_month_ages
    left join age_groups
        on person_month_ages.age_at_service between age_groups.min_age and age_groups.max_age
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

person_age_group_months as (
    -- per person, year and age group: the months whose latest service carried it
    select
        reporting_year,
        person_key,
        age_group, age_group_sort_order,
        bit_or(month_bit) as months_with_age_group
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

person_region_age_groups as (
    select
        person_region_months.reporting_year,
        person_region_months.person_key,
        person_region_months.region_code,
        person_region_months.months_in_region,
        person_years.months_served,
        person_age_group_months.age_group,
        person_age_group_months.age_group_sort_order,
        person_age_group_months.months_with_age_group
    from person_region_months
    inner join person_years
        on person_region_months.reporting_year = person_years.reporting_year
        and person_region_months.person_key = person_years.person_key
    inner join person_age_group_months
        on person_region_months.reporting_year = person_age_group_months.reporting_year
        and person_region_months.person_key = person_age_group_months.person_key
),

person_rows as (
    -- one row per person, year and table row (region × age group, region total,
    -- all-regions × age group, all-regions total; null where a level is a total), with the
    -- months they were served in within the row's scope
    select
        reporting_year,
        person_key,
        region_code,
        age_group,
        age_group_sort_order,
        bit_or(months_in_region) as months_in_scope,
        max(months_served) as months_served,
        case when grouping(age_group) = 0 then max(months_with_age_group) end as months_with_age_group
    from person_region_age_groups
    group by
        reporting_year,
        person_key,
        grouping sets (
            (region_code, age_group, age_group_sort_order),
            (region_code),
            (age_group, age_group_sort_order),
            ()
        )
),

persons_by_months_pattern as (
    -- persons of one table row sharing one pattern of months: each person is in exactly
    -- one such set per table row, so the sets are disjoint and their sizes add up
    select
        reporting_year,
        region_code,
        age_group,
        age_group_sort_order,
        months_in_scope,
        months_served,
        months_with_age_group,
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
        persons_by_months_pattern.age_group,
        persons_by_months_pattern.age_group_sort_order,
        sum(persons_by_months_pattern.persons)::bigint as persons
    from persons_by_months_pattern
    inner join period_masks
        on persons_by_months_pattern.reporting_year = period_masks.reporting_year
        -- served within the row's scope in the period …
        and (persons_by_months_pattern.months_in_scope & period_masks.months_in_period) <> 0
        -- … and, on a age group row, their latest month in the period carried that age group
        and (
            persons_by_months_pattern.months_with_age_group is null
            or (
                {{ marts_latest_month_bit('persons_by_months_pattern.months_served & period_masks.months_in_period') }}
                & persons_by_months_pattern.months_with_age_group
            ) <> 0
        )
    group by all
),

official_regions as (
    {{ marts_official_regions() }}
),

persons_by_age_group as (
    select
        persons_counted.period_type,
        persons_counted.period_start,
        persons_counted.period_end,
        persons_counted.region_code,
        official_regions.region,
        official_regions.region_sort_order,
        persons_counted.age_group,
        persons_counted.age_group_sort_order,
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
    age_group,
    age_group_sort_order,
    persons
from persons_by_age_group
