-- The reporting periods of clause 12 (R11), one row per period, for every year with counted data:
--   month         every reporting_month present in int_services_counted;
--   quarter       Q1–Q3 calendar quarters, Q4 = 1 October – 30 November (the final annual
--                 report is "as of 1 December", i.e. through the November registry);
--   year_to_date  1 January to 31 March, 30 June, 30 September and 30 November.
-- Inclusion rule: a month is included when it has counted services; a quarter or a
-- year-to-date is included when (1) period_end <= the last day of the latest
-- reporting_month present (the period is closed: its last registry is in) and (2) at least
-- one of its months has counted services. A month inside it may still have none (a
-- registry left out as late, R8): months_counted < months_in_period says so.

with counted_months as (
    select distinct reporting_month
    from {{ ref('int_services_counted') }}
),

data_end as (
    select last_day(max(reporting_month)) as last_counted_day
    from counted_months
),

counted_years as (
    select distinct year(reporting_month) as reporting_year
    from counted_months
),

reporting_quarters as (
    -- quarter_no, first and last month; report_suffix names the report the quarter ends
    select *
    from (
        values
            (1, 1, 3, 'Q1'),
            (2, 4, 6, 'Q2'),
            (3, 7, 9, 'Q3'),
            (4, 10, 11, 'final')
    ) as quarters (quarter_no, first_month, last_month, report_suffix)
),

months as (
    select
        'month' as period_type,
        reporting_month as period_start,
        last_day(reporting_month) as period_end,
        strftime(reporting_month, '%Y-%m') as period_label,
        null::varchar as report_period
    from counted_months
),

quarters as (
    select
        'quarter' as period_type,
        make_date(reporting_year, first_month, 1) as period_start,
        last_day(make_date(reporting_year, last_month, 1)) as period_end,
        reporting_year || '-Q' || quarter_no as period_label,
        reporting_year || '-' || report_suffix as report_period
    from counted_years
    cross join reporting_quarters
),

years_to_date as (
    select
        'year_to_date' as period_type,
        make_date(reporting_year, 1, 1) as period_start,
        last_day(make_date(reporting_year, last_month, 1)) as period_end,
        reporting_year || '-Q' || quarter_no || '-YTD' as period_label,
        reporting_year || '-' || report_suffix as report_period
    from counted_years
    cross join reporting_quarters
),

candidate_periods as (
    select * from months
    union all
    select * from quarters
    union all
    select * from years_to_date
),

closed_periods as (
    select candidate_periods.*
    from candidate_periods
    cross join data_end
    where candidate_periods.period_end <= data_end.last_counted_day
),

periods_with_month_counts as (
    select
        closed_periods.period_type,
        closed_periods.period_start,
        closed_periods.period_end,
        closed_periods.period_label,
        closed_periods.report_period,
        (datediff('month', closed_periods.period_start, closed_periods.period_end) + 1)::integer as months_in_period,
        count(counted_months.reporting_month)::integer as months_counted
    from closed_periods
    left join counted_months
        on counted_months.reporting_month between closed_periods.period_start and closed_periods.period_end
    group by all
    having count(counted_months.reporting_month) > 0
)

select
    period_type,
    period_start,
    period_end,
    period_label,
    report_period,
    months_in_period,
    months_counted
from periods_with_month_counts
