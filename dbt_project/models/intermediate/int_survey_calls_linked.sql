-- Phone survey calls (R3, Appendix 4; clause 16), one row per call, linked to the counted
-- registry service they ask about: same client (client_key), same service, and the call's
-- service date equal to the service's end date (the date Q1 names). When several counted
-- services match, the one with the same sub-type, then the same region, then the lowest
-- service_id is taken. A call that links nowhere is kept (is_linked false, with the reason):
-- it still counts in the all-regions figures and wherever its own columns place it.
-- Where a call is linked, region, centre, service and manager come from the counted service
-- (the registry is authoritative); otherwise from the call's own columns.

with

calls as (
    select * from {{ ref('stg_phone_survey__calls') }}
),

counted_services as (
    select
        service_id,
        client_key,
        service_code,
        subtype_code,
        end_date,
        reporting_month,
        region_code,
        centre_kind,
        manager_key
    from {{ ref('int_services_counted') }}
),

places as (
    select place_code, centre_kind from {{ ref('places_of_service') }}
),

link_candidates as (
    select
        calls.batch_id,
        calls.source_row,
        counted_services.*,
        row_number() over (
            partition by calls.batch_id, calls.source_row
            order by
                (counted_services.subtype_code is not distinct from calls.subtype_code) desc,
                (counted_services.region_code is not distinct from calls.region_code) desc,
                counted_services.service_id
        ) as candidate_rank
    from calls
    inner join counted_services
        on counted_services.client_key = calls.client_key
        and counted_services.service_code = calls.service_code
        and counted_services.end_date = calls.service_date
),

links as (
    select * from link_candidates where candidate_rank = 1
),

final as (
    select
        -- lineage
        calls.batch_id,
        calls.period,
        calls.source_row,

        -- ids
        calls.call_id,
        calls.client_key,
        links.service_id as linked_service_id,
        links.service_id is not null as is_linked,
        case
            when links.service_id is not null then null
            when calls.client_key is null then 'no_client'
            when calls.service_code is null then 'no_service'
            when calls.service_date is null then 'no_service_date'
            else 'no_counted_service'
        end as unlinked_reason,

        -- the service asked about (the counted service's attributes when linked)
        coalesce(
            links.reporting_month,
            date_trunc('month', coalesce(calls.service_date, calls.call_date))
        )::date as reporting_month,
        coalesce(links.end_date, calls.service_date) as service_date,
        coalesce(links.region_code, calls.region_code) as region_code,
        coalesce(links.service_code, calls.service_code) as service_code,
        coalesce(links.subtype_code, calls.subtype_code) as subtype_code,
        coalesce(links.centre_kind, places.centre_kind) as centre_kind,
        coalesce(links.manager_key, calls.manager_key) as manager_key,

        -- the call
        calls.call_date,
        calls.call_outcome_code,
        calls.call_outcome_code is not null as is_called,
        coalesce(calls.call_outcome_code = 'answered', false) as is_answered,

        -- answers (only an answered call's answers count)
        case when calls.call_outcome_code = 'answered' then calls.q1_received end as q1_received,
        case when calls.call_outcome_code = 'answered' then calls.q2_quality end as q2_quality,
        case when calls.call_outcome_code = 'answered' then calls.q3_helped end as q3_helped,
        case when calls.call_outcome_code = 'answered' then calls.q4_interested end as q4_interested,
        case when calls.call_outcome_code = 'answered' then calls.q4_instrument_code end as q4_instrument_code
    from calls
    left join links
        on links.batch_id = calls.batch_id
        and links.source_row = calls.source_row
    left join places on places.place_code = calls.place_code
)

select * from final
