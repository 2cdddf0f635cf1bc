-- Open pipeline per day and opportunity, rebuilt from stage history (SPEC §5, §7): a row for
-- every local day an opportunity was open at its start or its end, up to the as-of date.
-- `open_amount` is the amount open at the end of the day; `opening_amount` at its start,
-- which is the previous day's close (a day starts at the instant the day before ends) and
-- what pipeline_coverage divides. Amounts are in the reporting currency at the day's month rate
-- (int_currency_rates); without a rate they are NULL and left out of pipeline_amount.
with intervals as (
    select * from {{ ref('int_opportunity_stage_intervals') }}
    where is_open
),

opportunities as (
    select opportunity_id, rep_id, fs_rep_id, is_is_sourced, currency from {{ ref('fct_opportunity') }}
),

rates as (
    select * from {{ ref('int_currency_rates') }}
),

as_of as (
    select as_of_date from {{ ref('int_reporting_window') }}
),

days as (
    select
        date_day,
        {{ local_midnight('date_day + 1') }} as day_end_at
    from {{ ref('dim_date') }}
    where date_day <= (select as_of_date from as_of)
        and date_day >= (select cast(min(valid_from) as date) - 1 from intervals)
),

open_at_day_end as (
    select days.date_day, intervals.opportunity_id, intervals.amount
    from days
    inner join intervals
        on days.day_end_at >= intervals.valid_from
        and (intervals.valid_to is null or days.day_end_at < intervals.valid_to)
),

open_at_day_start as (
    select date_day + 1 as date_day, opportunity_id, amount
    from open_at_day_end
    where date_day < (select as_of_date from as_of)
),

final as (
    select
        date_day,
        opportunity_id,
        opportunities.rep_id,
        opportunities.fs_rep_id,
        opportunities.is_is_sourced,
        open_at_day_start.amount * rates.rate as opening_amount,
        open_at_day_end.amount * rates.rate as open_amount
    from open_at_day_end
    full join open_at_day_start using (date_day, opportunity_id)
    inner join opportunities using (opportunity_id)
    left join rates
        on rates.currency = opportunities.currency
        and rates.month_start = cast(date_trunc('month', date_day) as date)
)

select * from final
