-- The leads whose touches a nightly build recounts (int_leads_touched): every lead whose own
-- dates or touches a row appended since the last finished build may change.
--   * a lead with a new version (created, deleted, given another owner);
--   * the lead each call or message redone this build resolves to now, and every lead it may
--     have resolved to before: the lead_id any version of it names, and every lead that had a
--     number or an address any version of it carries.
-- Empty in a full build, which recounts every lead.
with build as (
    select is_full_refresh from {{ source('audit', 'dbt_builds') }} where build_id = {{ this_build() }}
),

redone_calls as (
    select call_id, lead_id from {{ ref('int_calls_dispositioned') }}
    where built_in_build = {{ this_build() }} and not (select is_full_refresh from build)
),

redone_messages as (
    select message_id, lead_id from {{ ref('int_email_messages_rolled_up') }}
    where built_in_build = {{ this_build() }} and not (select is_full_refresh from build)
),

call_versions as (
    select lead_id, phone from {{ source('raw', 'calls') }}
    where call_id in (select call_id from redone_calls)
),

message_events as (
    select lead_id, email from {{ source('raw', 'email_events') }}
    where message_id in (select message_id from redone_messages)
),

retouched as (
    select lead_id from {{ leads_changed_this_build() }}
    union
    select lead_id from redone_calls
    union
    select lead_id from redone_messages
    union
    select lead_id from call_versions
    union
    select lead_id from message_events
    union
    select lead_id from {{ source('raw', 'leads') }}
    where phone in (select phone from call_versions) or email in (select email from message_events)
)

select lead_id
from retouched
where lead_id is not null
    and not (select is_full_refresh from build)
