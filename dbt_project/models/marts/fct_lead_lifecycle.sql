-- One row per lead (SPEC §4, §7): the first time it reached each canonical stage (monotone,
-- for funnel counting), days spent in each stage, its current stage, whether it is stuck there
-- (滞留) and whether it was ever recycled to marketing; with its speed to lead and first
-- meeting. Credit (SPEC §5): `assigned_rep_id` is its owner when the owner is an IS rep (its
-- cohort KPIs are theirs), `sal_rep_id` the IS rep who set its first meeting (its SAL is theirs);
-- NULL: the organisation's, counted at org scope only.
with leads as (
    select * from {{ ref('dim_lead') }}
),

inside_sales_reps as (
    select rep_id from {{ ref('dim_rep') }}
    where is_inside_sales
),

touched as (
    select * from {{ ref('int_leads_touched') }}
),

first_meetings as (
    select lead_id, set_by_rep_id, agreed_at from {{ ref('int_meetings_ranked') }}
    where is_first_meeting_of_lead
),

stages as (
    select * from {{ ref('int_lead_stages_pivoted') }}
),

reporting_window as (
    select as_of_end from {{ ref('int_reporting_window') }}
),

-- the open stint's time up to the as-of day: the only part that moves night by night
timed as (
    select
        stages.*,
        {% for stage in canonical_stages() %}
            coalesce(cast({{ exact_decimal(days_in_stage(
            'stages.closed_seconds_' ~ stage,
            "case when stages.current_stage = '" ~ stage ~ "' then stages.current_since end",
            'reporting_window.as_of_end')) }} as double), 0) as days_in_{{ stage }},
        {% endfor %}
        {{ open_stint_days('stages.current_since', 'reporting_window.as_of_end') }} as current_stint_days
    from stages
    cross join reporting_window
),

per_lead as (
    select
        *,
        coalesce(current_stint_days, 0) as current_stage_days,
        coalesce(current_stint_days > current_stuck_after_days, false) as is_stuck
    from timed
),

final as (
    select
        leads.lead_id,
        leads.owner_rep_id,
        owners.rep_id as assigned_rep_id,
        leads.channel,
        leads.lead_type,
        leads.industry,
        leads.icp_tier,
        leads.created_at,
        leads.created_date,
        leads.is_deleted,
        coalesce(touched.is_touched, false) as is_touched,
        coalesce(touched.is_followed_up, false) as is_followed_up,
        touched.first_touched_at,
        -- exact minutes and days (SPEC §7), not boundary counts
        {{ seconds_between('leads.created_at', 'touched.first_touched_at') }} / 60.0 as lead_response_minutes,
        coalesce({{ seconds_between('leads.created_at', 'touched.first_touched_at') }} <= {{ var('sla_minutes') }} * 60, false) as is_within_sla,
        first_meetings.agreed_at as first_meeting_agreed_at,
        {{ seconds_between('leads.created_at', 'first_meetings.agreed_at') }} / 86400.0 as lead_to_meeting_days,
        setters.rep_id as sal_rep_id,
        cast({{ local_timestamp('per_lead.first_sal_at') }} as date) as first_sal_date,
        -- a hot lead entered mql (status, score or hot action), not only passed it by monotone reach
        per_lead.entered_mql_at,
        per_lead.entered_mql_at is not null as is_hot_lead,
        per_lead.current_stage,
        per_lead.current_stage_days,
        per_lead.is_stuck,
        {% for stage in canonical_stages() %}
            per_lead.first_{{ stage }}_at,
            per_lead.first_{{ stage }}_at is not null as reached_{{ stage }},
            per_lead.days_in_{{ stage }},
        {% endfor %}
        per_lead.first_nurture_at is not null as is_recycled
    from leads
    left join per_lead using (lead_id)
    left join touched using (lead_id)
    left join first_meetings using (lead_id)
    left join inside_sales_reps as owners on owners.rep_id = leads.owner_rep_id
    left join inside_sales_reps as setters on setters.rep_id = first_meetings.set_by_rep_id
)

select * from final
