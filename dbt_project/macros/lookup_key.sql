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
        trim(regexp_replace(replace(lower({{ expr }}), 'ё', 'е'), '[\s\x{00a0}]+', ' ', 'g')),
        'aoecpxykhmtb',
        'аоесрхукнмтв'
    )
{%- endmacro %}


{#-
    A person's or a manager's full name as it is hashed: lower case, ё → е, single spaces,
    trimmed (the definition of a person in the methodology digest, "Interpretation decisions").
-#}
{% macro normalise_full_name(expr) -%}
    nullif(trim(regexp_replace(replace(lower({{ expr }}), 'ё', 'е'), '[\s\x{00a0}]+', ' ', 'g')), '')
{%- endmacro %}


{#- A text cell trimmed, with an empty cell as null. -#}
{% macro clean_text(expr) -%}
    nullif(trim(regexp_replace({{ expr }}, '[\s\x{00a0}]+', ' ', 'g')), '')
{%- endmacro %}
