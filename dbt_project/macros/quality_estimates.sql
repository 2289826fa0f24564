{#- The machinery shared by the quality marts (q1_quality, q2_satisfaction,
    q3_financial_support_interest, q_service_confirmation[_by_manager]).

    A mart lists its observations in a long relation — one row per answer and measure:
        reporting_month, <breakdown columns>, measure, observation (a 1-5 score, or 0/1 for
        a share), is_linked
    — its calls (reporting_month, <breakdown columns>, is_called, is_answered) and its
    measures (measure, measure_name, measure_name_kk (its Kazakh twin), measure_sort_order, unit 'score' | 'share', source
    'phone_survey' | 'questionnaire'). This macro emits the CTEs that turn them into one row
    per reporting period × breakdown row × measure, ending with `quality_rows`.

    Breakdowns: every breakdown column alone and the all-rows total (NULL = all), as grouping
    sets. An answer whose breakdown value is unknown (an unlinked questionnaire has no region)
    counts in the total but in no row of that breakdown: NULL always means "all".
    Sums (n, Σx, Σx², the 1-5 counts) are additive, so they are taken per month first and
    summed into periods through the reporting-period spine (marts_period_months). -#}

{% macro quality_grouping_sets(breakdowns) -%}
    grouping sets (
        (){% for b in breakdowns %},
        ({{ b }}){% endfor %}
    )
{%- endmacro %}

{% macro quality_known_breakdowns(breakdowns) -%}
    {%- for b in breakdowns %}
        {% if not loop.first %}and {% endif %}(grouping({{ b }}) = 1 or {{ b }} is not null)
    {%- endfor %}
{%- endmacro %}

{% macro quality_estimates(observations, calls, measures, breakdowns) -%}

monthly_observations as (
    select
        reporting_month,
        {% for b in breakdowns %}{{ b }},
        {% endfor -%}
        measure,
        count(*) as n,
        sum(observation) as sum_x,
        sum(observation * observation) as sum_x2,
        {% for s in range(1, 6) -%}
        count(*) filter (where observation = {{ s }}) as score_{{ s }},
        {% endfor -%}
        count(*) filter (where not is_linked) as unlinked
    from {{ observations }}
    where observation is not null
    group by reporting_month, measure, {{ quality_grouping_sets(breakdowns) }}
    having {{ quality_known_breakdowns(breakdowns) }}
),

monthly_calls as (
    select
        reporting_month,
        {% for b in breakdowns %}{{ b }},
        {% endfor -%}
        count(*) as calls_behind,
        count(*) filter (where is_answered) as calls_answered
    from {{ calls }}
    where is_called
    group by reporting_month, {{ quality_grouping_sets(breakdowns) }}
    having {{ quality_known_breakdowns(breakdowns) }}
),

period_months as (
    {{ marts_period_months() }}
),

period_observations as (
    select
        period_months.period_type,
        period_months.period_start,
        period_months.period_end,
        {% for b in breakdowns %}monthly_observations.{{ b }},
        {% endfor -%}
        monthly_observations.measure,
        sum(monthly_observations.n)::bigint as n,
        sum(monthly_observations.sum_x)::double as sum_x,
        sum(monthly_observations.sum_x2)::double as sum_x2,
        {% for s in range(1, 6) -%}
        sum(monthly_observations.score_{{ s }})::bigint as score_{{ s }},
        {% endfor -%}
        sum(monthly_observations.unlinked)::bigint as unlinked
    from monthly_observations
    inner join period_months on period_months.reporting_month = monthly_observations.reporting_month
    group by all
),

period_calls as (
    select
        period_months.period_type,
        period_months.period_start,
        period_months.period_end,
        {% for b in breakdowns %}monthly_calls.{{ b }},
        {% endfor -%}
        sum(monthly_calls.calls_behind)::bigint as calls_behind,
        sum(monthly_calls.calls_answered)::bigint as calls_answered
    from monthly_calls
    inner join period_months on period_months.reporting_month = monthly_calls.reporting_month
    group by all
),

