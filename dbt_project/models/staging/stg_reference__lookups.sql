-- Every spelling the operator's files may use for a reference value, keyed the way
-- staging keys a cell (macro lookup_key), one row per (domain, key): the seeds are the
-- only source. A value's Kazakh name (the seeds' *_kk columns) is accepted as well as its
-- Russian one: an operator may fill the form in the state language. A key that maps to two codes would make a lookup ambiguous; the unique
-- test on (domain, lookup_key) stops the build before that can happen.

with

regions as (
    select 'region' as domain, kato_code as code, name_ru as spelling from {{ ref('regions') }}
    union all
    select 'region', kato_code, name_kk from {{ ref('regions') }}
    union all
    select 'region', kato_code, alias from {{ ref('region_aliases') }}
    union all
    select 'region', kato_code, kato_code from {{ ref('regions') }}
),

places_of_service as (
    select 'place_of_service' as domain, place_code as code, unnest([place_code, name_ru, short_name_ru, name_kk, short_name_kk]) as spelling
    from {{ ref('places_of_service') }}
),

genders as (
    select 'gender' as domain, gender_code as code, unnest([gender_code, name_ru, alias, name_kk]) as spelling
    from {{ ref('genders') }}
),

legal_forms as (
    select 'legal_form' as domain, legal_form_code as code, unnest([legal_form_code, name_ru, short_name_ru, name_kk, short_name_kk]) as spelling
    from {{ ref('legal_forms') }}
),

sme_categories as (
    select 'sme_category' as domain, sme_category_code as code, unnest([sme_category_code, name_ru, name_kk]) as spelling
    from {{ ref('sme_categories') }}
),

oked_sections as (
    select 'oked_section' as domain, section_code as code, unnest([section_code, name_ru, name_ru_2007, name_kk]) as spelling
    from {{ ref('oked_sections') }}
),

oked_divisions as (
    select 'oked_division' as domain, division_code as code, unnest([division_code, name_ru, name_kk]) as spelling
    from {{ ref('oked_divisions') }}
),

services as (
    select 'service' as domain, service_code as code, unnest([service_code, service_name_ru, service_name_kk]) as spelling
    from {{ ref('services') }}
    union all
    select 'service_subtype', subtype_code, unnest([subtype_code, subtype_name_ru, subtype_name_kk])
    from {{ ref('services') }}
),

channels as (
    select 'channel' as domain, channel_code as code, unnest([channel_code, name_ru, name_kk]) as spelling
    from {{ ref('channels') }}
),

providers as (
    select 'provider' as domain, provider_code as code, unnest([provider_code, name_ru, name_kk]) as spelling
    from {{ ref('providers') }}
),

confirmation_methods as (
    select 'confirmation_method' as domain, method_code as code, unnest([method_code, name_ru, name_kk]) as spelling
    from {{ ref('confirmation_methods') }}
),

call_outcomes as (
    select 'call_outcome' as domain, outcome_code as code, unnest([outcome_code, name_ru, name_kk]) as spelling
    from {{ ref('call_outcomes') }}
),

support_options as (
    select 'financial_support_option' as domain, option_code as code, unnest([option_code, name_ru, name_kk]) as spelling
    from {{ ref('financial_support_options') }}
    union all
    select 'non_financial_support_option', option_code, unnest([option_code, name_ru, name_kk])
    from {{ ref('non_financial_support_options') }}
),

value_aliases as (
    select domain, code, alias as spelling from {{ ref('value_aliases') }}
),

spellings as (
    select * from regions
    union all select * from places_of_service
    union all select * from genders
    union all select * from legal_forms
    union all select * from sme_categories
    union all select * from oked_sections
    union all select * from oked_divisions
    union all select * from services
    union all select * from channels
    union all select * from providers
    union all select * from confirmation_methods
    union all select * from call_outcomes
    union all select * from support_options
    union all select * from value_aliases
),

keyed as (
    select distinct
        domain,
        {{ lookup_key('spelling') }} as lookup_key,
        cast(code as varchar) as code
    from spellings
    where nullif(trim(spelling), '') is not null
)

select domain, lookup_key, code from keyed
