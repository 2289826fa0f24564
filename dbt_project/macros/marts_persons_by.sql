{#-
    Persons per period × region × attribute, each person once (R13) — the one implementation
    of I4 (gender) and I5 (age group). Call it after a CTE `person_months` with one row per
    person and month: reporting_year, month_bit, person_number and the attribute column(s) as
    of the person's latest service of that month.

    A person's attribute in a period is the one of their latest month in it, so in a period
    a person is in exactly one attribute row, and counts once in each region they were served
    in. Every figure is a distinct count over its whole period and scope: not a sum of months,
    of regions or of attribute values.

    How, without copying services into every period they fall in: all periods lie inside one
    year, so a set of months is a 12-bit mask. Per person and year we keep the months they
    were served in (in a region, or anywhere) and the months whose latest service carried each
    value. In a period P a person counts in a row when they were served in the row's scope in
    P, and the latest month they were served in within P (the highest bit of
    months_served & P) is one of the months of the row's value.

    It emits the CTEs up to `persons_named` (period, region with its name and sort order, the
    attribute columns, persons), which the mart selects from.
    dimensions: the attribute column first, then its helper columns (e.g. sort order).
-#}
{% macro marts_persons_by(dimensions) %}
{%- set dims = dimensions | join(', ') -%}
{%- set attribute = dimensions[0] -%}

person_years as (
    -- per person and year: every month they were served in
    select
        reporting_year,
        person_number,
        bit_or(month_bit) as months_served
    from person_months
    group by all
),

person_value_months as (
    -- per person, year and value: the months whose latest service carried it
    select
        reporting_year,
        person_number,
        {{ dims }},
        bit_or(month_bit) as months_with_value
    from person_months
    group by all
),

person_region_months as (
    -- per person, year and region: the months they were served in that region
    select
        year(reporting_month) as reporting_year,
        person_number,
        region_code,
        bit_or({{ marts_month_bit('reporting_month') }}) as months_in_region
    from counted_services
    group by all
),

person_region_values as (
    select
        person_region_months.reporting_year,
        person_region_months.person_number,
        person_region_months.region_code,
        person_region_months.months_in_region,
        person_years.months_served,
        {%- for column in dimensions %}
        person_value_months.{{ column }},
        {%- endfor %}
        person_value_months.months_with_value
    from person_region_months
    inner join person_years
        on person_region_months.reporting_year = person_years.reporting_year
        and person_region_months.person_number = person_years.person_number
    inner join person_value_months
        on person_region_months.reporting_year = person_value_months.reporting_year
        and person_region_months.person_number = person_value_months.person_number
),

person_rows as (
    -- one row per person, year and table row (region × value, region total, all-regions ×
    -- value, all-regions total; null where a level is a total), with the months they were
    -- served in within the row's scope
    select
        reporting_year,
        person_number,
        region_code,
        {{ dims }},
        bit_or(months_in_region) as months_in_scope,
        max(months_served) as months_served,
        case when grouping({{ attribute }}) = 0 then max(months_with_value) end as months_with_value
    from person_region_values
    group by
        reporting_year,
        person_number,
        grouping sets (
            (region_code, {{ dims }}),
            (region_code),
            ({{ dims }}),
            ()
        )
),

persons_by_months_pattern as (
    -- persons of one table row sharing one pattern of months: each person is in exactly
    -- one such set per table row, so the sets are disjoint and their sizes add up
    select
        reporting_year,
        region_code,
        {{ dims }},
        months_in_scope,
        months_served,
        months_with_value,
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
        {%- for column in dimensions %}
        persons_by_months_pattern.{{ column }},
        {%- endfor %}
        sum(persons_by_months_pattern.persons)::bigint as persons
    from persons_by_months_pattern
    inner join period_masks
        on persons_by_months_pattern.reporting_year = period_masks.reporting_year
        -- served within the row's scope in the period …
        and (persons_by_months_pattern.months_in_scope & period_masks.months_in_period) <> 0
        -- … and, on a value row, their latest month in the period carried that value
        and (
            persons_by_months_pattern.months_with_value is null
            or (
                {{ marts_latest_month_bit('persons_by_months_pattern.months_served & period_masks.months_in_period') }}
                & persons_by_months_pattern.months_with_value
            ) <> 0
        )
    group by all
),

persons_named as (
    {{ marts_region_named('persons_counted', dimensions + ['persons']) }}
)
{% endmacro %}
