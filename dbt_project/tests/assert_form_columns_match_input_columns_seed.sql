-- The macro form_columns() (used by staging at compile time) lists exactly the columns
-- of seeds/input_columns.csv, in form order, for each input.

{%- set inputs = ['registry', 'questionnaires', 'acts', 'phone_survey'] %}

with

from_macro as (
    {%- for input_name in inputs %}
    {%- for column in form_columns(input_name) %}
    select '{{ input_name }}' as input, {{ loop.index }} as position, '{{ column }}' as column_name
    {{- ' union all' if not loop.last }}
    {%- endfor %}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

from_seed as (
    select input, position, column_name from {{ ref('input_columns') }}
)

select coalesce(from_seed.input, from_macro.input) as input, from_seed.column_name as seed_column,
    from_macro.column_name as macro_column
from from_seed
full outer join from_macro
    on from_macro.input = from_seed.input and from_macro.position = from_seed.position
where from_seed.column_name is distinct from from_macro.column_name
