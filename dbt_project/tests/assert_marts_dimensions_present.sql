-- The marts mark a total row with NULL in region and dimension columns, so a counted service
-- must carry every column the marts group or count by: a NULL there would pose as a total
-- (and a service without client_key or person_key would not be counted). Returns the
-- offending services with the columns that are missing.

with missing_columns as (
    select
        service_id,
        reporting_month,
        concat_ws(', ',
            case when reporting_month is null then 'reporting_month' end,
            case when region_code is null then 'region_code' end,
            case when client_key is null then 'client_key' end,
            case when person_key is null then 'person_key' end,
            case when oked_section is null then 'oked_section' end,
            case when oked_section_name is null then 'oked_section_name' end,
            case when legal_form is null then 'legal_form' end,
            case when gender is null then 'gender' end,
            case when age_at_service is null then 'age_at_service' end,
            case when sme_category is null then 'sme_category' end,
            case when sme_category_sort_order is null then 'sme_category_sort_order' end,
            case when service is null then 'service' end,
            case when service_subtype is null then 'service_subtype' end,
            case when service_sort_order is null then 'service_sort_order' end,
            case when provider is null then 'provider' end,
            case when channel is null then 'channel' end,
            case when end_date is null then 'end_date' end
        ) as missing
    from {{ ref('int_services_counted') }}
)

select *
from missing_columns
where missing <> ''
