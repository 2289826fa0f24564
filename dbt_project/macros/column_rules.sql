{#- Generic test: a model's column rules in one test and one pass over its rows, in place of one
    dbt test per rule and column (dbt's own time on every test node is many times what a rule's
    SQL costs: docs/performance.md). Returns one row per broken rule: rule, column_name and
    failing_rows — how many rows break it, never their values (they can be personal data).
    The rules mean what dbt's built-in tests of the same name mean:
      not_null         the column has no null;
      unique           no non-null value occurs twice (failing_rows: the rows repeating a value
                       an earlier row has);
      accepted_values  every value is in the list (null passes); quote: false for numbers;
      relationships    every non-null value is in `field` of relation `to` (a seed, a model).
    A column may be an expression (unique: "batch_id || ':' || source_row"). A rule may carry
    its own `where`, as a dbt test's `where` config does: the rule holds on the rows matching
    it. Usage in a model's .yml (the name: dbt would otherwise spell every argument into it):
      data_tests:
        - column_rules:
            name: column_rules_<model>
            arguments:
              not_null: [service_id, {column: region, where: "region_code is not null"}]
              unique: [service_id]
              accepted_values:
                channel_code: ['online', 'offline']
                score: {values: [1, 2, 3, 4, 5], quote: false}
              relationships:
                region_code: {to: ref('regions'), field: kato_code}
    A second one, column_rules_<model>_warn with `config: {severity: warn}`, holds the rules
    that only warn. -#}
{% test column_rules(model, not_null=[], unique=[], accepted_values={}, relationships={}) %}
    {%- set rules = [] -%}
    {%- for entry in not_null -%}
        {%- set spec = entry if entry is mapping else {'column': entry} -%}
        {%- do rules.append({'rule': 'not_null', 'column': spec.column, 'where': spec.get('where'),
                             'fails': spec.column ~ ' is null'}) -%}
    {%- endfor -%}
    {%- for entry in unique -%}
        {%- set spec = entry if entry is mapping else {'column': entry} -%}
        {%- do rules.append({'rule': 'unique', 'column': spec.column, 'where': spec.get('where')}) -%}
    {%- endfor -%}
    {%- for column, entry in accepted_values.items() -%}
        {%- set spec = entry if entry is mapping else {'values': entry} -%}
        {%- set listed = [] -%}
        {%- for value in spec['values'] -%}
            {%- do listed.append(value if spec.get('quote', true) == false
                                 else "'" ~ (value | string | replace("'", "''")) ~ "'") -%}
        {%- endfor -%}
        {%- do rules.append({'rule': 'accepted_values', 'column': column, 'where': spec.get('where'),
                             'fails': column ~ ' not in (' ~ listed | join(', ') ~ ')'}) -%}
    {%- endfor -%}
    {%- for column, spec in relationships.items() -%}
        {%- do rules.append({'rule': 'relationships', 'column': column, 'where': spec.get('where'),
                             'fails': 'model_rows.' ~ column ~ ' is not null and not exists (select 1 from '
                                      ~ spec.to ~ ' as referenced where referenced.' ~ spec.field
                                      ~ ' = model_rows.' ~ column ~ ')'}) -%}
    {%- endfor -%}
    {%- if not rules -%}
        {{ exceptions.raise_compiler_error("column_rules on " ~ model ~ ": no rule given") }}
    {%- endif %}

with

model_rows as (
    select * from {{ model }}
),

-- every rule's failing rows, counted in one pass (materialized: read once by each rule below)
rule_counts as materialized (
    select
        {%- for rule in rules %}
        {%- set only_where = ' filter (where ' ~ rule.where ~ ')' if rule.where else '' %}
        {%- if rule.rule == 'unique' %}
        count({{ rule.column }}){{ only_where }} - count(distinct {{ rule.column }}){{ only_where }}
        {%- else %}
        count(*) filter (where ({{ rule.fails }}){{ ' and (' ~ rule.where ~ ')' if rule.where }})
        {%- endif %} as rule_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
    from model_rows
),

-- one row per rule: what it checks and how many rows break it
rule_results as (
    {%- for rule in rules %}
    select '{{ rule.rule }}' as rule, '{{ rule.column | replace("'", "''") }}' as column_name, rule_{{ loop.index }} as failing_rows
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
