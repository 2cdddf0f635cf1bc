-- A rep's month must add up to its days for every additive column kpi_daily carries.
-- A row here is a rep-month where the monthly sheet and the daily mart disagree.
with daily as (
    select
        cast(date_trunc('month', activity_date) as date) as month_start,
        rep_id,
        sum(dials) as dials,
        sum(rang_calls) as rang_calls,
        sum(connected_calls) as connected_calls,
        sum(effective_contacts) as effective_contacts,
        sum(connected_talk_seconds) as connected_talk_seconds,
        sum(emails_sent) as emails_sent,
        sum(emails_opened) as emails_opened,
        sum(emails_clicked) as emails_clicked,
        sum(emails_replied) as emails_replied,
        sum(emails_bounced) as emails_bounced,
        sum(leads_assigned) as leads_assigned,
        sum(leads_touched) as leads_touched,
        sum(leads_followed_up) as leads_followed_up,
        sum(meetings_set) as meetings_set,
        sum(first_meetings) as first_meetings,
        sum(touches_before_first_meetings) as touches_before_first_meetings
    from {{ ref('kpi_daily') }}
    group by all
),

monthly as (
    select * from {{ ref('kpi_monthly') }}
    where scope_type = 'rep'
)

select daily.month_start, daily.rep_id
from daily
left join monthly on monthly.month_start = daily.month_start and monthly.scope_id = daily.rep_id
where monthly.scope_id is null
    or daily.dials is distinct from monthly.dials
    or daily.rang_calls is distinct from monthly.rang_calls
    or daily.connected_calls is distinct from monthly.connected_calls
    or daily.effective_contacts is distinct from monthly.effective_contacts
    or daily.connected_talk_seconds is distinct from monthly.connected_talk_seconds
    or daily.emails_sent is distinct from monthly.emails_sent
    or daily.emails_opened is distinct from monthly.emails_opened
    or daily.emails_clicked is distinct from monthly.emails_clicked
    or daily.emails_replied is distinct from monthly.emails_replied
    or daily.emails_bounced is distinct from monthly.emails_bounced
    or daily.leads_assigned is distinct from monthly.leads_assigned
    or daily.leads_touched is distinct from monthly.leads_touched
    or daily.leads_followed_up is distinct from monthly.leads_followed_up
    or daily.meetings_set is distinct from monthly.meetings_set
    or daily.first_meetings is distinct from monthly.first_meetings
    or daily.touches_before_first_meetings is distinct from monthly.touches_before_first_meetings
