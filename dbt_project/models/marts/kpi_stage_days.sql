-- ステージ滞留日数 (SPEC §5 stage_days): per month a stage was entered, scope (the IS rep the
-- lead is assigned to; org only when none is) and canonical stage — leads that entered, their median and mean days in the stage
-- (up to the as-of day for the stage they are still in) and how many are stuck there now.
with stages_reached as (
    select * from {{ ref('fct_lead_stage') }}
    where first_entered_at is not null
),

leads as (
    select lead_id, assigned_rep_id as rep_id from {{ ref('fct_lead_lifecycle') }}
    where not is_deleted
),

entries as (
    select
        cast(date_trunc('month', cast({{ local_timestamp('stages_reached.first_entered_at') }} as date)) as date) as month_start,
        stages_reached.stage,
        reps.team,
        leads.rep_id,
        stages_reached.days_in_stage,
        stages_reached.is_stuck
    from stages_reached
    inner join leads using (lead_id)
    {{ join_team_on_date('leads.rep_id', 'cast(' ~ local_timestamp('stages_reached.first_entered_at') ~ ' as date)') }}
),

final as (
    select
        {{ kpi_scope_columns('month_start') }},
        stage,
        count(*) as leads_entered,
        median(days_in_stage) as stage_days,
        {{ exact_avg('days_in_stage') }} as stage_days_mean,
        count(*) filter (where is_stuck) as stuck_leads
    from entries
    {{ kpi_scope_grouping('month_start', also_by=['stage']) }}
)

select * from final
order by month_start, scope_type, scope_id, stage
