{#- Official region names, Russian and Kazakh (region_kk), with their validity (seed `regions`, KATO codes as of the
    methodology's reference facts; code 71 was renamed Nur-Sultan → Astana on
    17 September 2022). A mart names each region as in force at the period's end, so
    one region code is one row per period even across a renaming. -#}
{% macro marts_official_regions() -%}
    select
        kato_code as region_code,
        name_ru as region,
        name_kk as region_kk,
        sort_order as region_sort_order,
        valid_from,
        coalesce(valid_to, date '9999-12-31') as valid_to
    from {{ ref('regions') }}
{%- endmacro %}


{#- The rows of the CTE `rows` (period_type, period_start, period_end, region_code and
    `columns`) with their region named as in force at the period's end: the one place a
    mart joins its region code to the official names. -#}
{% macro marts_region_named(rows, columns) -%}
    select
        {{ rows }}.period_type,
        {{ rows }}.period_start,
        {{ rows }}.period_end,
        {{ rows }}.region_code,
        official_regions.region,
        official_regions.region_kk,
        official_regions.region_sort_order,
        {%- for column in columns %}
        {{ rows }}.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ rows }}
    left join ({{ marts_official_regions() }}) as official_regions
        on {{ rows }}.region_code = official_regions.region_code
        and {{ rows }}.period_end between official_regions.valid_from and official_regions.valid_to
{%- endmacro %}
