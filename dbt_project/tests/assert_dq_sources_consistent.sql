-- Data-quality review (issue 24), a warning, never a failure (Dagster asset check, severity WARN).
-- Every row returned is a flag for the data engineer; dq_source_consistency.explanation_ru says it in Russian.

{{ config(severity='warn') }}

select period_start, region_code, acts_ratio, questionnaire_rate, non_receipt_rate, non_receipt_ci_low, explanation_ru
from {{ ref('dq_source_consistency') }}
where is_flagged and period_type = 'month'
