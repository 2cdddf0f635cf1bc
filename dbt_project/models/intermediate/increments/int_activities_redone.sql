-- The calls and e-mail messages a nightly build redoes (a version appended since the last finished
-- build), read once for the models that find what they may move (int_leads_retouched,
-- int_activity_days_recounted): one row per raw version of each, with the lead it names, the
-- number or address it carries and when it happened, and the lead the activity resolves to now;
-- and every call record int_calls_matched rematched, with its own lead and the lead of the call it
-- counts in (a CRM log may give the call its lead, and a log matched to another call takes it away).
-- Empty in a full build, which recounts everything.
with redone_calls as (
    select call_id, lead_id from {{ ref('int_calls_dispositioned') }}
    where built_in_build = {{ this_build() }} and {{ is_nightly_increment() }}
),

rematched_calls as (
    select record_lead_id, lead_id, started_at from {{ ref('int_calls_matched') }}
    where built_in_build = {{ this_build() }} and {{ is_nightly_increment() }}
),

redone_messages as (
    select message_id, lead_id from {{ ref('int_email_messages_rolled_up') }}
    where built_in_build = {{ this_build() }} and {{ is_nightly_increment() }}
),

final as (
    select
        calls.lead_id, redone_calls.lead_id as resolved_lead_id, calls.phone, cast(null as string) as email,
        calls.started_at as happened_at
    from {{ source('raw', 'calls') }} as calls
    inner join redone_calls on redone_calls.call_id = calls.call_id
    union all
    select record_lead_id, lead_id, cast(null as string), cast(null as string), started_at
    from rematched_calls
    union all
    select events.lead_id, redone_messages.lead_id, cast(null as string), events.email, events.occurred_at
    from {{ source('raw', 'email_events') }} as events
    inner join redone_messages on redone_messages.message_id = events.message_id
)

select * from final
