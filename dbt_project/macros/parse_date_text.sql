{#-
    A date cell as the operator's file holds it, typed; null when it is not a real date.

    Accepted: 'YYYY-MM-DD' (also with a time part, as readers write Excel dates),
    'dd.mm.yyyy', 'dd/mm/yyyy', 'dd-mm-yyyy', and Excel serial numbers (1900 date system:
    serial 1 = 1900-01-01; Excel counts a non-existent 29 February 1900 as serial 60, so
    serials above 60 are days since 1899-12-30 and serials 1-59 days since 1899-12-31;
    serial 60 itself is no date). strptime refuses impossible dates such as 31.02.2019,
    so they come out null and the validation rules flag them: nothing is guessed.
-#}
{% macro parse_date_text(expr) -%}
    coalesce(
        cast(try_strptime(trim({{ expr }}), [
            '%Y-%m-%d', '%d.%m.%Y', '%Y-%m-%d %H:%M:%S', '%d/%m/%Y', '%d-%m-%Y', '%Y-%m-%dT%H:%M:%S'
        ]) as date),
        {{ excel_serial_to_date('try_cast(trim(' ~ expr ~ ') as double)') }}
    )
{%- endmacro %}


{% macro excel_serial_to_date(serial) -%}
    case
        when {{ serial }} >= 61 and {{ serial }} < 2958466
            then date '1899-12-30' + cast(floor({{ serial }}) as integer)
        when {{ serial }} >= 1 and {{ serial }} < 60
            then date '1899-12-31' + cast(floor({{ serial }}) as integer)
    end
{%- endmacro %}
