-- For additive KPIs whose every unit is credited to exactly one rep (calls, e-mails, meetings), so a month's org total must equal
-- the sum over its reps. A row here is a month where attribution lost or double-counted something.
with monthly as (
    select * from {{ ref('kpi_monthly') }}
),

org as (
    select * from monthly where scope_type = 'org'
),

reps as (
    select
        month_start,
        sum(dials) as dials,
        sum(effective_contacts) as effective_contacts,
        sum(emails_sent) as emails_sent,
        sum(meetings_set) as meetings_set,
        sum(valid_meetings) as valid_meetings
    from monthly
    where scope_type = 'rep'
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
