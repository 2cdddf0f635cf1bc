-- One row per lead and canonical stage it reached (SPEC §4, §7), with what does not move as the
-- as-of day moves on: when it first entered the stage, when it first reached it for funnel
-- counting (reach is monotone — entering `sal` also reaches every earlier funnel stage; stages
-- marked reaches_earlier_stages = false in mappings/lifecycle_stages.csv — lost, the exits —
-- reach only themselves, and `won` does not reach `lost`), the exact seconds of its stints there
-- that closed before the as-of cut, and when its open stint began if that is in the stage. The
-- marts add the open stint's time up to the as-of day (macros/days_in_stage.sql).
-- Nightly, only the leads restaged or with a change the moved cut crosses (int_leads_recut) are
-- recomputed: every other lead's stints and their cut are what the last build saw.
{{ config(**history_config(replaced_rows="lead_id in (select lead_id from {{ ref('int_leads_recut') }})")) }}

with stints as (
    select
        stints.*,
        stints.next_changed_at is null or stints.next_changed_at >= reporting_window.as_of_end as is_current
    from {{ ref('int_lead_stage_stints') }} as stints
    cross join {{ ref('int_reporting_window') }} as reporting_window
    where
        stints.changed_at < reporting_window.as_of_end
        {{ recomputed_leads_only('stints.lead_id', leads=ref('int_leads_recut')) }}
),

lifecycle_stages as (
    select * from {{ ref('lifecycle_stages') }}
),

leads as (
    select lead_id, is_deleted from {{ ref('stg_raw__leads') }}
),

entered as (
    select
        lead_id,
        stage,
        stage_order,
        min(changed_at) as first_entered_at,
        -- a final stage has no duration
        sum({{ exact_decimal(seconds_between('changed_at', 'next_changed_at')) }}) filter (
            where not is_current and not is_terminal
        ) as closed_seconds,
        max(changed_at) filter (where is_current and not is_terminal) as current_since,
        bool_or(is_current) as is_current_stage
    from stints
    group by lead_id, stage, stage_order
),

reached as (
    select
        entered.lead_id,
        lifecycle_stages.stage,
        min(entered.first_entered_at) as first_reached_at
    from entered
    inner join lifecycle_stages as entered_stage on entered_stage.stage = entered.stage
    inner join lifecycle_stages
        on
            lifecycle_stages.stage = entered.stage
            or (
                entered_stage.reaches_earlier_stages
                and not lifecycle_stages.is_terminal
                and not lifecycle_stages.is_exit
                and lifecycle_stages.stage_order <= entered_stage.stage_order
            )
    group by entered.lead_id, lifecycle_stages.stage
),

final as (
    select
        reached.lead_id,
        reached.stage,
        lifecycle_stages.stage_order,
        reached.first_reached_at,
        entered.first_entered_at,
        cast({{ local_timestamp('entered.first_entered_at') }} as date) as first_entered_date,
        entered.closed_seconds,
        entered.current_since,
        coalesce(entered.is_current_stage, false) as is_current_stage,
        lifecycle_stages.stuck_after_days,
        -- deleted in the CRM: kept, counted nowhere (kpi_stage_days, the semantic layer)
        coalesce(leads.is_deleted, false) as is_deleted
    from reached
    inner join lifecycle_stages using (stage)
    left join entered using (lead_id, stage)
    left join leads using (lead_id)
)

select *{{ history_partition(bucket_of='lead_id') }} from final
