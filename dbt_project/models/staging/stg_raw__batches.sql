-- One row per loaded landing file (raw.batches): what was loaded, when it was submitted
-- and received, and how many rows its file held.

with

source as (
    select * from {{ source('raw', 'batches') }}
),

renamed as (
    select
        -- ids
        batch_id,
        input,
        period,
        version,
        source_file,
        source_sha256,

        -- numerics
        file_rows,

        -- dates
        {{ period_start('period') }} as period_start,
        submitted_at,
        submitted_at_source,
        received_at,
        loaded_at
    from source
)

select * from renamed
