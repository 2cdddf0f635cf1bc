-- The leads whose stage history a nightly build recomputes (macros/nightly_increment.sql): every
-- lead a row appended since the last finished build may give a different sign or take one from.
--   * a lead with a new version, and every lead that shares a number or an address with any
--     version of it (an MA activity resolved by address may move between them);
--   * a lead with new status history, or named by any version of a meeting, opportunity or
--     opportunity stage change that has a new version;
--   * a lead any version of an MA activity with a new version names, or whose address it carries;
--   * the leads of opportunities with a change between the last build's as-of cut and this
--     one's: a change known now that the last build left out (or the other way round).
-- Empty in a full build, which recomputes every lead.
with cut as (
    select least({{ previous_as_of_end() }}, as_of_end) as moved_from
    from {{ ref('int_reporting_window') }}
),

changed_leads as (
    select * from {{ leads_changed_this_build() }}
),

changed_opportunities as (
    select opportunity_id from {{ appended_this_build(source('raw', 'opportunities')) }}
    union
    select opportunity_id from {{ appended_this_build(source('raw', 'opportunity_stage_history')) }}
    union
    select opportunity_id from {{ source('raw', 'opportunities') }}
    where
        created_at >= (select moved_from from cut)
        or updated_at >= (select moved_from from cut)
        or closed_at >= (select moved_from from cut)
    union
    select opportunity_id from {{ source('raw', 'opportunity_stage_history') }}
    where changed_at >= (select moved_from from cut)
),

ma_activities as (
    select lead_id, email from {{ source('raw', 'ma_activities') }}
    where activity_id in (select activity_id from {{ appended_this_build(source('raw', 'ma_activities')) }})
),

restaged as (
    select lead_id from changed_leads
    union
    select lead_id from {{ source('raw', 'leads') }}
    where phone in (select phone from changed_leads) or email in (select email from changed_leads)
    union
    select lead_id from {{ appended_this_build(source('raw', 'lead_status_history')) }}
    union
    select lead_id from {{ source('raw', 'meetings') }}
    where meeting_id in (select meeting_id from {{ appended_this_build(source('raw', 'meetings')) }})
    union
    select lead_id from {{ source('raw', 'opportunities') }}
    where opportunity_id in (select opportunity_id from changed_opportunities)
    union
    select lead_id from ma_activities
    union
    select lead_id from {{ source('raw', 'leads') }}
    where email in (select email from ma_activities)
)

select lead_id
from restaged
where
    lead_id is not null
    and {{ is_nightly_increment() }}
