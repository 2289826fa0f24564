{#-
    The key under which a free-text cell is looked up in a reference list
    (stg_reference__lookups builds the same key from the seeds, so both sides agree):
    lower case, ё → е, any run of spaces (incl. non-breaking) → one space, trimmed, and
    Latin letters that look like Cyrillic ones (a o e c p x y k h m t b, after lower-casing)
    folded to their Cyrillic twins, so «Aлматы» typed with a Latin «A» still matches.
    Latin spellings in the seeds («almaty») are folded the same way and still match.
-#}
{% macro lookup_key(expr) -%}
    translate(
        trim(replace(lower({{ single_spaced(expr) }}), 'ё', 'е')),
        'aoecpxykhmtb',
        'аоесрхукнмтв'
    )
{%- endmacro %}


{#-
    A person's or a manager's full name as it is hashed: lower case, ё → е, single spaces,
    trimmed (the definition of a person in the methodology digest, "Interpretation decisions").
-#}
{% macro normalise_full_name(expr) -%}
    nullif(trim(replace(lower({{ single_spaced(expr) }}), 'ё', 'е')), '')
{%- endmacro %}


{#- A text cell trimmed, with an empty cell as null. -#}
{% macro clean_text(expr) -%}
    nullif(trim({{ single_spaced(expr) }}), '')
{%- endmacro %}


{#-
    Every run of spaces, tabs, line breaks and non-breaking spaces as one space. The
    replacement runs only on the cells it changes, those holding a whitespace character
    other than a space or two spaces in a row: a regular-expression match costs a fraction of
    a replacement (docs/performance.md), and nearly every cell is already single-spaced
    (RE2's \s is [\t\n\f\r ]). Pass a column or a cheap expression: it appears three times.
-#}
{% macro single_spaced(expr) -%}
    case
        when regexp_matches({{ expr }}, '[\t\n\f\r\x{00a0}]|  ')
            then regexp_replace({{ expr }}, '[\s\x{00a0}]+', ' ', 'g')
        else {{ expr }}
    end
{%- endmacro %}
