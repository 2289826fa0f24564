-- A counted service never carries an error-severity rule, and always belongs to the
-- version used for its month.

select counted.service_id, violations.rule_id
from {{ ref('int_services_counted') }} as counted
inner join {{ ref('int_registry_rule_violations') }} as violations
    on violations.batch_id = counted.batch_id
    and violations.source_row = counted.source_row
where violations.severity = 'error'

union all

select counted.service_id, 'version not used'
from {{ ref('int_services_counted') }} as counted
inner join {{ ref('int_registry_versions') }} as versions on versions.batch_id = counted.batch_id
where not versions.is_used_for_report
