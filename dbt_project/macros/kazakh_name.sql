{#- The Kazakh twin of a Russian display name a mart carries (issue 25): `expr` is the
    Russian name (a region, a gender, a legal form's short name…), `domain` says which list
    it comes from (stg_reference__kazakh_names). A scalar lookup, so a mart adds
    `{{ kazakh_name('gender', 'gender') }} as gender_kk` beside its column without another
    join; null stays null (a total row). The marts keep the Russian names as their keys:
    the Kazakh ones are labels only. -#}
{% macro kazakh_name(domain, expr) -%}
    (
        select kazakh_names.name_kk
        from {{ ref('stg_reference__kazakh_names') }} as kazakh_names
        where kazakh_names.domain = '{{ domain }}' and kazakh_names.name_ru = {{ expr }}
    )
{%- endmacro %}
