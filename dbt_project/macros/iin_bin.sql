{#-
    IIN / BIN helpers (Law No. 223 of 12 January 2007, art. 1; Government Decree No. 406 of
    22 May 2007). The Python twin is orchestration/rules/identifiers.py; tests/test_identifiers.py
    and the unit tests of stg_registry__services keep the two in agreement.
-#}

{#- The cell with spaces, non-breaking spaces and dashes removed (and a trailing '.0' of a
    number that went through a float), not yet checked. -#}
{% macro iin_bin_digits(expr) -%}
    regexp_replace(regexp_replace({{ expr }}, '[\s\x{00a0}\-]', '', 'g'), '\.0+$', '')
{%- endmacro %}


{#- Digit n (1-based) of a text of digits, as an integer. -#}
{% macro _digit_at(expr, n) -%}
    (ascii(substr({{ expr }}, {{ n }}, 1)) - 48)
{%- endmacro %}


{#-
    True when `expr` is 12 digits whose 12th digit is the check digit of the first eleven:
    sum of d1..d11 × weights 1..11 mod 11; if that is 10, weights 3,4,5,6,7,8,9,10,11,1,2
    mod 11; if still 10 the number is never issued (false). False for anything else that is
    not 12 digits; null for null. Unrolled arithmetic: no lists, no loops per row.
-#}
{% macro iin_bin_check_digit_ok(expr) -%}
    {%- set first_weights = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] -%}
    {%- set second_weights = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2] -%}
    {%- set first_sum -%}
        ({% for w in first_weights %}{{ _digit_at(expr, loop.index) }} * {{ w }}{{ ' + ' if not loop.last }}{% endfor %}) % 11
    {%- endset -%}
    {%- set second_sum -%}
        ({% for w in second_weights %}{{ _digit_at(expr, loop.index) }} * {{ w }}{{ ' + ' if not loop.last }}{% endfor %}) % 11
    {%- endset -%}
    case
        when {{ expr }} is null then null
        when not regexp_full_match({{ expr }}, '[0-9]{12}') then false
        when {{ first_sum }} <> 10 then {{ first_sum }} = {{ _digit_at(expr, 12) }}
        when {{ second_sum }} <> 10 then {{ second_sum }} = {{ _digit_at(expr, 12) }}
        else false
    end
{%- endmacro %}


{#- 'iin' when digit 5 is 0-3 (a birth month), 'bin' when it is 4-6 (entity type). -#}
{% macro iin_bin_kind(expr) -%}
    case
        when substr({{ expr }}, 5, 1) between '0' and '3' then 'iin'
        when substr({{ expr }}, 5, 1) between '4' and '6' then 'bin'
    end
{%- endmacro %}


{#- The birth date an IIN encodes in digits 1-7 (YYMMDD + century digit), or null. -#}
{% macro iin_birth_date(expr) -%}
    cast(try_strptime(
        case substr({{ expr }}, 7, 1)
            when '1' then '18' when '2' then '18'
            when '3' then '19' when '4' then '19'
            when '5' then '20' when '6' then '20'
        end || substr({{ expr }}, 1, 6),
        '%Y%m%d'
    ) as date)
{%- endmacro %}


{#- 'male' for an odd century digit 1/3/5, 'female' for 2/4/6, else null. -#}
{% macro iin_gender_code(expr) -%}
    case
        when substr({{ expr }}, 7, 1) in ('1', '3', '5') then 'male'
        when substr({{ expr }}, 7, 1) in ('2', '4', '6') then 'female'
    end
{%- endmacro %}


{#-
    The 12-digit identifier from a cell already stripped by iin_bin_digits: itself when it
    is 12 digits; '0' || itself when it is 11 digits whose zero-padded form has a valid check
    digit (Excel dropped the leading zero of an IIN of someone born 2000-2009 — restored,
    and flagged as a warning); null otherwise. Pass a column, not an expression.
-#}
{% macro iin_bin_normalised(digits) -%}
    case
        when regexp_full_match({{ digits }}, '[0-9]{12}') then {{ digits }}
        when regexp_full_match({{ digits }}, '[0-9]{11}') and {{ iin_bin_check_digit_ok("('0' || " ~ digits ~ ")") }}
            then '0' || {{ digits }}
    end
{%- endmacro %}


{#- 'missing' | 'ok' (12 digits) | 'leading_zero_restored' | 'bad_format', for a stripped cell. -#}
{% macro iin_bin_status(digits, normalised) -%}
    case
        when {{ digits }} is null or {{ digits }} = '' then 'missing'
        when {{ normalised }} is null then 'bad_format'
        when {{ normalised }} = {{ digits }} then 'ok'
        else 'leading_zero_restored'
    end
{%- endmacro %}


{#-
    A client's identifier facts, row by row, from the cell stripped (`digits`, iin_bin_digits)
    and restored (`normalised`, iin_bin_normalised) in an earlier CTE: status, check digit,
    kind and the pseudonym every input is joined on. Row by row, because half or more of a
    year's IIN/BIN cells are distinct: a distinct list joined back cost more than the arithmetic.
-#}
{% macro client_identifier_columns(digits, normalised) -%}
    {{ iin_bin_status(digits, normalised) }} as iin_bin_status,
    {{ iin_bin_check_digit_ok(normalised) }} as iin_bin_check_digit_ok,
    {{ iin_bin_kind(normalised) }} as identifier_kind,
    case when {{ normalised }} is not null then pseudonymise({{ normalised }}) end as client_key
{%- endmacro %}


{#- The rows of `relation` with their IIN/BIN cell stripped (iin_bin_digits) and restored
    (iin_bin_normalised), for client_identifier_columns. -#}
{% macro identified_rows(relation) -%}
    select
        *,
        {{ iin_bin_normalised('iin_bin_digits') }} as iin_bin_normalised
    from (
        select
            *,
            nullif({{ iin_bin_digits('iin_bin') }}, '') as iin_bin_digits
        from {{ relation }}
    )
{%- endmacro %}
