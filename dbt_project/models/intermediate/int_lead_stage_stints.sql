-- A lead's stints in canonical stages: the stage signs of every source in time order, keeping
-- each one that differs from the stage before (signs at the same instant go along the funnel,
-- exits last). A stint lasts until the next change or, for the current stage, the end of the
-- as-of day; changes after the as-of day are left out so a past as-of date reads as it was.
with events as (
    select * from {{ ref('int_lead_stage_events') }}
    where changed_at < (select as_of_end from {{ ref('int_reporting_window') }})
),

sequenced as (
    select
        *,
        lag(stage) over lead_timeline as from_stage,
        lag(stage_order) over lead_timeline as from_stage_order
    from events
    window lead_timeline as (
        partition by lead_id
        order by changed_at, coalesce(stage_order, 99), stage, source, source_id
    )
),

changes as (
    select
        *,
        row_number() over (
            partition by lead_id order by changed_at, coalesce(stage_order, 99), stage, source, source_id
        ) as transition_number
    from sequenced
    where from_stage is distinct from stage
),

final as (
    select
        changes.lead_id,
        changes.transition_number,
        changes.from_stage,
        changes.stage,
        changes.changed_at,
        changes.source,
        changes.source_id,
        changes.changed_by_rep_id,
        coalesce(changes.stage_order < changes.from_stage_order, false) as is_regression,
        changes.stage_order,
        changes.is_exit,
        changes.is_terminal,
        lead(changes.changed_at) over (partition by changes.lead_id order by changes.transition_number) is null as is_current,
        coalesce(
            lead(changes.changed_at) over (partition by changes.lead_id order by changes.transition_number),
            window_end.as_of_end
        ) as ended_at
    from changes
    cross join {{ ref('int_reporting_window') }} as window_end
)

select * from final
