-- Each opportunity's history as intervals [valid_from, valid_to) of one stage and amount, so
-- the pipeline of any past day is what it was then (SPEC §5 pipeline_amount). An opportunity
-- with no stage history is one interval from its creation in its current stage.
with opportunities as (
    select * from {{ ref('stg_raw__opportunities') }}
    where not is_deleted
),

history as (
    select * from {{ ref('stg_raw__opportunity_stage_history') }}
),

stages as (
    select * from {{ ref('opportunity_stages') }}
),

changes as (
    select opportunity_id, stage, amount, changed_at from history
    union all
    select opportunity_id, stage, amount, created_at
    from opportunities
    where not exists (select 1 from history where history.opportunity_id = opportunities.opportunity_id)
),

final as (
    select
        changes.opportunity_id,
        changes.stage,
        coalesce(changes.amount, opportunities.amount) as amount,
        not coalesce(stages.is_closed, false) as is_open,
        changes.changed_at as valid_from,
        lead(changes.changed_at) over (partition by changes.opportunity_id order by changes.changed_at) as valid_to
    from changes
    inner join opportunities using (opportunity_id)
    left join stages on stages.stage = changes.stage
)

select * from final
