{#- Generic test (issue 25): every listed column of a reference list holds a Kazakh text —
    not null, not blank, at least one Cyrillic letter and no Latin letter (a placeholder the
    code fills, {name} or {objects}, is not text and is left out of the letter checks). Returns
    one row per broken rule, as column_rules does: rule, column_name and failing_rows (how
    many rows break it). Usage in a seed's .yml:
      data_tests:
        - kazakh_text:
            name: kazakh_text_<seed>
            arguments:
              columns: [name_kk, short_name_kk] -#}
{% test kazakh_text(model, columns) %}
    {%- if not columns -%}
        {{ exceptions.raise_compiler_error("kazakh_text on " ~ model ~ ": no column given") }}
    {%- endif -%}
    {%- set rules = [] -%}
    {%- for column in columns -%}
        {%- set letters = "regexp_replace(" ~ column ~ ", '\\{[a-z_]+\\}', '', 'g')" -%}
        {%- do rules.append({'rule': 'not_null', 'column': column, 'fails': column ~ ' is null'}) -%}
        {%- do rules.append({'rule': 'not_blank', 'column': column, 'fails': 'trim(' ~ column ~ ") = ''"}) -%}
        {%- do rules.append({'rule': 'has_cyrillic', 'column': column,
                             'fails': 'not regexp_matches(' ~ letters ~ ", '[А-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]')"}) -%}
        {%- do rules.append({'rule': 'no_latin', 'column': column,
                             'fails': 'regexp_matches(' ~ letters ~ ", '[A-Za-z]')"}) -%}
    {%- endfor %}

with

rule_counts as materialized (
    select
        {%- for rule in rules %}
        count(*) filter (where coalesce({{ rule.fails }}, false)) as rule_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ model }}
),

rule_results as (
    {%- for rule in rules %}
    select '{{ rule.rule }}' as rule, '{{ rule.column }}' as column_name, rule_{{ loop.index }} as failing_rows
    from rule_counts
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select rule, column_name, failing_rows
from rule_results
where failing_rows > 0
{% endtest %}
