{#- The interval arithmetic of the quality audit (clauses 5.2, 15, 16), written once.
    orchestration/rules/survey_stats.py is the tested reference for every formula here, with
    the same constants; tests/test_quality_marts.py checks that the marts agree with it.
    Settings (dbt vars, defaults here): quality_min_n — a row with fewer answers is
    flagged is_small_sample (default 10). -#}

{#- Φ⁻¹(0.975): the two-sided 95 % normal quantile. -#}
{% macro quality_z() -%}
    1.959963984540054::double
{%- endmacro %}

{% macro quality_min_n() -%}
    {{ var('quality_min_n', 10) }}
{%- endmacro %}

{#- t(0.975; df): exact for df 1..30 (survey_stats.T_975), above 30 the Cornish–Fisher
    expansion in z (Abramowitz & Stegun 26.7.5; error < 1e-6 there); NULL for df < 1. -#}
{% macro quality_t_975(df) -%}
    {%- set z = quality_z() | trim -%}
    (case
        when ({{ df }}) is null or ({{ df }}) < 1 then null
        when ({{ df }}) <= 30 then list_extract([
            12.7062047361747, 4.30265272974946, 3.18244630528371, 2.77644510519779, 2.57058183563631,
            2.44691185114497, 2.36462425159278, 2.30600413520417, 2.26215716279820, 2.22813885198627,
            2.20098516009164, 2.17881282966723, 2.16036865646279, 2.14478668791780, 2.13144954555977,
            2.11990529922125, 2.10981557783331, 2.10092204024104, 2.09302405440831, 2.08596344726586,
            2.07961384472768, 2.07387306790403, 2.06865761041905, 2.06389856162803, 2.05953855275329,
            2.05552943864287, 2.05183051648028, 2.04840714179525, 2.04522964213270, 2.04227245630123
        ]::double[], ({{ df }})::integer)
        else {{ z }}
            + (pow({{ z }}, 3) + {{ z }}) / 4 / ({{ df }})
            + (5 * pow({{ z }}, 5) + 16 * pow({{ z }}, 3) + 3 * {{ z }}) / 96 / pow({{ df }}, 2)
            + (3 * pow({{ z }}, 7) + 19 * pow({{ z }}, 5) + 17 * pow({{ z }}, 3) - 15 * {{ z }}) / 384 / pow({{ df }}, 3)
            + (79 * pow({{ z }}, 9) + 776 * pow({{ z }}, 7) + 1482 * pow({{ z }}, 5) - 1920 * pow({{ z }}, 3)
               - 945 * {{ z }}) / 92160 / pow({{ df }}, 4)
    end)
{%- endmacro %}

{#- Wilson score interval for x successes of n (NULL when n = 0):
    (p + z²/2n ∓ z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n), clamped to [0, 1]. -#}
{% macro quality_wilson(x, n, side) -%}
    {%- set z = quality_z() | trim -%}
    {%- set sign = '-' if side == 'low' else '+' -%}
    {%- set bound = 'greatest(0.0, ' if side == 'low' else 'least(1.0, ' -%}
    (case when ({{ n }}) > 0 then {{ bound }}
        (
            ({{ x }})::double / ({{ n }}) + {{ z }} * {{ z }} / (2.0 * ({{ n }}))
            {{ sign }} {{ z }} * sqrt(
                (({{ x }})::double / ({{ n }})) * (1 - ({{ x }})::double / ({{ n }})) / ({{ n }})
                + {{ z }} * {{ z }} / (4.0 * ({{ n }}) * ({{ n }}))
            )
        ) / (1 + {{ z }} * {{ z }} / ({{ n }}))
    ) end)
{%- endmacro %}

{#- t interval for a mean: mean ∓ t(0.975; n−1)·sd/√n, clamped to the scale [lowest, highest]
    (a mean of 1-5 scores cannot leave 1-5; small samples would otherwise print 1.5–7.2);
    NULL when n < 2. -#}
{% macro quality_mean_ci(mean, sd, n, side, lowest=1, highest=5) -%}
    {%- set sign = '-' if side == 'low' else '+' -%}
    {%- set bound = 'greatest(' ~ lowest ~ ', ' if side == 'low' else 'least(' ~ highest ~ ', ' -%}
    (case when ({{ n }}) >= 2 and ({{ sd }}) is not null then {{ bound }}
        ({{ mean }}) {{ sign }} {{ quality_t_975('(' ~ n ~ ') - 1') }} * ({{ sd }}) / sqrt({{ n }})
    ) end)
{%- endmacro %}

{#- Sample standard deviation from additive sums (n, Σx, Σx²), so that monthly sums roll
    up into any period; NULL when n < 2. Scores are 1-5, so Σx² − (Σx)²/n loses nothing. -#}
{% macro quality_sd_from_sums(n, sum_x, sum_x2) -%}
    (case when ({{ n }}) >= 2 then
        sqrt(greatest(0.0, (({{ sum_x2 }}) - ({{ sum_x }}) * ({{ sum_x }}) / ({{ n }})) / (({{ n }}) - 1)))
    end)
{%- endmacro %}
