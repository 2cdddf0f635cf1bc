-- One row per opportunity (SPEC §7). At rep and team scope it belongs to the IS rep who set
-- its meeting (`rep_id`); without a meeting it is not IS-sourced, and with none or one set outside
-- IS it counts at org scope only.
-- The field-sales owner is `fs_rep_id`. Stage, closed and won are as they stood at the end of the
-- as-of day (int_opportunity_stage_intervals), so a later win never leaks into a past build.
-- `amount` is in the reporting currency (int_currency_rates); a deal in a currency without a rate
-- for its month has none (is_amount_without_rate) and is left out of amount KPIs.
-- Opportunities deleted in the CRM stay flagged in staging and count nowhere.
with opportunities as (
    select * from {{ ref('stg_raw__opportunities') }}
    where not is_deleted
),

reporting_window as (
    select as_of_date, as_of_end from {{ ref('int_reporting_window') }}
),

rates as (
    select * from {{ ref('int_currency_rates') }}
),

-- the stage an opportunity was in at the end of the as-of day, not the record's later state
current_intervals as (
    select * from {{ ref('int_opportunity_stage_intervals') }}
    where valid_to is null
),

meetings as (
    select meeting_id, set_by_rep_id from {{ ref('stg_raw__meetings') }}
    where not is_deleted
),

inside_sales_reps as (
    select rep_id from {{ ref('dim_rep') }}
    where is_inside_sales
),

classified as (
    select
        opportunities.*,
        inside_sales_reps.rep_id as credited_rep_id,
        current_intervals.canonical_stage,
        not current_intervals.is_open as is_closed_then,
        current_intervals.is_won as is_won_then,
        -- the record's closed_at when it says closed by then; else the change that closed it
        case when not current_intervals.is_open then coalesce(
            case when opportunities.closed_at < (select as_of_end from reporting_window) then opportunities.closed_at end,
            current_intervals.valid_from
        ) end as closed_at_then
    from opportunities
    inner join current_intervals using (opportunity_id)
    left join meetings using (meeting_id)
    left join inside_sales_reps on inside_sales_reps.rep_id = meetings.set_by_rep_id
),

dated as (
    select
        *,
        cast({{ local_timestamp('closed_at_then') }} as date) as closed_date,
        -- an amount converts at the rate of the month it is reported in: the closing month, or
        -- the as-of month while the deal is open
        cast(date_trunc('month', coalesce(
            cast({{ local_timestamp('closed_at_then') }} as date), (select as_of_date from reporting_window)
        )) as date) as amount_month
    from classified
),

final as (
    select
        opportunity_id,
        lead_id,
        account_id,
        meeting_id,
        credited_rep_id as rep_id,
        owner_rep_id as fs_rep_id,
        meeting_id is not null as is_is_sourced,
        created_at,
        cast({{ local_timestamp('created_at') }} as date) as created_date,
        canonical_stage as stage,
        dated.amount * rates.rate as amount,
        dated.amount as amount_in_currency,
        dated.currency,
        dated.amount is not null and rates.rate is null as is_amount_without_rate,
        expected_close_date,
        is_closed_then as is_closed,
        is_won_then as is_won,
        is_closed_then and not is_won_then as is_lost,
        closed_at_then as closed_at,
        closed_date
    from dated
    left join rates on rates.currency = dated.currency and rates.month_start = dated.amount_month
)

select * from final
