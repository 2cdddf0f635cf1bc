-- Daily activity KPIs per IS rep (SPEC §5 行動KPI, §7 `marts.kpi_daily`): one row per
-- (activity_date, rep_id) where the rep made a call, sent an IS email or set a meeting.
-- Counts sit beside each rate so that any longer period is sum(numerator) / sum(denominator).
-- Nightly, only the days a new row may count on (int_activity_days_recounted) are recounted.
{{ config(materialized=history_materialization(), incremental_strategy='append', on_schema_change='fail', pre_hook="{{ delete_recounted_days() }}") }}
-- depends_on: {{ ref('int_activity_days_recounted') }}

with calls as (
    select * from {{ ref('int_calls_dispositioned') }}
    where true {{ recounted_days_only('started_date') }}
),

messages as (
    select * from {{ ref('int_email_messages_rolled_up') }}
    where sender_type = 'rep' and sent_at is not null {{ recounted_days_only('sent_date') }}
),

meetings as (
    select * from {{ ref('int_meetings_ranked') }}
    where true {{ recounted_days_only('agreed_date') }}
),

leads as (
    select * from {{ ref('int_leads_touched') }}
    where true {{ recounted_days_only('created_date') }}
),

inside_sales_reps as (
    select rep_id from {{ ref('dim_rep') }}
    where is_inside_sales
),

call_days as (
    select
        rep_id,
        started_date as activity_date,
        count(*) filter (where is_dial) as dials,
        count(*) filter (where is_dial and rang) as rang_calls,
        count(*) filter (where is_dial and connected) as connected_calls,
        count(*) filter (where is_dial and effective) as effective_contacts,
        coalesce(sum(talk_seconds) filter (where is_dial and connected), 0) as connected_talk_seconds
    from calls
    group by all
),

email_days as (
    select
        sender_rep_id as rep_id,
        sent_date as activity_date,
        count(*) as emails_sent,
        count(*) filter (where is_opened) as emails_opened,
        count(*) filter (where is_clicked) as emails_clicked,
        count(*) filter (where is_replied) as emails_replied,
        count(*) filter (where is_bounced) as emails_bounced
    from messages
    group by all
),

meeting_days as (
    select
        set_by_rep_id as rep_id,
        agreed_date as activity_date,
        count(*) as meetings_set,
        count(*) filter (where is_first_meeting_of_lead) as first_meetings,
        coalesce(sum(touches_before) filter (where is_first_meeting_of_lead), 0) as touches_before_first_meetings
    from meetings
    group by all
),

assignment_days as (
    select
        owner_rep_id as rep_id,
        created_date as activity_date,
        count(*) as leads_assigned,
        count(*) filter (where is_touched) as leads_touched,
        count(*) filter (where is_followed_up) as leads_followed_up
    from leads
    where owner_rep_id is not null
    group by all
),

-- a lead assigned is IS work too: a day a rep only received leads (a Saturday's web forms) has its
-- row, so Σ daily = monthly for the lead columns as for every other
active_days as (
    select rep_id, activity_date from call_days
    union
    select rep_id, activity_date from email_days
    union
    select rep_id, activity_date from meeting_days
    union
    select rep_id, activity_date from assignment_days
),

final as (
    select
        active_days.activity_date,
        active_days.rep_id,

        {{ call_kpi_columns('call_days') }},

        {{ email_kpi_columns('email_days') }},

        coalesce(assignment_days.leads_assigned, 0) as leads_assigned,
        coalesce(assignment_days.leads_touched, 0) as leads_touched,
        coalesce(assignment_days.leads_followed_up, 0) as leads_followed_up,
        {{ safe_ratio('assignment_days.leads_touched', 'assignment_days.leads_assigned') }} as list_consumption_rate,
        {{ safe_ratio('assignment_days.leads_followed_up', 'assignment_days.leads_assigned') }} as follow_up_rate,

        coalesce(meeting_days.meetings_set, 0) as meetings_set,
        coalesce(meeting_days.first_meetings, 0) as first_meetings,
        cast(coalesce(meeting_days.touches_before_first_meetings, 0) as bigint) as touches_before_first_meetings,
        {{ safe_ratio('meeting_days.touches_before_first_meetings', 'meeting_days.first_meetings') }} as touches_to_meeting
    from active_days
    inner join inside_sales_reps using (rep_id)
    left join call_days using (rep_id, activity_date)
    left join email_days using (rep_id, activity_date)
    left join meeting_days using (rep_id, activity_date)
    left join assignment_days using (rep_id, activity_date)
)

select * from final
order by activity_date, rep_id
