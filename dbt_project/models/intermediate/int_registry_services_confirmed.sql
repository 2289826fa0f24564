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

reconciled as (
    select
        services.batch_id,
        services.source_row,
        services.period,
        services.version,
        services.client_key,
        services.service_code,
        services.subtype_code,
        services.end_date,
        services.client_key is not null as is_reconcilable,
        acts_exact.client_key is not null as is_confirmed_by_act
    from services
    left join acts_exact
        on acts_exact.client_key = services.client_key
        and acts_exact.service_code = services.service_code
        and acts_exact.subtype_code = services.subtype_code
        and acts_exact.service_date = services.end_date
),

-- why a row is not confirmed, looked up for those rows only (a few per cent): the client's
-- acts for the same service and sub-type on another date, or on the same date for another
-- (two more joins of the whole registry to distinct act lists were a large share of the model
-- at 14M rows: docs/performance.md)
unconfirmed_reasons as (
    select
        reconciled.batch_id,
        reconciled.source_row,
        coalesce(bool_or(
            acts.service_code = reconciled.service_code and acts.subtype_code = reconciled.subtype_code
        ), false) as has_act_for_service,
        coalesce(bool_or(acts.service_date = reconciled.end_date), false) as has_act_on_date
    from reconciled
    inner join acts on acts.client_key = reconciled.client_key
    where reconciled.is_reconcilable and not reconciled.is_confirmed_by_act
    group by reconciled.batch_id, reconciled.source_row
),

final as (
    select
        reconciled.batch_id,
        reconciled.source_row,
        reconciled.period,
        reconciled.version,
        reconciled.is_confirmed_by_act,
        case
            when reconciled.is_confirmed_by_act or not reconciled.is_reconcilable then null
            when unconfirmed_reasons.has_act_for_service then 'act_date_mismatch'
            when unconfirmed_reasons.has_act_on_date then 'act_service_mismatch'
            else 'act_missing'
        end as act_exclusion_reason
    from reconciled
    left join unconfirmed_reasons
        on unconfirmed_reasons.batch_id = reconciled.batch_id
        and unconfirmed_reasons.source_row = reconciled.source_row
)

select * from final
