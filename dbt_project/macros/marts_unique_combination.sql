{#- Generic test: the combination of columns is unique, NULL matching NULL (a mart's
    total rows carry NULL in region and dimension columns, so a concatenated key would
    be ambiguous). Usage in a model's .yml:
      data_tests:
        - marts_unique_combination:
            arguments:
              combination_of_columns: [period_type, period_start, period_end, region_code] -#}
{% test marts_unique_combination(model, combination_of_columns) %}
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as rows_with_this_key
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}
