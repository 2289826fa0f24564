-- The reporting periods of clause 12 (R11), one row per period:
--   month         every reporting_month present in int_services_counted;
--   quarter       Q1–Q3 calendar quarters, Q4 = 1 October – 30 November (the final annual
--                 report is "as of 1 December", i.e. through the November registry);
--   year_to_date  1 January to 31 March, 30 June, 30 September and 30 November.
-- Closed by the calendar (issue 20): a quarter or a year-to-date is included once its last
-- month's cut-off has passed at the evaluation time — the R5 registry deadline plus the
-- letter's working day (R6) and the correction window (R7), computed in
-- orchestration/rules/deadlines.py (report_cutoff_at) and written to correspondence.month_cutoffs with
-- the evaluation time — whatever was counted. A month with no usable registry (late, R8, or
-- missing) stays in the period with no counted rows: months_counted < months_in_period says
-- so, and the report says which month and why.

with counted_months as (
    select distinct reporting_month
    from {{ ref('int_services_counted') }}
),

month_cutoffs as (
    select
        month,
        cutoff_at,
        evaluated_at
    from {{ source('correspondence', 'month_cutoffs') }}
),

years_in_scope as (
    select distinct year(month) as reporting_year
    from month_cutoffs
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
    from years_in_scope
    cross join reporting_quarters
),

years_to_date as (
    select
        'year_to_date' as period_type,
        make_date(reporting_year, 1, 1) as period_start,
        last_day(make_date(reporting_year, last_month, 1)) as period_end,
        reporting_year || '-Q' || quarter_no || '-YTD' as period_label,
        reporting_year || '-' || report_suffix as report_period
    from years_in_scope
    cross join reporting_quarters
),

closed_quarters_and_years_to_date as (
    select periods.*
    from (
        select * from quarters
        union all
        select * from years_to_date
    ) as periods
    inner join month_cutoffs
        on month_cutoffs.month = date_trunc('month', periods.period_end)
    where month_cutoffs.cutoff_at < month_cutoffs.evaluated_at
),

reportable_periods as (
    select * from months
    union all
    select * from closed_quarters_and_years_to_date
),

periods_with_month_counts as (
    select
        reportable_periods.period_type,
        reportable_periods.period_start,
        reportable_periods.period_end,
        reportable_periods.period_label,
        reportable_periods.report_period,
        (datediff('month', reportable_periods.period_start, reportable_periods.period_end) + 1)::integer
            as months_in_period,
        count(counted_months.reporting_month)::integer as months_counted
    from reportable_periods
    left join counted_months
        on counted_months.reporting_month between reportable_periods.period_start and reportable_periods.period_end
    group by all
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
