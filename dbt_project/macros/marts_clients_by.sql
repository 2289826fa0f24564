{#-
    Distinct clients (client_key) per period × region × dimension, with the region and
    dimension totals as null rows — the one implementation of I1, I2, I3 and I6.

    Every figure is a distinct count over its whole period (month, quarter or year-to-date)
    and its whole scope: a quarter is not the sum of its months, an all-regions row (region
    null) is not the sum of the regions, a total row (dimension null) is not the sum of the
    dimension's rows. A client whose services in a period carry two values of the dimension
    counts under each, and once in the totals.

    How, without copying services into every period they fall in: all periods lie inside
    one year, so a set of months is a 12-bit mask (macros/marts_periods.sql). Per year, table
    row and client we keep the months the client was served in; the client counts in period
    P when that mask shares a bit with P's. Clients sharing one mask are counted together.

    Call it after a CTE `counted_services` (reporting_month, region_code, the dimension
    columns, client_number); it emits the CTEs up to `clients_named` (period, region with its
    name and sort order, the dimension columns, clients), which the mart selects from.
    dimensions: the dimension column and its helper columns (name, sort order), [] for none.
-#}
{% macro marts_clients_counted(dimensions) %}
{%- set dims = dimensions | join(', ') -%}
{%- set dims_comma = (dims ~ ',') if dimensions else '' -%}

client_months_served as (
    -- one row per year, table row and client: the months the client was served in, as a
    -- mask; the grouping sets make the rows of every level, null where a level is a total
    select
        year(reporting_month) as reporting_year,
        region_code,
        {{ dims_comma }}
        client_number,
        bit_or({{ marts_month_bit('reporting_month') }}) as months_served
    from counted_services
    group by
        year(reporting_month),
        client_number,
        grouping sets (
            {%- if dimensions %}
            (region_code, {{ dims }}),
            (region_code),
            ({{ dims }}),
            {%- else %}
            (region_code),
            {%- endif %}
            ()
        )
),

clients_by_months_served as (
    -- clients of one table row sharing one pattern of months: each client is in exactly
    -- one such set per table row, so the sets are disjoint and their sizes add up
    select
        reporting_year,
        region_code,
        {{ dims_comma }}
        months_served,
        count(*) as clients
    from client_months_served
    group by all
),

period_masks as (
    {{ marts_period_masks() }}
),

clients_counted as (
    -- a client counts in a period when any month they were served in lies in it:
    -- a distinct count over the whole period, never a sum of months or of regions
    select
        period_masks.period_type,
        period_masks.period_start,
        period_masks.period_end,
        clients_by_months_served.region_code,
        {%- for column in dimensions %}
        clients_by_months_served.{{ column }},
        {%- endfor %}
        sum(clients_by_months_served.clients)::bigint as clients
    from clients_by_months_served
    inner join period_masks
        on clients_by_months_served.reporting_year = period_masks.reporting_year
        and (clients_by_months_served.months_served & period_masks.months_in_period) <> 0
    group by all
),

clients_named as (
    {{ marts_region_named('clients_counted', dimensions + ['clients']) }}
)
{% endmacro %}
