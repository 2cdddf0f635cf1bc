-- The periods a KPI sheet is built over besides calendar weeks, months and quarters (macro
-- kpi_period_sheet), one row each as [window_from, window_until):
--   trailing                 the three complete months before the month after the as-of date,
--                            which planning reads (SPEC §6 target suggestion, reverse plan);
--   <grain>_before_to_date   the previous week / month / quarter up to its b-th business day,
--                            b being the business days of the as-of period elapsed by the as-of
--                            date: what a part period is compared with (SPEC §6 差分比較);
--                            with the as-of period's start (current_start), whether it is still
--                            running (is_partial) and the first period with data.
with reporting_window as (
    select * from {{ ref('int_reporting_window') }}
),

dates as (
    select * from {{ ref('dim_date') }}
),

current_periods as (
    {%- for grain in ['week', 'month', 'quarter'] %}
        select
            '{{ grain }}' as grain,
            cast(date_trunc('{{ grain }}', as_of_date) as date) as current_start,
            cast(date_trunc('{{ grain }}', as_of_date) + {{ one_period(grain) }} as date) as current_until,
            cast(date_trunc('{{ grain }}', as_of_date) - {{ one_period(grain) }} as date) as previous_start,
            cast(date_trunc('{{ grain }}', first_activity_date) as date) as first_period_start,
            as_of_date
        from reporting_window
        {{ "union all" if not loop.last }}
    {%- endfor %}
),

elapsed as (
    select
        current_periods.grain,
        current_periods.current_start,
        current_periods.current_until,
        current_periods.previous_start,
        current_periods.first_period_start,
        current_periods.as_of_date,
        count(*) filter (where dates.is_business_day) as business_days_elapsed
    from current_periods
    inner join dates on dates.date_day >= current_periods.current_start and dates.date_day <= current_periods.as_of_date
    group by all
),

previous_business_days as (
    select
        elapsed.grain,
        dates.date_day,
        row_number() over (partition by elapsed.grain order by dates.date_day) as business_day_number
    from elapsed
    inner join dates
        on dates.date_day >= elapsed.previous_start and dates.date_day < elapsed.current_start and dates.is_business_day
),

to_date_before as (
    select
        elapsed.grain || '_before_to_date' as window_name,
        elapsed.grain,
        elapsed.business_days_elapsed,
        elapsed.as_of_date + 1 < elapsed.current_until as is_partial,
        elapsed.current_start,
        elapsed.first_period_start,
        elapsed.previous_start as window_from,
        case
            when elapsed.business_days_elapsed = 0 then elapsed.previous_start
            else coalesce(cast(previous_business_days.date_day + 1 as date), elapsed.current_start)
        end as window_until
    from elapsed
    left join previous_business_days
        on
            previous_business_days.grain = elapsed.grain
            and previous_business_days.business_day_number = elapsed.business_days_elapsed
),

final as (
    select
        'trailing' as window_name,
        'month' as grain,
        cast(null as integer) as business_days_elapsed,
        false as is_partial,
        cast(null as date) as current_start,
        cast(null as date) as first_period_start,
        cast(date_trunc('month', as_of_date + 1) - interval 3 month as date) as window_from,
        cast(date_trunc('month', as_of_date + 1) as date) as window_until
    from reporting_window

    union all

    select window_name, grain, business_days_elapsed, is_partial, current_start, first_period_start, window_from, window_until
    from to_date_before
)

select * from final
