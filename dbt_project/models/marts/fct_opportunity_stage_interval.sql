-- Each opportunity's life as intervals of one stage and amount (int_opportunity_stage_intervals),
-- with the local days they cover: the pipeline of any past day is the open intervals that cover
-- it, so a day's pipeline is a range lookup here rather than a row per deal per day (which grows
-- every night for every deal a CRM never closes).
--   open_from_day:  the first local day at whose end the interval holds;
--   open_until_day: the first local day at whose end it no longer does (NULL: it still holds).
-- An interval that begins and ends within one day covers no day (open_from_day = open_until_day).
-- `amount` is in the deal's currency; fct_pipeline_balance converts at the month's rate.
with intervals as (
    select * from {{ ref('int_opportunity_stage_intervals') }}
),

opportunities as (
    select opportunity_id, rep_id, fs_rep_id, is_is_sourced, currency from {{ ref('fct_opportunity') }}
),

final as (
    select
        intervals.opportunity_id,
        opportunities.rep_id,
        opportunities.fs_rep_id,
        opportunities.is_is_sourced,
        intervals.stage,
        intervals.canonical_stage,
        intervals.is_open,
        intervals.is_won,
        intervals.amount,
        opportunities.currency,
        intervals.change_source,
        intervals.valid_from,
        intervals.valid_to,
        -- a day ends at the next day's local midnight: the interval holds at a day's end when it
        -- began at or before that midnight, so one beginning exactly at midnight holds the day before
        cast({{ local_timestamp('intervals.valid_from') }} - interval 1 microsecond as date) as open_from_day,
        cast({{ local_timestamp('intervals.valid_to') }} - interval 1 microsecond as date) as open_until_day
    from intervals
    inner join opportunities using (opportunity_id)
)

select * from final
