-- A month must add up to its days, both ways, for every count kpi_counts_daily carries: a rep's
-- month to the rep's kpi_daily rows, the organisation's month to every row of kpi_counts_daily
-- (its own credit, rep_id NULL, included). A full outer join, so a month with no days and days
-- with no month both show. A row here is a rep- or org-month where the sheet and the days disagree.
{%- set counts = ['dials', 'rang_calls', 'connected_calls', 'effective_contacts', 'connected_talk_seconds',
                  'emails_sent', 'emails_opened', 'emails_clicked', 'emails_replied', 'emails_bounced',
                  'leads_assigned', 'leads_touched', 'leads_followed_up',
                  'meetings_set', 'first_meetings', 'touches_before_first_meetings'] %}
with daily as (
    select
        cast(date_trunc('month', activity_date) as date) as month_start,
        'rep' as scope_type,
        rep_id as scope_id,
        {% for count in counts %}sum({{ count }}) as {{ count }}{{ ',' if not loop.last }}
        {% endfor %}
    from {{ ref('kpi_daily') }}
    group by all

    union all

    select
        cast(date_trunc('month', activity_date) as date) as month_start,
        'org' as scope_type,
        'all' as scope_id,
        {% for count in counts %}sum({{ count }}) as {{ count }}{{ ',' if not loop.last }}
        {% endfor %}
    from {{ ref('kpi_counts_daily') }}
    group by all
),

monthly as (
    select * from {{ ref('kpi_monthly') }}
    where scope_type in ('rep', 'org')
)

select coalesce(daily.month_start, monthly.month_start) as month_start, coalesce(daily.scope_id, monthly.scope_id) as scope_id
from daily
full outer join monthly
    on monthly.month_start = daily.month_start and monthly.scope_type = daily.scope_type and monthly.scope_id = daily.scope_id
where false
    {% for count in counts %}
    or coalesce(daily.{{ count }}, 0) <> coalesce(monthly.{{ count }}, 0)
    {% endfor %}
