-- Data-quality review (issue 24), a warning, never a failure (Dagster asset check, severity WARN).
-- Every row returned is a flag for the data engineer; dq_consistency_over_time.explanation_ru says it in Russian.

{{ config(severity='warn') }}

select period_start, period_end, region_code, measure, monthly_average, reference_average, ratio, national_ratio, deviation_from_national, explanation_ru
from {{ ref('dq_consistency_over_time') }}
where is_flagged
