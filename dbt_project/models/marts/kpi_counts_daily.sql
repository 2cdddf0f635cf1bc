-- Every count behind a daily KPI (SPEC §5), made once, per local day and credited rep: dials and
-- their outcomes and how many were logged in a CRM, IS e-mails and theirs, meetings set, leads assigned. kpi_daily, the weekly /
-- monthly / quarterly sheets and the semantic layer all sum these columns, so a rate is
-- Σ numerator ÷ Σ denominator of the same rows everywhere.
-- Credit (SPEC §5): calls and e-mails to the IS rep who made them (anyone else's count nowhere);
-- meetings to the IS rep who set them and leads to the IS rep they are assigned to, as the facts
-- credit them. A meeting set outside IS or a lead no IS rep owns is the organisation's own: it sits
-- in the day's row with rep_id NULL, which counts at org scope only.
-- Nightly, only the days a new row may count on (int_activity_days_recounted) are recounted.
{{ config(**history_config(on_schema_change='fail',
    replaced_rows="activity_date in (select activity_date from {{ ref('int_activity_days_recounted') }})")) }}
-- depends_on: {{ ref('int_activity_days_recounted') }}

with inside_sales_reps as (
    select rep_id from {{ ref('dim_rep') }}
    where is_inside_sales
),

calls as (
    select calls.* from {{ ref('int_calls_matched') }} as calls
    inner join inside_sales_reps using (rep_id)
    where calls.is_counted {{ recounted_days_only('started_date') }}
),

messages as (
    select messages.* from {{ ref('int_email_messages_rolled_up') }} as messages
    inner join inside_sales_reps on inside_sales_reps.rep_id = messages.sender_rep_id
    where messages.sender_type = 'rep' and messages.sent_at is not null {{ recounted_days_only('messages.sent_date') }}
),

meetings as (
    select * from {{ ref('fct_meeting') }}
    where true {{ recounted_days_only('agreed_date') }}
),

leads as (
    select * from {{ ref('fct_lead_lifecycle') }}
    where not is_deleted {{ recounted_days_only('created_date') }}
),

call_days as (
    select
        rep_id,
        started_date as activity_date,
        count(*) filter (where is_dial) as dials,
        count(*) filter (where is_dial and rang) as rang_calls,
        count(*) filter (where is_dial and connected) as connected_calls,
        count(*) filter (where is_dial and effective) as effective_contacts,
        coalesce(sum(talk_seconds) filter (where is_dial and connected), 0) as connected_talk_seconds,
        -- the logging gap (marts.call_logging): dials a phone system placed, dials logged in a CRM, both
        count(*) filter (where is_dial and is_placed_by_phone_system) as calls_placed,
        count(*) filter (where is_dial and is_logged_in_crm) as calls_logged,
        count(*) filter (where is_dial and is_placed_by_phone_system and is_logged_in_crm) as calls_logged_and_placed
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
        rep_id,
        agreed_date as activity_date,
        count(*) as meetings_set,
        count(*) filter (where is_first_meeting_of_lead) as first_meetings,
        coalesce(sum(touches_before) filter (where is_first_meeting_of_lead), 0) as touches_before_first_meetings
    from meetings
    group by all
),

assignment_days as (
    select
        assigned_rep_id as rep_id,
        created_date as activity_date,
        count(*) as leads_assigned,
        count(*) filter (where is_touched) as leads_touched,
        count(*) filter (where is_followed_up) as leads_followed_up
    from leads
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

-- a NULL rep (the organisation's credit) is a key like any other: `is not distinct from`
final as (
    select
        active_days.activity_date,
        active_days.rep_id,
        reps.team,
        cast(coalesce(call_days.dials, 0) as bigint) as dials,
        cast(coalesce(call_days.rang_calls, 0) as bigint) as rang_calls,
        cast(coalesce(call_days.connected_calls, 0) as bigint) as connected_calls,
        cast(coalesce(call_days.effective_contacts, 0) as bigint) as effective_contacts,
        cast(coalesce(call_days.connected_talk_seconds, 0) as bigint) as connected_talk_seconds,
        cast(coalesce(call_days.calls_placed, 0) as bigint) as calls_placed,
        cast(coalesce(call_days.calls_logged, 0) as bigint) as calls_logged,
        cast(coalesce(call_days.calls_logged_and_placed, 0) as bigint) as calls_logged_and_placed,
        cast(coalesce(email_days.emails_sent, 0) as bigint) as emails_sent,
        cast(coalesce(email_days.emails_opened, 0) as bigint) as emails_opened,
        cast(coalesce(email_days.emails_clicked, 0) as bigint) as emails_clicked,
        cast(coalesce(email_days.emails_replied, 0) as bigint) as emails_replied,
        cast(coalesce(email_days.emails_bounced, 0) as bigint) as emails_bounced,
        cast(coalesce(assignment_days.leads_assigned, 0) as bigint) as leads_assigned,
        cast(coalesce(assignment_days.leads_touched, 0) as bigint) as leads_touched,
        cast(coalesce(assignment_days.leads_followed_up, 0) as bigint) as leads_followed_up,
        cast(coalesce(meeting_days.meetings_set, 0) as bigint) as meetings_set,
        cast(coalesce(meeting_days.first_meetings, 0) as bigint) as first_meetings,
        cast(coalesce(meeting_days.touches_before_first_meetings, 0) as bigint) as touches_before_first_meetings
    from active_days
    left join call_days
        on call_days.activity_date = active_days.activity_date and call_days.rep_id is not distinct from active_days.rep_id
    left join email_days
        on email_days.activity_date = active_days.activity_date and email_days.rep_id is not distinct from active_days.rep_id
    left join meeting_days
        on meeting_days.activity_date = active_days.activity_date and meeting_days.rep_id is not distinct from active_days.rep_id
    left join assignment_days
        on assignment_days.activity_date = active_days.activity_date and assignment_days.rep_id is not distinct from active_days.rep_id
    {{ join_team_on_date('active_days.rep_id', 'active_days.activity_date') }}
)

select *{{ history_partition(month_of='activity_date') }} from final
order by activity_date, rep_id
