{#
  The KPI sheet of one period grain (SPEC §5, §7): one row per (<grain>_start, scope_type,
  scope_id), scope `org` (scope_id 'all') / `team` / `rep`, with every KPI of SPEC §5 except the
  three that are tables by nature (kpi_stage_days, kpi_channel_funnel, input_quality).
  grain: `week` (ISO, Monday start), `month` or `quarter`; or the name of one window of
  int_period_windows, a single period: `trailing` (the three complete months planning reads, so
  a trailing rate is Σ numerator ÷ Σ denominator and a trailing median the median of its rows)
  or `<grain>_before_to_date` (the previous period's first b business days).

  Every count that has a rep and a day is kpi_counts_daily's, summed; the counts only a fact can
  make (a meeting's quality, a lead's speed, a deal's outcome) are counted here from the fact, by
  the rep the fact credits (SPEC §5): meetings to the IS rep who set them on the agreed date; leads
  to the IS rep they are assigned to on their created date (cohort); SAL leads to the IS rep who
  set their first meeting, on the SAL date; opportunities to the IS rep who set their meeting, on
  their created or closed date. Credit no IS rep holds counts at org scope only. Every rate, with
  its counts beside it, is made in kpi_rate_columns.sql.
#}
{% macro kpi_period_sheet(grain, period_column=none) -%}
{%- set period_column = period_column or grain ~ '_start' -%}
with reporting_window as (
    select
        reporting_window.*
        {%- if is_window_grain(grain) %},
        period_window.window_from,
        period_window.window_until
        {%- endif %}
    from {{ ref('int_reporting_window') }} as reporting_window
    {%- if is_window_grain(grain) %}
    cross join (select * from {{ ref('int_period_windows') }} where window_name = '{{ grain }}') as period_window
    {%- endif %}
),

activity as (
    select
        {{ kpi_scope_columns('period_start') }},
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
    from (
        select {{ period_start_of(grain, 'activity_date') }} as period_start, counts.*
        from {{ ref('kpi_counts_daily') }} as counts
        cross join reporting_window
    )
    {{ kpi_scope_grouping('period_start') }}
),

meetings as (
    select
        {{ kpi_scope_columns('period_start') }},
        count(*) filter (where is_valid) as valid_meetings,
        count(*) filter (where is_bant_complete) as bant_complete_meetings,
        count(*) filter (where is_date_confirmed) as date_confirmed_meetings,
        count(*) filter (where is_cancelled_or_no_show) as cancelled_meetings,
        count(handoff_score) as rated_meetings,
        sum(handoff_score) as handoff_score_total
    from (
        select {{ period_start_of(grain, 'agreed_date') }} as period_start, reps.team, fct_meeting.*
        from {{ ref('fct_meeting') }} as fct_meeting
        cross join reporting_window
        {{ join_team_on_date('fct_meeting.rep_id', 'fct_meeting.agreed_date') }}
    )
    {{ kpi_scope_grouping('period_start') }}
),

lead_cohorts as (
    select
        {{ kpi_scope_columns('period_start') }},
        count(*) filter (where is_hot_lead) as hot_leads,
        count(*) filter (where lead_type = 'inbound') as inbound_leads,
        count(*) filter (where lead_type = 'inbound' and is_within_sla) as inbound_leads_within_sla,
        median(lead_response_minutes) filter (where lead_type = 'inbound') as lead_response_minutes,
        {{ exact_avg('lead_response_minutes', where="lead_type = 'inbound'") }} as lead_response_minutes_mean,
        median(lead_to_meeting_days) as lead_to_meeting_days
    from (
        select {{ period_start_of(grain, 'created_date') }} as period_start, reps.team, lifecycle.assigned_rep_id as rep_id, lifecycle.*
        from {{ ref('fct_lead_lifecycle') }} as lifecycle
        cross join reporting_window
        {{ join_team_on_date('lifecycle.assigned_rep_id', 'lifecycle.created_date') }}
        where not lifecycle.is_deleted
    )
    {{ kpi_scope_grouping('period_start') }}
),

sal_cohorts as (
    select
        {{ kpi_scope_columns('period_start') }},
        count(*) as sal_leads,
        count(*) filter (where reached_sql) as sal_leads_reached_sql
    from (
        select {{ period_start_of(grain, 'first_sal_date') }} as period_start, reps.team, lifecycle.sal_rep_id as rep_id, lifecycle.*
        from {{ ref('fct_lead_lifecycle') }} as lifecycle
        cross join reporting_window
        {{ join_team_on_date('lifecycle.sal_rep_id', 'lifecycle.first_sal_date') }}
        where lifecycle.reached_sal and not lifecycle.is_deleted
    )
    {{ kpi_scope_grouping('period_start') }}
),

opportunities_closed as (
    select
        {{ kpi_scope_columns('period_start') }},
        count(*) filter (where is_won) as won_opportunities,
        count(*) filter (where is_lost) as lost_opportunities,
        coalesce(sum(amount) filter (where is_won), 0) as won_amount,
        count(*) filter (where is_won and not is_amount_without_rate) as won_opportunities_converted,
        count(*) filter (where is_won and is_amount_without_rate) as won_opportunities_unconverted,
        count(*) filter (where is_won and is_is_sourced) as is_sourced_won_opportunities,
        count(*) filter (where is_is_sourced) as is_sourced_closed_opportunities,
        coalesce(sum(amount) filter (where is_won and is_is_sourced), 0) as is_sourced_won_amount
    from (
        select {{ period_start_of(grain, 'closed_date') }} as period_start, reps.team, fct_opportunity.*
        from {{ ref('fct_opportunity') }} as fct_opportunity
        cross join reporting_window
        {{ join_team_on_date('fct_opportunity.rep_id', 'fct_opportunity.closed_date') }}
        where is_closed
    )
    {{ kpi_scope_grouping('period_start') }}
),

opportunities_created as (
    select
        {{ kpi_scope_columns('period_start') }},
        count(*) as opportunities_created,
        count(*) filter (where is_won) as opportunities_created_won
    from (
        select {{ period_start_of(grain, 'created_date') }} as period_start, reps.team, fct_opportunity.*
        from {{ ref('fct_opportunity') }} as fct_opportunity
        cross join reporting_window
        {{ join_team_on_date('fct_opportunity.rep_id', 'fct_opportunity.created_date') }}
    )
    {{ kpi_scope_grouping('period_start') }}
),

-- pipeline at the end of the period (or of the as-of day, in the period it falls in) and at its
-- start, from the daily balances the semantic layer reads too
pipeline as (
    select
        {{ kpi_scope_columns('period_start') }},
        coalesce(sum(open_amount) filter (where date_day = period_close_day), 0) as pipeline_amount,
        coalesce(sum(opening_amount) filter (where date_day = period_start), 0) as opening_pipeline_amount
    from (
        select
            {{ period_start_of(grain, 'balance.date_day') }} as period_start,
            least({{ period_last_day_of(grain, 'balance.date_day') }}, reporting_window.as_of_date) as period_close_day,
            reps.team,
            balance.*
        from {{ ref('fct_pipeline_balance') }} as balance
        cross join reporting_window
        {{ join_team_on_date('balance.rep_id', 'balance.date_day') }}
    )
    {{ kpi_scope_grouping('period_start') }}
),

-- revenue targets are monthly: a quarter's is the sum of its months, a week has none
revenue_targets as (
    select {{ period_start_of(grain, 'month_start') }} as period_start, scope_type, scope_id, sum(target_value) as revenue_target
    from {{ ref('fct_kpi_target') }}
    cross join reporting_window
    where kpi = 'revenue'{% if grain.startswith('week') %} and false{% endif %}
    group by all
),

-- a row outside the trailing window has no period
scopes as (
    select * from (
        select period_start, scope_type, scope_id from activity
        union select period_start, scope_type, scope_id from meetings
        union select period_start, scope_type, scope_id from lead_cohorts
        union select period_start, scope_type, scope_id from sal_cohorts
        union select period_start, scope_type, scope_id from opportunities_closed
        union select period_start, scope_type, scope_id from opportunities_created
        -- a balance of 0 is every rep's every day: only an open pipeline makes a row
        union select period_start, scope_type, scope_id from pipeline where pipeline_amount <> 0 or opening_pipeline_amount <> 0
    )
    where period_start is not null
),

final as (
    select
        scopes.period_start as {{ period_column }},
        scopes.scope_type,
        scopes.scope_id,

        -- 行動KPI
        {{ call_kpi_columns('activity') }},
        {{ email_kpi_columns('activity') }},
        {{ lead_assignment_kpi_columns('activity') }},
        {{ first_meeting_kpi_columns('activity') }},

        -- 戦術KPI
        {{ meeting_kpi_columns('activity', 'meetings') }},
        {{ sal_kpi_columns('sal_cohorts') }},

        -- 戦略KPI
        {{ outcome_kpi_columns('opportunities_closed', 'opportunities_created', 'pipeline', 'revenue_targets') }},

        -- speed and quality
        {{ speed_kpi_columns('lead_cohorts') }}
    from scopes
    left join activity using (period_start, scope_type, scope_id)
    left join meetings using (period_start, scope_type, scope_id)
    left join lead_cohorts using (period_start, scope_type, scope_id)
    left join sal_cohorts using (period_start, scope_type, scope_id)
    left join opportunities_closed using (period_start, scope_type, scope_id)
    left join opportunities_created using (period_start, scope_type, scope_id)
    left join pipeline using (period_start, scope_type, scope_id)
    left join revenue_targets using (period_start, scope_type, scope_id)
)

select * from final
order by {{ period_column }}, scope_type, scope_id
{%- endmacro %}


{% macro is_window_grain(grain) -%}
    {{- return(grain not in ['day', 'week', 'month', 'quarter']) -}}
{%- endmacro %}


{# The first day of the period a date falls in; NULL outside a window. #}
{% macro period_start_of(grain, date_column) -%}
    {%- if is_window_grain(grain) -%}
    case
        when {{ date_column }} >= reporting_window.window_from and {{ date_column }} < reporting_window.window_until
            then reporting_window.window_from
    end
    {%- else -%}
    cast(date_trunc('{{ grain }}', {{ date_column }}) as date)
    {%- endif -%}
{%- endmacro %}


{# The last day of the period a date falls in. #}
{% macro period_last_day_of(grain, date_column) -%}
    {%- if is_window_grain(grain) -%}
    cast(reporting_window.window_until - interval 1 day as date)
    {%- else -%}
    cast(date_trunc('{{ grain }}', {{ date_column }}) + {{ one_period(grain) }} - interval 1 day as date)
    {%- endif -%}
{%- endmacro %}
