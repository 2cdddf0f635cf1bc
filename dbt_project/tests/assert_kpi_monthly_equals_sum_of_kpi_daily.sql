-- A rep's month must add up to its days for the additive activity KPIs kpi_daily carries.
-- A row here is a rep-month where the monthly sheet and the daily mart disagree.
with daily as (
    select
        cast(date_trunc('month', activity_date) as date) as month_start,
        rep_id,
        sum(dials) as dials,
        sum(effective_contacts) as effective_contacts,
        sum(connected_calls) as connected_calls,
        sum(emails_sent) as emails_sent,
        sum(emails_opened) as emails_opened,
        sum(meetings_set) as meetings_set
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
    or daily.dials <> monthly.dials
    or daily.effective_contacts <> monthly.effective_contacts
    or daily.connected_calls <> monthly.connected_calls
    or daily.emails_sent <> monthly.emails_sent
    or daily.emails_opened <> monthly.emails_opened
    or daily.meetings_set <> monthly.meetings_set
