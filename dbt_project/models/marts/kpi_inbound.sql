-- The inbound line per local day and scope (org, team the rep was in that day, rep): inbound
-- calls, answered, missed, answer rate, callers who called in again within 24 hours and 7 days
-- (再入電発生率, over the calls whose window has passed by the as-of date), missed calls called
-- back and the median minutes to that call back (marts.fct_inbound_call). A missed call no rep
-- took counts in the organisation only.
with inbound as (
    select fct_inbound_call.started_date as activity_date, reps.team, fct_inbound_call.*
    from {{ ref('fct_inbound_call') }} as fct_inbound_call
    {{ join_team_on_date('fct_inbound_call.rep_id', 'fct_inbound_call.started_date') }}
),

counts as (
    select
        {{ kpi_scope_columns('activity_date') }},
        count(*) as inbound_calls,
        count(*) filter (where is_answered) as answered_calls,
        count(called_again_within_24h) as repeat_judged_24h,
        count(*) filter (where called_again_within_24h) as repeat_calls_24h,
        count(called_again_within_7d) as repeat_judged_7d,
        count(*) filter (where called_again_within_7d) as repeat_calls_7d,
        count(*) filter (where not is_answered and callback_minutes is not null) as missed_calls_called_back,
        median(callback_minutes) filter (where not is_answered) as callback_minutes_median
    from inbound
    {{ kpi_scope_grouping('activity_date') }}
),

final as (
    select
        counts.activity_date,
        counts.scope_type,
        counts.scope_id,
        {{ inbound_kpi_columns('counts') }}
    from counts
)

select * from final
order by activity_date, scope_type, scope_id
