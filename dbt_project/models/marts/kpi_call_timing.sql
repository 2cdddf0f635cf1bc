-- When to call (SPEC §7): connect rate by local weekday × hour of day, per month and scope, with
-- the evidence behind it: the dials and connections, a 95% Wilson interval of the rate, whether
-- the cell has too few dials to say anything (var call_timing_min_dials), the scope's own connect
-- rate that month, and whether the cell beats it beyond chance (its interval's low bound is above
-- it). 3 connections of 4 dials read 75%, and 30%–95% beside it: no advice.
with calls as (
    select * from {{ ref('fct_call') }}
    where is_dial
),

attributed as (
    select cast(date_trunc('month', calls.started_date) as date) as month_start, reps.team, calls.*
    from calls
    {{ join_team_on_date('calls.rep_id', 'calls.started_date') }}
),

cells as (
    select
        {{ kpi_scope_columns('month_start') }},
        started_iso_day_of_week,
        started_hour,
        count(*) as dials,
        count(*) filter (where is_connected) as connected_calls
    from attributed
    {{ kpi_scope_grouping('month_start', also_by=['started_iso_day_of_week', 'started_hour']) }}
),

bounded as (
    select
        *,
        {{ wilson_bound('connected_calls', 'dials', 0.95, 'low') }} as connect_rate_low,
        {{ wilson_bound('connected_calls', 'dials', 0.95, 'high') }} as connect_rate_high
    from cells
),

scope_rates as (
    select
        month_start,
        scope_type,
        scope_id,
        sum(connected_calls) / sum(dials) as scope_connect_rate
    from cells
    group by month_start, scope_type, scope_id
),

final as (
    select
        cells.month_start,
        cells.scope_type,
        cells.scope_id,
        cells.started_iso_day_of_week,
        cells.started_hour,
        cells.dials,
        cells.connected_calls,
        {{ safe_ratio('cells.connected_calls', 'cells.dials') }} as connect_rate,
        cells.connect_rate_low,
        cells.connect_rate_high,
        cells.dials < {{ var('call_timing_min_dials') }} as has_too_little_data,
        scope_rates.scope_connect_rate,
        cells.dials >= {{ var('call_timing_min_dials') }} and cells.connect_rate_low > scope_rates.scope_connect_rate
            as beats_scope_rate
    from bounded as cells
    inner join scope_rates using (month_start, scope_type, scope_id)
)

select * from final
order by month_start, scope_type, scope_id, started_iso_day_of_week, started_hour
