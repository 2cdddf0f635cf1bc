-- Every dated sign of a lead's canonical stage (SPEC §4), whichever system it comes from:
-- the lead's creation, its status history (vendor values mapped by mappings/lead_stages.csv),
-- meetings agreed and opportunity stage changes (mappings/milestone_stages.csv and
-- mappings/opportunity_stages.csv). A lead with no status history at all falls back on its
-- current status, dated by its updated_at.
with leads as (
    select * from {{ ref('stg_raw__leads') }}
),

status_history as (
    select * from {{ ref('stg_raw__lead_status_history') }}
),

meetings as (
    select * from {{ ref('stg_raw__meetings') }}
    where not is_deleted
),

opportunities as (
    select * from {{ ref('stg_raw__opportunities') }}
    where not is_deleted
),

opportunity_history as (
    select * from {{ ref('stg_raw__opportunity_stage_history') }}
),

lead_stages as (
    select * from {{ ref('lead_stages') }}
),

milestone_stages as (
    select * from {{ ref('milestone_stages') }}
),

opportunity_stages as (
    select * from {{ ref('opportunity_stages') }}
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
    where leads.updated_at is not null
        and not exists (select 1 from status_history where status_history.lead_id = leads.lead_id)

    union all

    select meetings.lead_id, milestone_stages.stage, meetings.agreed_at, 'meeting', meetings.meeting_id, meetings.set_by_rep_id
    from meetings
    inner join milestone_stages on milestone_stages.milestone = 'meeting_agreed'
    where meetings.lead_id is not null

    union all

    select
        opportunities.lead_id,
        opportunity_stages.lead_stage,
        opportunity_history.changed_at,
        'opportunity_stage_history',
        opportunities.opportunity_id,
        null
    from opportunity_history
    inner join opportunities using (opportunity_id)
    inner join opportunity_stages on opportunity_stages.stage = opportunity_history.stage
    where opportunities.lead_id is not null
),

final as (
    select
        events.*,
        lifecycle_stages.stage_order,
        lifecycle_stages.is_exit,
        lifecycle_stages.is_terminal
    from events
    inner join lifecycle_stages using (stage)
)

select * from final
