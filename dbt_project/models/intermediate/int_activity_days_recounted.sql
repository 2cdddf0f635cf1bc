-- The activity dates (local) whose kpi_daily rows a nightly build recounts: every day a row
-- appended since the last finished build may add a count to or take one from, in any version.
--   * the days of every version of each call and message redone this build;
--   * the creation days of every version of the leads recounted for touches (int_leads_retouched);
--   * the agreement days of every version of the meetings whose rank or touches may change: those
--     with a new version, and every meeting of a lead any of them names or that was retouched;
--   * every day, when a rep has a new version (who counts as inside sales may change).
-- Empty in a full build, which counts every day.
with build as (
    select is_full_refresh from {{ source('audit', 'dbt_builds') }} where build_id = {{ this_build() }}
),

redone_calls as (
    select call_id from {{ ref('int_calls_dispositioned') }}
    where built_in_build = {{ this_build() }} and not (select is_full_refresh from build)
),

redone_messages as (
    select message_id from {{ ref('int_email_messages_rolled_up') }}
    where built_in_build = {{ this_build() }} and not (select is_full_refresh from build)
),

new_meeting_versions as (
    select meeting_id, lead_id from {{ source('raw', 'meetings') }}
    where meeting_id in (select meeting_id from {{ appended_this_build(source('raw', 'meetings')) }})
),

reranked_meetings as (
    select agreed_at from {{ source('raw', 'meetings') }}
    where meeting_id in (select meeting_id from new_meeting_versions)
        or lead_id in (select lead_id from new_meeting_versions)
        -- meetings without a lead are ranked together
        or (lead_id is null and exists (select 1 from new_meeting_versions where lead_id is null))
        or lead_id in (select lead_id from {{ ref('int_leads_retouched') }})
),

instants as (
    select started_at as happened_at from {{ source('raw', 'calls') }}
    where call_id in (select call_id from redone_calls)
    union all
    select occurred_at from {{ source('raw', 'email_events') }}
    where message_id in (select message_id from redone_messages)
    union all
    select created_at from {{ source('raw', 'leads') }}
    where lead_id in (select lead_id from {{ ref('int_leads_retouched') }})
    union all
    select agreed_at from reranked_meetings
),

recounted as (
    select distinct cast({{ local_timestamp('happened_at') }} as date) as activity_date from instants
    union
    select date_day from {{ ref('dim_date') }}
    where exists (select 1 from {{ appended_this_build(source('raw', 'reps')) }})
)

select activity_date
from recounted
where activity_date is not null
    and not (select is_full_refresh from build)
