-- A lead's stints in canonical stages: the stage signs of every source in time order, keeping
-- each one that differs from the stage before (signs at the same instant go along the funnel,
-- exits last). A stint lasts until the lead's next change (`next_changed_at`, null for its last).
-- Where the as-of day cuts history is the marts' to apply (fct_lead_stage, fct_stage_transition):
-- the changes before any cut are the same whatever comes after it, so this table holds for every
-- as-of day and a nightly build recomputes only the leads restaged (int_leads_restaged).
{{ config(**history_config(replaced_rows="lead_id in (select lead_id from {{ ref('int_leads_restaged') }})")) }}
-- depends_on: {{ ref('int_leads_restaged') }}

with events as (
    select * from {{ ref('int_lead_stage_events') }}
    where true {{ recomputed_leads_only() }}
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
        cast(row_number() over (
            partition by lead_id order by changed_at, coalesce(stage_order, 99), stage, source, source_id
        ) as bigint) as transition_number
    from sequenced
    where from_stage is distinct from stage
),

final as (
    select
        lead_id,
        transition_number,
        from_stage,
        stage,
        changed_at,
        source,
        source_id,
        changed_by_rep_id,
        coalesce(stage_order < from_stage_order, false) as is_regression,
        stage_order,
        is_exit,
        is_terminal,
        lead(changed_at) over (partition by lead_id order by transition_number) as next_changed_at
    from changes
)

select *{{ history_partition(bucket_of='lead_id') }} from final
