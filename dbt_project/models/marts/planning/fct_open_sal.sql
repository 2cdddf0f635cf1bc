-- Open SALs as of the as-of date (SPEC §6 open SAL forecast): leads whose current stage is `sal`
-- (accepted by field sales, not yet in a proposal stage, not closed or recycled), ranked on the
-- BANT of their latest meeting — A budget, need and timing; B need and timing without budget;
-- C need alone; D anything else — with the rank's probability (mappings/sal_forecast_ranks.csv)
-- and the amount of the lead's open opportunity.
with lifecycle as (
    select * from {{ ref('fct_lead_lifecycle') }}
    where current_stage = 'sal' and not is_deleted
),

latest_meetings as (
    select lead_id, bant_budget, bant_need, bant_timing
    from (
        select *, row_number() over (partition by lead_id order by agreed_at desc, meeting_id desc) as recency
        from {{ ref('fct_meeting') }}
    ) as meetings
    where recency = 1
),

open_opportunities as (
    select lead_id, sum(amount) as open_amount
    from {{ ref('fct_opportunity') }}
    where not is_closed and lead_id is not null
    group by lead_id
),

ranks as (
    select * from {{ ref('sal_forecast_ranks') }}
),

ranked as (
    select
        lifecycle.lead_id,
        lifecycle.sal_rep_id as rep_id,
        lifecycle.first_sal_at,
        lifecycle.current_stage_days as days_in_sal,
        coalesce(latest_meetings.bant_budget, false) as has_budget,
        coalesce(latest_meetings.bant_need, false) as has_need,
        coalesce(latest_meetings.bant_timing, false) as has_timing,
        open_opportunities.open_amount,
        case
            when latest_meetings.bant_budget and latest_meetings.bant_need and latest_meetings.bant_timing then 'A'
            when latest_meetings.bant_need and latest_meetings.bant_timing then 'B'
            when latest_meetings.bant_need then 'C'
            else 'D'
        end as rank
    from lifecycle
    left join latest_meetings using (lead_id)
    left join open_opportunities using (lead_id)
),

final as (
    select
        ranked.*,
        ranks.probability,
        ranks.probability * coalesce(ranked.open_amount, 0) as expected_amount
    from ranked
    inner join ranks on ranks.rank = ranked.rank
)

select * from final
