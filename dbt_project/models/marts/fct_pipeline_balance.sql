-- Open pipeline per local day and IS rep (SPEC §5 pipeline_amount, pipeline_coverage), by the rep
-- who set each deal's meeting (NULL: deals without a meeting, org scope only), with a row for
-- every day from the first quarter with data (or the first open deal, if earlier) to the as-of
-- day, 0 where nothing was open. The period sheets and the semantic layer both read it, so the
-- pipeline at a period's end and at its start is the same number in both, even for a period
-- that begins with nothing open.
--
-- Built from the intervals' starts and ends, not from a row per deal per day: each open interval
-- adds its amount on its first day and takes it away on its last, and a running sum per rep and
-- currency gives the balance at every day's end (rows: days × reps × currencies, whatever the
-- number of deals). `open_amount` is the balance at the day's end, `opening_amount` at its start
-- (the previous day's end), both converted at the day's month rate (int_currency_rates); a
-- currency without a rate is left out.
with intervals as (
    select * from {{ ref('fct_opportunity_stage_interval') }}
    where is_open and open_from_day is distinct from open_until_day
),

rates as (
    select * from {{ ref('int_currency_rates') }}
),

reporting_window as (
    select * from {{ ref('int_reporting_window') }}
),

days as (
    select dim_date.date_day
    from {{ ref('dim_date') }} as dim_date
    cross join reporting_window
    where dim_date.date_day >= least(
        cast(date_trunc('quarter', reporting_window.first_activity_date) as date),
        coalesce((select min(open_from_day) from intervals), reporting_window.first_activity_date)
    )
    and dim_date.date_day <= reporting_window.as_of_date
),

-- exact decimals, so that what an interval adds it takes away to the last digit
changes as (
    select rep_id, currency, open_from_day as date_day, cast(amount as decimal(38, 9)) as change
    from intervals
    union all
    select rep_id, currency, open_until_day, -cast(amount as decimal(38, 9))
    from intervals
    where open_until_day is not null
),

daily_changes as (
    select rep_id, currency, date_day, sum(change) as change
    from changes
    group by all
),

books as (
    select distinct rep_id, currency from intervals
),

balances as (
    select
        days.date_day,
        books.rep_id,
        books.currency,
        sum(coalesce(daily_changes.change, 0)) over (
            partition by books.rep_id, books.currency order by days.date_day rows unbounded preceding
        ) as balance
    from days
    cross join books
    left join daily_changes
        on
            daily_changes.date_day = days.date_day
            and daily_changes.rep_id is not distinct from books.rep_id
            and daily_changes.currency is not distinct from books.currency
),

converted as (
    select
        balances.date_day,
        balances.rep_id,
        balances.balance * rates.rate as open_amount,
        lag(balances.balance, 1, 0) over (
            partition by balances.rep_id, balances.currency order by balances.date_day
        ) * rates.rate as opening_amount
    from balances
    left join rates
        on
            rates.currency = balances.currency
            and rates.month_start = cast(date_trunc('month', balances.date_day) as date)
),

final as (
    select
        date_day,
        rep_id,
        coalesce({{ exact_sum('open_amount') }}, 0) as open_amount,
        coalesce({{ exact_sum('opening_amount') }}, 0) as opening_amount
    from converted
    group by date_day, rep_id
)

select * from final
