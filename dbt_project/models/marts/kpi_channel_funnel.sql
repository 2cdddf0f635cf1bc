-- チャネル別商談化率 (SPEC §5 channel_conversion): per cohort month (lead created), scope (the IS
-- rep the lead is assigned to), channel and canonical funnel stage — leads created, leads that reached the
-- stage (monotone reach, SPEC §4) and channel_conversion = reached ÷ created.
with lifecycle as (
    select * from {{ ref('fct_lead_lifecycle') }}
    where not is_deleted
),

funnel_stages as (
    select stage, stage_order from {{ ref('lifecycle_stages') }}
    where not is_exit
),

stages_reached as (
    select lead_id, stage from {{ ref('fct_lead_stage') }}
),

cohort as (
    select
        cast(date_trunc('month', lifecycle.created_date) as date) as month_start,
        lifecycle.channel,
        funnel_stages.stage,
        funnel_stages.stage_order,
        reps.team,
        lifecycle.assigned_rep_id as rep_id,
        stages_reached.lead_id is not null as has_reached
    from lifecycle
    cross join funnel_stages
    left join stages_reached on stages_reached.lead_id = lifecycle.lead_id and stages_reached.stage = funnel_stages.stage
    {{ join_team_on_date('lifecycle.assigned_rep_id', 'lifecycle.created_date') }}
),

final as (
    select
        {{ kpi_scope_columns('month_start') }},
        channel,
        stage,
        stage_order,
        count(*) as leads_created,
        count(*) filter (where has_reached) as leads_reached,
        {{ safe_ratio('count(*) filter (where has_reached)', 'count(*)') }} as channel_conversion
    from cohort
    {{ kpi_scope_grouping('month_start', also_by=['channel', 'stage', 'stage_order']) }}
)

select * from final
order by month_start, scope_type, scope_id, channel, stage_order
