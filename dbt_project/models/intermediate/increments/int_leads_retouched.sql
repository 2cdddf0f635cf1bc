-- The leads whose touches a nightly build recounts (int_leads_touched): every lead whose own
-- dates or touches a row appended since the last finished build may change.
--   * a lead with a new version (created, deleted, given another owner);
--   * the lead each call or message redone this build resolves to now, and every lead it may
--     have resolved to before: the lead_id any version of it names, and every lead that had a
--     number or an address any version of it carries.
-- Empty in a full build, which recounts every lead.
with redone as (
    select * from {{ ref('int_activities_redone') }}
),

retouched as (
    select lead_id from {{ leads_changed_this_build() }}
    union
    select lead_id from redone
    union
    select resolved_lead_id from redone
    union
    select lead_id from {{ source('raw', 'leads') }}
    where phone in (select phone from redone) or email in (select email from redone)
)

select lead_id
from retouched
where
    lead_id is not null
    and {{ is_nightly_increment() }}
