-- Every region with a counted service in a period has its region-total row (dimension null)
-- in every mart I1–I9 for that period, and no mart has a region the services do not have:
-- the marts answer the same regions, so the report's tables line up. Returns the mismatches.

{%- set marts = [
    ('i1_clients_by_region', []),
    ('i2_clients_by_sector', ['oked_section']),
    ('i3_enterprises_by_legal_form', ['legal_form']),
    ('i4_persons_by_gender', ['gender']),
    ('i5_persons_by_age_group', ['age_group']),
    ('i6_clients_by_sme_category', ['sme_category']),
    ('i7_services_by_type', ['service', 'service_subtype']),
    ('i8_services_by_provider', ['provider']),
    ('i9_services_by_channel', ['channel']),
] %}

with regions_served as (
    select distinct
        reporting_periods.period_type,
        reporting_periods.period_start,
        reporting_periods.period_end,
        counted.region_code
    from {{ ref('int_services_counted') }} as counted
    inner join {{ ref('reporting_periods') }} as reporting_periods
        on counted.reporting_month between reporting_periods.period_start and reporting_periods.period_end
),

expected_region_rows as (
    {%- for mart, dimensions in marts %}
    select '{{ mart }}' as mart, period_type, period_start, period_end, region_code
    from regions_served
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

region_total_rows as (
    {%- for mart, dimensions in marts %}
    select '{{ mart }}' as mart, period_type, period_start, period_end, region_code
    from {{ ref(mart) }}
    where region_code is not null
    {%- for dimension in dimensions %}
        and {{ dimension }} is null
    {%- endfor %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

missing as (
    select 'missing region total' as problem, * from expected_region_rows
    except
    select 'missing region total' as problem, * from region_total_rows
),

unexpected as (
    select 'region without services' as problem, * from region_total_rows
    except
    select 'region without services' as problem, * from expected_region_rows
)

select * from missing
union all
select * from unexpected
