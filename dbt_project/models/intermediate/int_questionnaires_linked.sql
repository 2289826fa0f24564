-- Online quality questionnaires (R2, Appendix 2; clause 15), one row per questionnaire,
-- linked to the counted registry service they rate: same client (client_key), same service,
-- and the questionnaire's service date equal to the service's end date (without a service
-- date: the latest counted service of that client and service ending on or before the fill
-- date, within 31 days). Among several matches: same sub-type first, then the latest end
-- date, then the lowest service_id. A questionnaire that links nowhere is kept (is_linked
-- false, with the reason): the form names no region or centre, so it counts in the
-- all-regions and by-service figures only.

with

questionnaires as (
    select * from {{ ref('stg_questionnaires__questionnaires') }}
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

link_candidates as (
    select
        questionnaires.batch_id,
        questionnaires.source_row,
        counted_services.*,
        row_number() over (
            partition by questionnaires.batch_id, questionnaires.source_row
            order by
                (counted_services.subtype_code is not distinct from questionnaires.subtype_code) desc,
                counted_services.end_date desc,
                counted_services.service_id
        ) as candidate_rank
    from questionnaires
    inner join counted_services
        on counted_services.client_key = questionnaires.client_key
        and counted_services.service_code = questionnaires.service_code
        and (
            counted_services.end_date = questionnaires.service_date
            or (
                questionnaires.service_date is null
                and counted_services.end_date between questionnaires.fill_date - interval 31 day
                    and questionnaires.fill_date
            )
        )
),

links as (
    select * from link_candidates where candidate_rank = 1
),

final as (
    select
        -- lineage
        questionnaires.batch_id,
        questionnaires.period,
        questionnaires.source_row,

        -- ids
        questionnaires.questionnaire_id,
        questionnaires.client_key,
        links.service_id as linked_service_id,
        links.service_id is not null as is_linked,
        case
            when links.service_id is not null then null
            when questionnaires.client_key is null then 'no_client'
            when questionnaires.service_code is null then 'no_service'
            when questionnaires.service_date is null and questionnaires.fill_date is null then 'no_service_date'
            else 'no_counted_service'
        end as unlinked_reason,

        -- the service rated (the counted service's attributes when linked)
        coalesce(
            links.reporting_month,
            date_trunc('month', coalesce(questionnaires.service_date, questionnaires.fill_date))
        )::date as reporting_month,
        coalesce(links.end_date, questionnaires.service_date) as service_date,
        links.region_code,
        coalesce(links.service_code, questionnaires.service_code) as service_code,
        coalesce(links.subtype_code, questionnaires.subtype_code) as subtype_code,
        links.centre_kind,
        coalesce(links.manager_key, questionnaires.manager_key) as manager_key,
        questionnaires.fill_date,

        -- answers
        questionnaires.score_usefulness,
        questionnaires.score_organisation,
        questionnaires.score_expectations,
        questionnaires.score_satisfaction,
        questionnaires.financial_support_wanted,
        questionnaires.non_financial_support_wanted
    from questionnaires
    left join links
        on links.batch_id = questionnaires.batch_id
        and links.source_row = questionnaires.source_row
)

select * from final
