-- Every dated sign of a lead's canonical stage (SPEC §4), whichever system it comes from:
-- the lead's creation, its status history (vendor values mapped by mappings/lead_stages.csv),
-- meetings agreed and opportunity stages over time (mappings/milestone_stages.csv, and
-- int_opportunity_stage_intervals: a deal without stage history still moves its lead). A lead
-- with no status history at all falls back on its current status, dated by its updated_at.
-- Marketing qualifies a lead too (SPEC §4 MQL): its first hot action (mappings/hot_actions.csv,
-- activity type and detail such as a pricing-page visit or a demo request) or the first time its
-- MA score, summed from ma_activities.score_delta or as the lead record states it, reaches var
-- mql_score_threshold. That sign counts only while the lead has not yet gone past mql: a pricing
-- page visited after the meeting does not send it back.
-- Nightly, only the leads a new row may restage (int_leads_restaged) are recomputed.
{{ config(**history_config(replaced_rows="lead_id in (select lead_id from {{ ref('int_leads_restaged') }})")) }}
-- depends_on: {{ ref('int_leads_restaged') }}

with leads as (
    select * from {{ ref('stg_raw__leads') }}
    where true {{ recomputed_leads_only() }}
),

status_history as (
    select * from {{ ref('stg_raw__lead_status_history') }}
    where true {{ recomputed_leads_only() }}
),

meetings as (
    select * from {{ ref('stg_raw__meetings') }}
    where not is_deleted {{ recomputed_leads_only() }}
),

opportunities as (
    select * from {{ ref('stg_raw__opportunities') }}
    where not is_deleted {{ recomputed_leads_only() }}
),

opportunity_intervals as (
    select * from {{ ref('int_opportunity_stage_intervals') }}
),

addresses as (
    select contact_value as email, lead_id from {{ ref('int_lead_contact_points') }}
    where contact_type = 'email'
),

ma_activities as (
    select
        activity.*,
        coalesce(activity.lead_id, addresses.lead_id) as resolved_lead_id
    from {{ ref('stg_raw__ma_activities') }} as activity
    -- equality only: `activity.lead_id is null` here made a nested loop over activities × addresses
    -- (4 s at team scale, minutes at enterprise); a given lead still wins through the coalesce
    left join addresses on addresses.email = activity.email
    where true {{ recomputed_leads_only('coalesce(activity.lead_id, addresses.lead_id)') }}
),

hot_actions as (
    select * from {{ ref('hot_actions') }}
),

ma_scores as (
    select
        resolved_lead_id as lead_id,
        activity_id,
        occurred_at,
        sum(score_delta) over (
            partition by resolved_lead_id order by occurred_at, activity_id rows between unbounded preceding and current row
        ) as running_score
    from ma_activities
    where resolved_lead_id is not null and score_delta is not null
),

mql_signals as (
    select
        ma_activities.resolved_lead_id as lead_id,
        ma_activities.occurred_at as signal_at,
        'hot_action' as source,
        ma_activities.activity_id as source_id
    from ma_activities
    inner join hot_actions
        on
            hot_actions.activity_type = ma_activities.activity_type
            and (hot_actions.detail_pattern is null or ma_activities.detail ilike hot_actions.detail_pattern)
    where ma_activities.resolved_lead_id is not null
    {%- if var('mql_score_threshold') is not none %}

        union all

        select lead_id, occurred_at, 'ma_score', activity_id
        from ma_scores
        where running_score >= {{ var('mql_score_threshold') }}

        union all

        select lead_id, coalesce(updated_at, created_at), 'lead_score', lead_id
        from leads
        where score >= {{ var('mql_score_threshold') }}
    {%- endif %}
),

-- signs at the same instant (a hot action that also crossed the score) are ranked by source, so
-- every build names the same one
first_mql_signals as (
    select lead_id, signal_at, source, source_id
    from (
        select *, row_number() over (partition by lead_id order by signal_at, source, source_id) as signal_rank
        from mql_signals
    ) as ranked_signals
    where signal_rank = 1
),

lead_stages as (
    select * from {{ ref('lead_stages') }}
),

milestone_stages as (
    select * from {{ ref('milestone_stages') }}
),

lifecycle_stages as (
    select * from {{ ref('lifecycle_stages') }}
),

events as (
    select
        leads.lead_id,
        milestone_stages.stage,
        leads.created_at as changed_at,
        'lead_created' as source,
        leads.lead_id as source_id,
        leads.owner_rep_id as changed_by_rep_id
    from leads
    inner join milestone_stages on milestone_stages.milestone = 'lead_created'

    union all

    select
        status_history.lead_id,
        lead_stages.stage,
        status_history.changed_at,
        'lead_status_history',
        status_history.status,
        status_history.changed_by_rep_id
    from status_history
    inner join lead_stages on lead_stages.status = status_history.status

    union all

    select leads.lead_id, lead_stages.stage, leads.updated_at, 'lead_status', leads.status, null
    from leads
    inner join lead_stages on lead_stages.status = leads.status
    where
        leads.updated_at is not null
        and not exists (
            select 1 from status_history
            where status_history.lead_id = leads.lead_id
        )

    union all

    select meetings.lead_id, milestone_stages.stage, meetings.agreed_at, 'meeting', meetings.meeting_id, meetings.set_by_rep_id
    from meetings
    inner join milestone_stages on milestone_stages.milestone = 'meeting_agreed'
    where meetings.lead_id is not null

    union all

    select
        opportunities.lead_id,
        opportunity_intervals.lead_stage,
        opportunity_intervals.valid_from,
        opportunity_intervals.change_source,
        opportunities.opportunity_id,
        null
    from opportunity_intervals
    inner join opportunities using (opportunity_id)
    where opportunities.lead_id is not null
),

-- the stage signs above, and marketing's MQL sign while the lead has not yet gone past mql
signs as (
    select * from events

    union all

    select first_mql_signals.lead_id, 'mql', first_mql_signals.signal_at, first_mql_signals.source, first_mql_signals.source_id, null
    from first_mql_signals
    where not exists (
        select 1
        from events
        inner join lifecycle_stages as later on later.stage = events.stage
        where
            events.lead_id = first_mql_signals.lead_id
            and events.changed_at <= first_mql_signals.signal_at
            and later.stage_order > (
                select stage_order from lifecycle_stages
                where stage = 'mql'
            )
    )
),

final as (
    select
        signs.*,
        lifecycle_stages.stage_order,
        lifecycle_stages.is_exit,
        lifecycle_stages.is_terminal
    from signs
    inner join lifecycle_stages using (stage)
)

select *{{ history_partition(bucket_of='lead_id') }} from final
