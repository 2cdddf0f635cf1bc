-- The activity dates (local) whose kpi_counts_daily rows a nightly build recounts: every day a row
-- appended since the last finished build may add a count to or take one from, in any version.
--   * the days of every version of each call and message redone this build;
--   * the creation days of every version of the leads recounted for touches (int_leads_retouched);
--   * the agreement days of every version of the meetings whose rank or touches may change: those
--     with a new version, and every meeting of a lead any of them names or that was retouched;
--   * every day, when a rep has a new version (who counts as inside sales may change).
-- Empty in a full build, which counts every day.
with new_meeting_versions as (
    select meeting_id, lead_id from {{ source('raw', 'meetings') }}
    where meeting_id in (select meeting_id from {{ appended_this_build(source('raw', 'meetings')) }})
),

reranked_meetings as (
    select agreed_at from {{ source('raw', 'meetings') }}
    where
        meeting_id in (select meeting_id from new_meeting_versions)
        or lead_id in (select lead_id from new_meeting_versions)
        -- meetings without a lead are ranked together
        or (lead_id is null and exists (
            select 1 from new_meeting_versions
            where lead_id is null
        ))
        or lead_id in (select lead_id from {{ ref('int_leads_retouched') }})
),

instants as (
    select happened_at from {{ ref('int_activities_redone') }}
    union all
    select created_at from {{ source('raw', 'leads') }}
    where lead_id in (select lead_id from {{ ref('int_leads_retouched') }})
    union all
    select agreed_at from reranked_meetings
),

recounted as (
    select cast({{ local_timestamp('happened_at') }} as date) as activity_date from instants
    union
    select date_day from {{ ref('dim_date') }}
    where exists (select 1 from {{ appended_this_build(source('raw', 'reps')) }})
)

select activity_date
from recounted
where
    activity_date is not null
    and {{ is_nightly_increment() }}
