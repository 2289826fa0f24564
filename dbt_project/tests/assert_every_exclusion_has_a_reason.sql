-- An excluded row always says why, and every reason is a rule of validation_rules.csv.

with

reasons as (
    select service_id, reasons, unnest(case when len(reasons) = 0 then [null] else reasons end) as reason
    from {{ ref('int_registry_exclusions') }}
)

select reasons.service_id, reasons.reason
from reasons
left join {{ ref('validation_rules') }} as rules on rules.rule_id = reasons.reason
where rules.rule_id is null
