-- Act reconciliation (R9, clause 11): for every registry row, whether an act of services
-- rendered confirms it — same client (IIN/BIN), same service and sub-type, the act's
-- service date equal to the registry's end date — and, if not, why:
--   act_date_mismatch    an act for this client, service and sub-type, but on another date;
--   act_service_mismatch an act for this client on this date, but for another service/sub-type;
--   act_missing          no act for this client and service at all.
-- Acts are reduced to distinct keys first, so a duplicated act never duplicates a service.
-- Rows without a usable IIN/BIN cannot be reconciled (null reason; their identifier error
-- already excludes them).

with

services as (
    select batch_id, source_row, period, version, client_key, service_code, subtype_code, end_date
    from {{ ref('int_registry_services_validated') }}
),

acts as (
    select client_key, service_code, subtype_code, service_date
    from {{ ref('stg_acts__acts') }}
    where client_key is not null
),

acts_exact as (
    select distinct client_key, service_code, subtype_code, service_date from acts
),

acts_by_service as (
    select distinct client_key, service_code, subtype_code from acts
),

acts_by_date as (
    select distinct client_key, service_date from acts
),

reconciled as (
    select
        services.batch_id,
        services.source_row,
        services.period,
        services.version,
        services.client_key is not null as is_reconcilable,
        acts_exact.client_key is not null as is_confirmed_by_act,
        acts_by_service.client_key is not null as has_act_for_service,
        acts_by_date.client_key is not null as has_act_on_date
    from services
    left join acts_exact
        on acts_exact.client_key = services.client_key
        and acts_exact.service_code = services.service_code
        and acts_exact.subtype_code = services.subtype_code
        and acts_exact.service_date = services.end_date
    left join acts_by_service
        on acts_by_service.client_key = services.client_key
        and acts_by_service.service_code = services.service_code
        and acts_by_service.subtype_code = services.subtype_code
    left join acts_by_date
        on acts_by_date.client_key = services.client_key
        and acts_by_date.service_date = services.end_date
),

final as (
    select
        batch_id,
        source_row,
        period,
        version,
        is_confirmed_by_act,
        case
            when is_confirmed_by_act or not is_reconcilable then null
            when has_act_for_service then 'act_date_mismatch'
            when has_act_on_date then 'act_service_mismatch'
            else 'act_missing'
        end as act_exclusion_reason
    from reconciled
)

select * from final
