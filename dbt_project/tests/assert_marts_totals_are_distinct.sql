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

with counted as (
    select reporting_month, region_code, client_number, person_number
    from {{ ref('int_services_counted') }}
),

-- Reduced per month before the periods are joined (a client served twice in a month and
-- region is one row here), and each measure on its own: the same counts as a distinct count
-- over all services in the period, at a fraction of the rows copied into periods.
client_months as (
    select distinct reporting_month, region_code, client_number from counted
),

person_months as (
    select distinct reporting_month, region_code, person_number from counted
),

service_months as (
    select reporting_month, region_code, count(*) as services from counted group by all
),

periods as (
    select period_type, period_start, period_end from {{ ref('reporting_periods') }}
),

direct_clients as (
    select periods.period_type, periods.period_start, periods.period_end, client_months.region_code,
        count(distinct client_months.client_number) as clients
    from client_months
    inner join periods
        on client_months.reporting_month between periods.period_start and periods.period_end
    group by periods.period_type, periods.period_start, periods.period_end,
        grouping sets ((client_months.region_code), ())
),

direct_persons as (
    select periods.period_type, periods.period_start, periods.period_end, person_months.region_code,
        count(distinct person_months.person_number) as persons
    from person_months
    inner join periods
        on person_months.reporting_month between periods.period_start and periods.period_end
    group by periods.period_type, periods.period_start, periods.period_end,
        grouping sets ((person_months.region_code), ())
),

direct_services as (
    select periods.period_type, periods.period_start, periods.period_end, service_months.region_code,
        sum(service_months.services) as services
    from service_months
    inner join periods
        on service_months.reporting_month between periods.period_start and periods.period_end
    group by periods.period_type, periods.period_start, periods.period_end,
        grouping sets ((service_months.region_code), ())
),

direct_totals as (
    -- the three have the same (period, region) rows (a month and region with services has a
    -- row in each, a null key included); full joins keep any row either way, counts 0 as before
    select
        coalesce(direct_services.period_type, direct_clients.period_type, direct_persons.period_type)
            as period_type,
        coalesce(direct_services.period_start, direct_clients.period_start, direct_persons.period_start)
            as period_start,
        coalesce(direct_services.period_end, direct_clients.period_end, direct_persons.period_end)
            as period_end,
        coalesce(direct_services.region_code, direct_clients.region_code, direct_persons.region_code)
            as region_code,
        coalesce(direct_clients.clients, 0) as clients,
        coalesce(direct_persons.persons, 0) as persons,
        coalesce(direct_services.services, 0) as services
    from direct_services
    full outer join direct_clients
        on direct_clients.period_type = direct_services.period_type
        and direct_clients.period_start = direct_services.period_start
        and direct_clients.period_end = direct_services.period_end
        and direct_clients.region_code is not distinct from direct_services.region_code
    full outer join direct_persons
        on direct_persons.period_type = coalesce(direct_services.period_type, direct_clients.period_type)
        and direct_persons.period_start = coalesce(direct_services.period_start, direct_clients.period_start)
        and direct_persons.period_end = coalesce(direct_services.period_end, direct_clients.period_end)
        and direct_persons.region_code is not distinct from
            coalesce(direct_services.region_code, direct_clients.region_code)
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
