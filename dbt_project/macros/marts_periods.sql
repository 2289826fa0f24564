{#- Building blocks the marts use to put counted services into reporting periods
    (model reporting_periods, clause 12). Every reporting period lies inside one
    calendar year, so a set of months of one year is a 12-bit mask: bit m-1 is month m. -#}

{#- The bit of a date's month: January = 1, February = 2, …, December = 2048. -#}
{% macro marts_month_bit(date_column) -%}
    (1 << (month({{ date_column }}) - 1))
{%- endmacro %}

{#- One row per reporting period with its year and the mask of its months: a client
    (or a person, or a region–dimension pair) counts in a period exactly when the mask
    of the months it was served in shares a bit with the period's mask. -#}
{% macro marts_period_masks() -%}
    select
        period_type,
        period_start,
        period_end,
        year(period_start) as reporting_year,
        ((1 << month(period_end)) - (1 << (month(period_start) - 1))) as months_in_period
    from {{ ref('reporting_periods') }}
{%- endmacro %}

{#- The month → period bridge for additive counts (services): one row per period and
    month inside it (a month falls in 1 month, at most 1 quarter and 0–4 years-to-date). -#}
{% macro marts_period_months() -%}
    select
        period_type,
        period_start,
        period_end,
        unnest(generate_series(period_start, period_end, interval 1 month))::date as reporting_month
    from {{ ref('reporting_periods') }}
{%- endmacro %}

{#- The highest bit of a mask: the latest month of a set of months (a mask of 0, no month,
    gives January's bit; callers only use it where the mask is not 0). -#}
{% macro marts_latest_month_bit(mask) -%}
    (1 << floor(log2(greatest({{ mask }}, 1)))::integer)
{%- endmacro %}
