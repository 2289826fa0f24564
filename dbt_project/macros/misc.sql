{#- Whole years between a birth date and a date (the birthday counts on the day itself). -#}
{% macro age_in_years(birth_date, on_date) -%}
    cast(((year({{ on_date }}) * 10000 + month({{ on_date }}) * 100 + day({{ on_date }}))
        - (year({{ birth_date }}) * 10000 + month({{ birth_date }}) * 100 + day({{ birth_date }}))) // 10000 as integer)
{%- endmacro %}


{#- A Kazakhstan phone number: 11 digits once punctuation is dropped, starting 7 (+7) or 8.
    Null for an empty cell (the phone columns are optional). Punctuation is + ( ) - . and
    spaces, anywhere: one full match (dropping the punctuation first cost several times more:
    docs/performance.md). -#}
{% macro phone_ok(expr) -%}
    {%- set punctuation = "[+()\\-\\s\\x{00a0}.]*" -%}
    case when {{ expr }} is not null then
        regexp_full_match({{ expr }}, '{{ punctuation }}[78]({{ punctuation }}[0-9]){10}{{ punctuation }}')
    end
{%- endmacro %}


{#- name@domain.tld, without spaces. Null for an empty cell. -#}
{% macro email_ok(expr) -%}
    case when {{ expr }} is not null then
        regexp_full_match({{ expr }}, '[^@\s]+@[^@\s]+\.[^@\s.]{2,}')
    end
{%- endmacro %}


{#- First day of the period a batch covers: 'YYYY-MM' → that month, 'YYYY-Qn' → its quarter. -#}
{% macro period_start(period) -%}
    case
        when {{ period }} like '____-Q_'
            then make_date(cast(left({{ period }}, 4) as integer), cast(right({{ period }}, 1) as integer) * 3 - 2, 1)
        else cast(try_strptime({{ period }} || '-01', '%Y-%m-%d') as date)
    end
{%- endmacro %}


{#-
    The list of the given columns whose cell is empty, as column names: the required-field
    rule intersects it with input_columns.csv's required flag. The raw layer holds no blank
    text (the readers turn a cell that is empty once trimmed into null, orchestration/ingestion/cells.py),
    so empty is null: trimming 24 columns of every row again would be a measurable cost for
    nothing (docs/performance.md).
-#}
{% macro empty_columns(columns) -%}
    list_filter([
        {%- for column in columns %}
        case when {{ column }} is null then '{{ column }}' end{{ ',' if not loop.last }}
        {%- endfor %}
    ], lambda column_name: column_name is not null)
{%- endmacro %}


{#- A pseudonymous key (64 hex characters) as the 128-bit number the marts count distinct:
    grouping and distinct counts over 16-byte numbers cost a fraction of those over the text
    (at 12 million services, the person marts and the distinct-totals test: docs/performance.md).
    The number is the key's MD5: two different keys of a year share one with a probability
    below 1e-24 (12 million keys, 128 bits), far under any hardware error rate, so the counts
    are the distinct counts of the keys. Null for a null key. -#}
{% macro counting_number(key) -%}
    md5_number({{ key }})
{%- endmacro %}
