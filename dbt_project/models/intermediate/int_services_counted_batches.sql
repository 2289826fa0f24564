-- The registry batches int_services_counted counts (the versions used for the report), each
-- with a signature of everything that decides its counted rows: the batch, the file's content
-- and how it was staged (source_sha256, staging_fingerprint), the rows left out of the count
-- (an error-severity rule or no confirming act: their row numbers, digested), and the SQL of
-- the counted, validated and published (fct_services) models and of this one.
-- int_services_counted counts again, and publishing copies again, only the batches whose
-- signature they do not hold: a month added to a built year is that month's work — plus any
-- earlier month whose rows a new or re-delivered acts file confirms or no longer confirms.

with

used_batches as (
    select batch_id from {{ ref('int_registry_versions') }}
    where is_used_for_report
),

staged_batches as (
    select distinct batch_id, source_sha256, staging_fingerprint
    from {{ ref('stg_registry__services') }}
),

-- few rows per batch (a few per cent): the complement of the counted rows within a batch
left_out_rows as (
    select batch_id, source_row from {{ ref('int_registry_rule_violations') }}
    where severity = 'error'
    union
    select batch_id, source_row from {{ ref('int_registry_services_confirmed') }}
    where not is_confirmed_by_act
),

left_out_by_batch as (
    select
        batch_id,
        md5(string_agg(cast(source_row as varchar), ',' order by source_row)) as left_out_digest
    from left_out_rows
    group by batch_id
),

-- the SQL that turns a batch's staged rows into counted (and published) rows, and the
-- pseudonymisation key
models_fingerprint as (
    select md5(concat_ws('|',
        {%- for name in ['int_services_counted', 'int_registry_services_validated', 'int_services_counted_batches', 'fct_services'] %}
        {%- set node = graph.nodes.get("model." ~ project_name ~ "." ~ name) if execute else {} %}
        {%- if node is none %}
            {{- exceptions.raise_compiler_error("int_services_counted_batches: no model " ~ name ~ " to fingerprint (renamed? update the list)") }}
        {%- endif %}
        '{{ (node.get("checksum") or {}).get("checksum", "") }}',
        {%- endfor %}
        pseudonymise('counted batches fingerprint')
    )) as fingerprint
),

final as (
    select
        used_batches.batch_id,
        md5(concat_ws('|',
            used_batches.batch_id,
            models_fingerprint.fingerprint,
            staged_batches.source_sha256,
            staged_batches.staging_fingerprint,
            coalesce(left_out_by_batch.left_out_digest, '')
        )) as batch_signature
    from used_batches
    inner join staged_batches on staged_batches.batch_id = used_batches.batch_id
    left join left_out_by_batch on left_out_by_batch.batch_id = used_batches.batch_id
    cross join models_fingerprint
)

select * from final
