-- Data-quality review (issue 24), a warning, never a failure (Dagster asset check, severity WARN).
-- Every row returned is a flag for the data engineer; dq_reporting_rates.explanation_ru says it in Russian.

{{ config(severity='warn') }}

select period_start, registries_received, registries_on_time, registries_corrected, registries_corrected_in_time, working_days_late, explanation_ru
from {{ ref('dq_reporting_rates') }}
where is_flagged and period_type = 'month'
