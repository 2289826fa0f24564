{#- Generic test for the quality marts: every estimate is well formed — n > 0; a share lies
    in [0, 1] with successes in 0..n, a score in [1, 5]; the interval (when present) holds
    the value; is_small_sample is exactly n < quality_min_n; a phone-survey row's calls
    answered do not exceed the calls behind it. Returns the offending rows. -#}
{% test quality_estimates_well_formed(model) %}
    select *
    from {{ model }}
    where n is null or n <= 0
        or value is null
        or (unit = 'share' and (value < 0 or value > 1 or successes is null or successes < 0 or successes > n))
        or (unit = 'score' and (value < 1 or value > 5))
        or unit not in ('share', 'score')
        or (ci_low is not null and (ci_low > value + 1e-9 or ci_high < value - 1e-9))
        or (ci_low is null and (unit = 'share' or n >= 2))
        or is_small_sample is distinct from (n < {{ quality_min_n() }})
        or (calls_answered > calls_behind)
{% endtest %}