estimates as (
    -- the value and its 95 % interval: Wilson for a share, t for a mean score
    select
        period_observations.*,
        {{ measures }}.measure_name,
        {{ measures }}.measure_name_kk,
        {{ measures }}.measure_sort_order,
        {{ measures }}.unit,
        {{ measures }}.source,
        period_observations.sum_x / period_observations.n as value,
        {{ quality_sd_from_sums('period_observations.n', 'period_observations.sum_x', 'period_observations.sum_x2') }} as sd
    from period_observations
    inner join {{ measures }} on {{ measures }}.measure = period_observations.measure
),

quality_rows as (
    select
        estimates.period_type,
        estimates.period_start,
        estimates.period_end,
        {% for b in breakdowns %}estimates.{{ b }},
        {% endfor -%}
        estimates.measure,
        estimates.measure_name,
        estimates.measure_name_kk,
        estimates.measure_sort_order,
        estimates.unit,
        estimates.source,
        estimates.n,
        estimates.value,
        case
            when estimates.unit = 'share' then {{ quality_wilson('estimates.sum_x', 'estimates.n', 'low') }}
            else {{ quality_mean_ci('estimates.value', 'estimates.sd', 'estimates.n', 'low') }}
        end as ci_low,
        case
            when estimates.unit = 'share' then {{ quality_wilson('estimates.sum_x', 'estimates.n', 'high') }}
            else {{ quality_mean_ci('estimates.value', 'estimates.sd', 'estimates.n', 'high') }}
        end as ci_high,
        case when estimates.unit = 'share' then estimates.sum_x::bigint end as successes,
        case when estimates.unit = 'score' then estimates.sd end as sd,
        {% for s in range(1, 6) -%}
        case when estimates.unit = 'score' then estimates.score_{{ s }} end as score_{{ s }},
        {% endfor -%}
        estimates.n < {{ quality_min_n() }} as is_small_sample,
        estimates.unlinked,
        period_calls.calls_behind,
        period_calls.calls_answered,
        period_calls.calls_answered / nullif(period_calls.calls_behind, 0) as response_rate
    from estimates
    left join period_calls
        on estimates.source = 'phone_survey'
        and period_calls.period_type = estimates.period_type
        and period_calls.period_start = estimates.period_start
        and period_calls.period_end = estimates.period_end
        {% for b in breakdowns -%}
        and period_calls.{{ b }} is not distinct from estimates.{{ b }}
        {% endfor %}
)

{%- endmacro %}

{#- Names for the breakdown codes, as the report prints them: the region's official name
    at the period's end (and its sort order), the service's name, the centre kind's short
    name (ЦОП, ЦПП, МЦПП, Онлайн) as `place_of_service`; each with its Kazakh twin
    (region_kk, service_kk, place_of_service_kk) from the same seeds. -#}
{% macro quality_named_breakdowns(rows) -%}

official_regions as (
    {{ marts_official_regions() }}
),

service_names as (
    select
        service_code,
        any_value(service_name_ru) as service,
        any_value(service_name_kk) as service_kk,
        min(sort_order) as service_sort_order
    from {{ ref('services') }}
    group by service_code
),

centre_names as (
    select
        centre_kind,
        any_value(short_name_ru) as place_of_service,
        any_value(short_name_kk) as place_of_service_kk
    from {{ ref('places_of_service') }}
    group by centre_kind
),

named_rows as (
    select
        {{ rows }}.*,
        official_regions.region,
        official_regions.region_kk,
        official_regions.region_sort_order,
        service_names.service,
        service_names.service_kk,
        service_names.service_sort_order,
        centre_names.place_of_service,
        centre_names.place_of_service_kk
    from {{ rows }}
    left join official_regions
        on official_regions.region_code = {{ rows }}.region_code
        and {{ rows }}.period_end between official_regions.valid_from and official_regions.valid_to
    left join service_names on service_names.service_code = {{ rows }}.service_code
    left join centre_names on centre_names.centre_kind = {{ rows }}.centre_kind
)

{%- endmacro %}
