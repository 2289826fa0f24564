-- Nothing is lost (issue 3, issue 8): for every registry month and version,
-- rows counted + rows excluded = rows in raw = rows the file held (raw.batches.file_rows).
-- Returns the (period, version) pairs where any of these disagree.
-- The asset it is a check of, and its description, are in singular_tests.yml.

with

batches as (
    select batch_id, period, version, file_rows
    from {{ source('raw', 'batches') }}
    where input = 'registry'
),

ingested as (
    select batch_id, count(*) as raw_rows from {{ source('raw', 'registry_rows') }} group by batch_id
),

counted as (
    select batch_id, count(*) as counted_rows from {{ ref('int_services_counted') }} group by batch_id
),

excluded as (
    select batch_id, count(*) as excluded_rows from {{ ref('int_registry_exclusions') }} group by batch_id
),

compared as (
    select
        coalesce(batches.batch_id, ingested.batch_id) as batch_id,
        batches.period,
        batches.version,
        batches.file_rows,
        coalesce(ingested.raw_rows, 0) as raw_rows,
        coalesce(counted.counted_rows, 0) as counted_rows,
        coalesce(excluded.excluded_rows, 0) as excluded_rows
    from batches
    full outer join ingested on ingested.batch_id = batches.batch_id
    left join counted on counted.batch_id = coalesce(batches.batch_id, ingested.batch_id)
    left join excluded on excluded.batch_id = coalesce(batches.batch_id, ingested.batch_id)
)

select *
from compared
where file_rows is null
    or raw_rows <> file_rows
    or counted_rows + excluded_rows <> raw_rows
