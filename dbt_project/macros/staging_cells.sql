{#-
    The blocks every staging model shares, written once.

    Cells looked up in a reference list or parsed as dates hold few distinct values, so each
    distinct cell as written is cleaned, keyed, looked up or parsed once and joined back to
    the rows, instead of once per row.
-#}

{#- The lineage every staged row carries (raw.*_rows: warehouse/raw.py), and the form's
    columns that are empty on the row. -#}
{% macro lineage_columns(input_name) -%}
        batch_id,
        period,
        version,
        source_row,
        submitted_at,
        received_at,
        {{ empty_columns(form_columns(input_name)) }} as empty_columns
{%- endmacro %}


{#- One row per (domain, distinct non-null cell as written) of `relation`, with its cleaned
    text. `domains` maps a lookup domain (stg_reference__lookups.domain) to its column. -#}
{% macro cleaned_cells(relation, domains) -%}
    select domain, cell, {{ clean_text('cell') }} as cell_text
    from (
        {%- for domain, column in domains.items() %}
        {% if not loop.first %}union all {% endif %}select distinct '{{ domain }}' as domain, {{ column }} as cell
        from {{ relation }}
        {%- endfor %}
    )
    where cell is not null
{%- endmacro %}


{#- The cells of `cells` (domain, cell, cell_text) with the reference code their key finds;
    `key` is an expression over `cells`, by default the cleaned text's lookup key. -#}
{% macro coded_cells(cells, key=none) -%}
    select
        cells.domain,
        cells.cell,
        cells.cell_text,
        lookups.code
    from {{ cells }} as cells
    left join {{ ref('stg_reference__lookups') }} as lookups
        on lookups.domain = cells.domain
        and lookups.lookup_key = {{ key if key else lookup_key('cells.cell_text') }}
{%- endmacro %}


{#- Every distinct date cell of `relation`'s `columns` as written, with its cleaned text and
    its date (null when it is no real date: parse_date_text). -#}
{% macro parsed_dates(relation, columns) -%}
    select
        date_cell,
        {{ clean_text('date_cell') }} as date_text,
        {{ parse_date_text('date_cell') }} as date_value
    from (
        {%- for column in columns %}
        {% if not loop.first %}union {% endif %}select distinct {{ column }} as date_cell from {{ relation }}
        {%- endfor %}
    )
    where date_cell is not null
{%- endmacro %}


{#- A score cell as an integer 1-5; null when it is not a whole number from 1 to 5. -#}
{% macro score_1_to_5(column) -%}
    case
        when try_cast(trim({{ column }}) as double) in (1, 2, 3, 4, 5)
            then cast(try_cast(trim({{ column }}) as double) as integer)
    end
{%- endmacro %}


{#- `lineage_columns`, read from the CTE `alias` (for the final select of a staging model). -#}
{% macro lineage_of(alias) -%}
        {{ alias }}.batch_id,
        {{ alias }}.period,
        {{ alias }}.version,
        {{ alias }}.source_row,
        {{ alias }}.submitted_at,
        {{ alias }}.received_at,
        {{ alias }}.empty_columns
{%- endmacro %}


{#- Every manager name of `relation` as written, once, with its keyed hash (the name is not kept). -#}
{% macro manager_keys(relation) -%}
    select
        manager_full_name,
        case
            when {{ normalise_full_name('manager_full_name') }} is not null
                then pseudonymise({{ normalise_full_name('manager_full_name') }})
        end as manager_key
    from (select distinct manager_full_name from {{ relation }})
    where manager_full_name is not null
{%- endmacro %}
