{#- Schemas are named exactly as configured (staging, intermediate, marts, reference),
    not prefixed with the target schema: SQL users query marts.i1_clients_by_region. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
