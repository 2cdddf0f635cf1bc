-- For additive KPIs whose every unit is credited to exactly one IS rep or to the organisation
-- alone (calls, e-mails, meetings), a month's org total must equal the sum over its reps plus the
-- organisation's own credit. A row here is a month where attribution lost or double-counted something.
with monthly as (
    select * from {{ ref('kpi_monthly') }}
),

org as (
    select * from monthly where scope_type = 'org'
),

credited as (
    select month_start, dials, effective_contacts, emails_sent, meetings_set, valid_meetings
    from monthly
    where scope_type = 'rep'

    union all

    select
        cast(date_trunc('month', activity_date) as date) as month_start,
        dials,
        effective_contacts,
        emails_sent,
        meetings_set,
        0 as valid_meetings
    from {{ ref('kpi_counts_daily') }}
    where rep_id is null

    union all

    select cast(date_trunc('month', agreed_date) as date) as month_start, 0, 0, 0, 0, 1
    from {{ ref('fct_meeting') }}
    where rep_id is null and is_valid
),

reps as (
    select
        month_start,
        sum(dials) as dials,
        sum(effective_contacts) as effective_contacts,
        sum(emails_sent) as emails_sent,
        sum(meetings_set) as meetings_set,
        sum(valid_meetings) as valid_meetings
    from credited
    group by month_start
)

select org.month_start
from org
left join reps using (month_start)
where org.dials <> coalesce(reps.dials, 0)
    or org.effective_contacts <> coalesce(reps.effective_contacts, 0)
    or org.emails_sent <> coalesce(reps.emails_sent, 0)
    or org.meetings_set <> coalesce(reps.meetings_set, 0)
    or org.valid_meetings <> coalesce(reps.valid_meetings, 0)
