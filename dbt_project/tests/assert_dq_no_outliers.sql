-- Data-quality review (issue 24), a warning, never a failure (Dagster asset check, severity WARN).
-- Every row returned is a flag for the data engineer; dq_outliers.explanation_ru says it in Russian.

{{ config(severity='warn') }}

select period_start, unit_kind, unit_key, manager_key, region_code, centre_kind, measure, observed, history_median, modified_z, is_extreme, explanation_ru
from {{ ref('dq_outliers') }}
where is_outlier
