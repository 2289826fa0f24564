-- The Kazakh twin of every Russian display name the marts carry, by domain: one row per
-- (domain, name_ru). The marts name their rows in Russian (the staged registry turns each
-- cell into the seed's Russian name); macro kazakh_name looks the Kazakh one up here, so
-- both come from the same seed row and a mart never spells a name itself.

select distinct 'region' as domain, name_ru, name_kk from {{ ref('regions') }}
union all
select distinct 'gender', name_ru, name_kk from {{ ref('genders') }}
union all
select 'legal_form', short_name_ru, short_name_kk from {{ ref('legal_forms') }}
union all
select 'sme_category', name_ru, name_kk from {{ ref('sme_categories') }}
union all
select 'oked_section', name_ru, name_kk from {{ ref('oked_sections') }}
union all
select distinct 'service', service_name_ru, service_name_kk from {{ ref('services') }}
union all
select 'service_subtype', subtype_name_ru, subtype_name_kk from {{ ref('services') }}
union all
select 'channel', name_ru, name_kk from {{ ref('channels') }}
union all
select 'provider', name_ru, name_kk from {{ ref('providers') }}
union all
select 'age_group', name_ru, name_kk from {{ ref('age_groups') }}
union all
select distinct 'place_of_service', short_name_ru, short_name_kk from {{ ref('places_of_service') }}
