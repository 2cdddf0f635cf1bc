-- Open pipeline per local day and IS rep (SPEC §5 pipeline_amount, pipeline_coverage): the sum
-- of fct_pipeline_daily by the rep who set each deal's meeting (NULL: deals without a meeting,
-- org scope only), with a row for every day from the first quarter with data (or the first open
-- deal, if earlier) to the as-of day,
-- 0 where nothing was open. The period sheets and the semantic layer both read it, so the
-- pipeline at a period's end and at its start is the same number in both, even for a period
-- that begins with nothing open.
with pipeline as (
    select * from {{ ref('fct_pipeline_daily') }}
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
            coalesce((select min(date_day) from pipeline), reporting_window.first_activity_date)
        )
        and dim_date.date_day <= reporting_window.as_of_date
),

reps as (
    select distinct rep_id from pipeline
),

balances as (
    select
        date_day,
        rep_id,
        {{ exact_sum('open_amount') }} as open_amount,
        {{ exact_sum('opening_amount') }} as opening_amount
    from pipeline
    group by date_day, rep_id
),

final as (
    select
        days.date_day,
        reps.rep_id,
        coalesce(balances.open_amount, 0) as open_amount,
        coalesce(balances.opening_amount, 0) as opening_amount
    from days
    cross join reps
    left join balances
        on balances.date_day = days.date_day
        and balances.rep_id is not distinct from reps.rep_id
)

select * from final
