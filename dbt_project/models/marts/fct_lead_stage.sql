-- One row per lead and canonical stage it reached (SPEC §4, §7): when it first entered the
-- stage, when it first reached it for funnel counting (monotone, int_lead_stage_days), the days
-- it spent there and whether it is stuck there now (stuck_after_days in
-- mappings/lifecycle_stages.csv). A stint is cut at the end of the as-of day: later changes are
-- not known yet. Only the open stint's days are computed here; the rest is kept per lead.
with stage_days as (
    select * from {{ ref('int_lead_stage_days') }}
),

reporting_window as (
    select as_of_end from {{ ref('int_reporting_window') }}
),

timed as (
    select
        stage_days.*,
        {{ days_in_stage('stage_days.closed_seconds', 'stage_days.current_since', 'reporting_window.as_of_end') }} as days_in_stage,
        {{ open_stint_days('stage_days.current_since', 'reporting_window.as_of_end') }} as current_stint_days
    from stage_days
    cross join reporting_window
),

final as (
    select
        lead_id,
        stage,
        stage_order,
        first_reached_at,
        first_entered_at,
        first_entered_date,
        -- exact days (SPEC §7)
        days_in_stage,
        is_current_stage,
        current_stint_days,
        coalesce(current_stint_days > stuck_after_days, false) as is_stuck,
        is_deleted
    from timed
)

select * from final
