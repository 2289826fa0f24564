-- Data-quality review (issue 24), a warning, never a failure (Dagster asset check, severity WARN).
-- Every row returned is a flag for the data engineer; dq_risk_list.explanation_ru says it in Russian.

{{ config(severity='warn') }}

select period_start, unit_kind, unit_key, risk_rank, q1_answers, not_received_answers, non_receipt_ci_low, outlier_months, explanation_ru
from {{ ref('dq_risk_list') }}
where is_flagged and period_type = 'month'
