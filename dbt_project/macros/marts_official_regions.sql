{#- Official region names with their validity (seed `regions`, KATO codes as of the
    methodology's reference facts; code 71 was renamed Nur-Sultan → Astana on
    17 September 2022). A mart names each region as in force at the period's end, so
    one region code is one row per period even across a renaming. -#}
{% macro marts_official_regions() -%}
    select
        kato_code as region_code,
        name_ru as region,
        sort_order as region_sort_order,
        valid_from,
        coalesce(valid_to, date '9999-12-31') as valid_to
    from {{ ref('regions') }}
{%- endmacro %}
