-- Every mart's total rows are distinct counts over their whole period, not sums (clause 5.1,
-- interpretation "distinct counts are never summed"): for each of I1–I9 and each reporting
-- period, the all-regions total row and each region's total row must equal a count computed
-- directly over int_services_counted — distinct client_key (I1–I3, I6), distinct person_key
-- (I4, I5), services (I7–I9) — by a plain range join, independent of the marts' month masks.
-- A total built as a sum of months or of regions would count a client served twice more than
-- once and fail here. Returns one row per mismatch (none = pass).

{%- set marts = [
    ('i1_clients_by_region', 'clients', [], 'clients'),
    ('i2_clients_by_sector', 'clients', ['oked_section'], 'clients'),
    ('i3_enterprises_by_legal_form', 'enterprises', ['legal_form'], 'clients'),
    ('i4_persons_by_gender', 'persons', ['gender'], 'persons'),
    ('i5_persons_by_age_group', 'persons', ['age_group'], 'persons'),
    ('i6_clients_by_sme_category', 'clients', ['sme_category'], 'clients'),
    ('i7_services_by_type', 'services', ['service', 'service_subtype'], 'services'),
    ('i8_services_by_provider', 'services', ['provider'], 'services'),
    ('i9_services_by_channel', 'services', ['channel'], 'services'),
] %}

with services_in_periods as (
    select
        reporting_periods.period_type,
        reporting_periods.period_start,
        reporting_periods.period_end,
        counted.region_code,
        counted.client_key,
        counted.person_key
    from {{ ref('int_services_counted') }} as counted
    inner join {{ ref('reporting_periods') }} as reporting_periods
        on counted.reporting_month between reporting_periods.period_start and reporting_periods.period_end
),

direct_totals as (
    select
        period_type,
        period_start,
        period_end,
        region_code,
        count(distinct client_key) as clients,
        count(distinct person_key) as persons,
        count(*) as services
    from services_in_periods
    group by
        period_type,
        period_start,
        period_end,
        grouping sets ((region_code), ())
),

mart_totals as (
    {%- for mart, count_column, dimensions, measure in marts %}
    select
        '{{ mart }}' as mart,
        '{{ measure }}' as measure,
        period_type,
        period_start,
        period_end,
        region_code,
        {{ count_column }} as mart_count
    from {{ ref(mart) }}
    {%- if dimensions %}
    where {% for dimension in dimensions %}{{ dimension }} is null{% if not loop.last %} and {% endif %}{% endfor %}
    {%- endif %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

expected_totals as (
    -- every mart must hold every total the services give
    {%- for mart, count_column, dimensions, measure in marts %}
    select
        '{{ mart }}' as mart,
        period_type,
        period_start,
        period_end,
        region_code,
        {{ measure }} as direct_count
    from direct_totals
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

compared as (
    select
        coalesce(expected_totals.mart, mart_totals.mart) as mart,
        coalesce(expected_totals.period_type, mart_totals.period_type) as period_type,
        coalesce(expected_totals.period_start, mart_totals.period_start) as period_start,
        coalesce(expected_totals.period_end, mart_totals.period_end) as period_end,
        coalesce(expected_totals.region_code, mart_totals.region_code) as region_code,
        expected_totals.direct_count,
        mart_totals.mart_count
    from expected_totals
    full outer join mart_totals
        on expected_totals.mart = mart_totals.mart
        and expected_totals.period_type = mart_totals.period_type
        and expected_totals.period_start = mart_totals.period_start
        and expected_totals.period_end = mart_totals.period_end
        and expected_totals.region_code is not distinct from mart_totals.region_code
)

select *
from compared
where direct_count is distinct from mart_count
