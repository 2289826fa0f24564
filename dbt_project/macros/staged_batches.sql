{#-
    Staging by batch (issue 7: a month added to a built year should cost that month, not the
    year). The big staging models are incremental: each row keeps the fingerprint of what it
    was staged with (staging_fingerprint), and a build stages again only the batches of the
    raw table that the model does not hold with the same file content (source_sha256) and the
    same fingerprint, replacing them whole (delete+insert by batch_id). The fingerprint covers
    the model's SQL, the content of every seed and model it reads, and the pseudonymisation
    key: changing any of them changes every row's fingerprint, so the whole table is staged
    afresh — a row is never left staged by old rules, old reference data or an old key.
    int_services_counted is built by batch the same way, with its own signature per batch
    (int_services_counted_batches) and the two helpers below (builds_on_column, batch_id_in).
-#}

{#- The fingerprint of this model's inputs other than raw rows (an md5 text). -#}
{% macro staging_fingerprint() -%}
    {%- if model.get('resource_type') == 'unit_test' -%}
        {#- a unit test's parents are its fixtures: it checks the rows, not the fingerprint -#}
        {{ return("'unit test'") }}
    {%- endif -%}
    {%- set parts = ["'" ~ (model.get('checksum') or {}).get('checksum', '') ~ "'", "pseudonymise('staging fingerprint')"] -%}
    {%- for node_id in (model.get('depends_on') or {}).get('nodes', []) -%}
        {%- if node_id.startswith('seed.') or node_id.startswith('model.') -%}
            {%- set relation = ref(node_id.split('.')[-1]) -%}
            {%- do parts.append("(select md5(coalesce(string_agg(cast(reference_row as varchar), '|' order by cast(reference_row as varchar)), '')) from " ~ relation ~ " as reference_row)") -%}
        {%- endif -%}
    {%- endfor -%}
    md5(concat_ws('|', {{ parts | join(', ') }}))
{%- endmacro %}


{#- The raw rows to stage: in an incremental build only the batches to stage again (found
    once, when the model runs, and named in the SQL), in a full build — or over a table
    staged before fingerprints existed — all of them. -#}
{% macro rows_to_stage(raw_table) -%}
    select raw_rows.* from {{ source('raw', raw_table) }} as raw_rows
    {%- if builds_on_column('staging_fingerprint') %}
    where {{ batch_id_in('raw_rows.batch_id',
        "select batches.batch_id from " ~ source('raw', 'batches') ~ " as batches "
        ~ "where batches.batch_id in (select distinct batch_id from " ~ source('raw', raw_table) ~ ") "
        ~ "and not exists (select 1 from (select distinct batch_id, source_sha256, staging_fingerprint from "
        ~ this ~ ") as staged where staged.batch_id = batches.batch_id "
        ~ "and staged.source_sha256 = batches.source_sha256 "
        ~ "and staged.staging_fingerprint = (" ~ staging_fingerprint() ~ "))") }}
    {%- endif %}
{%- endmacro %}


{#- Whether this run adds to the model's existing table, and that table already has
    ``column`` (what it compares batches by; a table built before the column existed is
    built afresh). -#}
{% macro builds_on_column(column) -%}
    {{ return(execute and is_incremental()
        and column in adapter.get_columns_in_relation(this) | map(attribute='name') | list) }}
{%- endmacro %}


{#- ``column in (…)`` over the batch ids ``pending_sql`` returns, run once when the model
    runs: a literal list lets DuckDB skip the other batches' row groups. -#}
{% macro batch_id_in(column, pending_sql) -%}
    {%- set pending = run_query(pending_sql) -%}
    {{ column }} in (
        {%- for row in pending.rows %}'{{ row[0] | replace("'", "''") }}'{{ ', ' if not loop.last }}
        {%- else %}null{% endfor -%}
    )
{%- endmacro %}


{#- The model's rows (CTE ``relation``) with what the next build compares: the file's
    content hash and the fingerprint. Needs the model's CTE ``source`` (its raw rows). -#}
{% macro with_staging_fingerprint(relation) -%}
    select
        {{ relation }}.*,
        batch_files.source_sha256,
        fingerprint.staging_fingerprint
    from {{ relation }}
    inner join (select distinct batch_id, source_sha256 from source) as batch_files
        on batch_files.batch_id = {{ relation }}.batch_id
    cross join (select {{ staging_fingerprint() }} as staging_fingerprint) as fingerprint
{%- endmacro %}


{#- Config of an incremental staging model, and the post-hook that drops the batches raw no
    longer holds (delete+insert only replaces the batches it stages). A changed model adds or
    drops columns (sync_all_columns); its rows are all staged again since its SQL is in the
    fingerprint. -#}
{% macro staged_by_batch(raw_table) -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='batch_id',
        on_schema_change='sync_all_columns',
        post_hook="delete from {{ this }} where batch_id not in (select batch_id from {{ source('raw', '"
            ~ raw_table ~ "') }})",
    ) }}
{%- endmacro %}
