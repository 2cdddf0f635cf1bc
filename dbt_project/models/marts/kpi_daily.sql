-- Daily activity KPIs per IS rep (SPEC §5 行動KPI, §7 `marts.kpi_daily`): one row per
-- (activity_date, rep_id) where the rep made a call, sent an IS email, set a meeting or was
-- assigned a lead. The counts are kpi_counts_daily's (the organisation's own credit, rep_id NULL,
-- is not a rep's day); the rates are made from them as every sheet makes them.
with rep_days as (
    select * from {{ ref('kpi_counts_daily') }}
    where rep_id is not null
),

final as (
    select
        rep_days.activity_date,
        rep_days.rep_id,
        rep_days.team,
        {{ call_kpi_columns('rep_days') }},
        {{ email_kpi_columns('rep_days') }},
        {{ lead_assignment_kpi_columns('rep_days') }},
        rep_days.meetings_set,
        {{ first_meeting_kpi_columns('rep_days') }}
    from rep_days
)

select * from final
order by activity_date, rep_id
