-- The calls and e-mail messages a nightly build redoes (a version appended since the last finished
-- build), read once for the models that find what they may move (int_leads_retouched,
-- int_activity_days_recounted): one row per raw version of each, with the lead it names, the
-- number or address it carries and when it happened, plus one row per activity with the lead it
-- resolves to now (contact and time null: its latest version has them).
-- Empty in a full build, which recounts everything.
with redone_calls as (
    select call_id, lead_id from {{ ref('int_calls_dispositioned') }}
    where built_in_build = {{ this_build() }} and {{ is_nightly_increment() }}
),

redone_messages as (
    select message_id, lead_id from {{ ref('int_email_messages_rolled_up') }}
    where built_in_build = {{ this_build() }} and {{ is_nightly_increment() }}
),

final as (
    select lead_id, phone, cast(null as varchar) as email, started_at as happened_at
    from {{ source('raw', 'calls') }}
    where call_id in (select call_id from redone_calls)
    union all
    select lead_id, cast(null as varchar), email, occurred_at
    from {{ source('raw', 'email_events') }}
    where message_id in (select message_id from redone_messages)
    union all
    select lead_id, cast(null as varchar), cast(null as varchar), cast(null as timestamptz) from redone_calls
    union all
    select lead_id, cast(null as varchar), cast(null as varchar), cast(null as timestamptz) from redone_messages
)

select * from final
