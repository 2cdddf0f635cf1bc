-- When to call (SPEC §7): connect rate by local weekday × hour of day, per month and scope.
with calls as (
    select * from {{ ref('fct_call') }}
    where is_dial
),

attributed as (
    select cast(date_trunc('month', calls.started_date) as date) as month_start, reps.team, calls.*
    from calls
    {{ join_team_on_date('calls.rep_id', 'calls.started_date') }}
),

final as (
    select
        {{ kpi_scope_columns('month_start') }},
        started_iso_day_of_week,
        started_hour,
        count(*) as dials,
        count(*) filter (where is_connected) as connected_calls,
        {{ safe_ratio('count(*) filter (where is_connected)', 'count(*)') }} as connect_rate
    from attributed
    {{ kpi_scope_grouping('month_start', also_by=['started_iso_day_of_week', 'started_hour']) }}
)

select * from final
order by month_start, scope_type, scope_id, started_iso_day_of_week, started_hour
