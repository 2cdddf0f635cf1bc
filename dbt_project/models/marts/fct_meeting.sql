-- One row per meeting (SPEC §7), credited to the IS rep who set it (`rep_id`; NULL when whoever
-- set it is not in IS: the organisation's meeting, counted at org scope only), on its agreed date.
-- A meeting is valid (有効商談) when it was held and its lead reached `sal` (accepted by FS).
with meetings as (
    select * from {{ ref('int_meetings_ranked') }}
),

inside_sales_reps as (
    select rep_id from {{ ref('dim_rep') }}
    where is_inside_sales
),

lifecycle as (
    select lead_id, reached_sal from {{ ref('fct_lead_lifecycle') }}
),

final as (
    select
        meetings.meeting_id,
        meetings.lead_id,
        inside_sales_reps.rep_id,
        meetings.set_by_rep_id,
        meetings.fs_rep_id,
        meetings.agreed_at,
        meetings.agreed_date,
        meetings.date_confirmed_at,
        meetings.scheduled_for,
        meetings.status,
        meetings.bant_budget,
        meetings.bant_authority,
        meetings.bant_need,
        meetings.bant_timing,
        meetings.handoff_score,
        meetings.is_first_meeting_of_lead,
        meetings.touches_before,
        meetings.date_confirmed_at is not null as is_date_confirmed,
        meetings.status = 'held' as is_held,
        meetings.status in ('cancelled', 'no_show') as is_cancelled_or_no_show,
        coalesce(meetings.bant_budget and meetings.bant_authority and meetings.bant_need and meetings.bant_timing, false)
            as is_bant_complete,
        meetings.status = 'held' and coalesce(lifecycle.reached_sal, false) as is_valid
    from meetings
    left join lifecycle using (lead_id)
    left join inside_sales_reps on inside_sales_reps.rep_id = meetings.set_by_rep_id
)

select * from final
