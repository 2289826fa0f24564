-- Data-quality review (issue 24), a warning, never a failure (Dagster asset check, severity WARN).
-- Every row returned is a flag for the data engineer; dq_implausible_patterns.explanation_ru says it in Russian.

{{ config(severity='warn') }}

select period_start, pattern, region_code, manager_key, cases, services, explanation_ru
from {{ ref('dq_implausible_patterns') }}
where period_type = 'month'
