-- A touch is an outbound call or a sent IS email (SPEC §7), one row per touch of a known lead.
-- A view: its two readers scan it once each, cheaper than writing every call and message again.
{{ config(materialized='view') }}

with calls as (
    select * from {{ ref('int_calls_matched') }}
    where is_counted
),

messages as (
    select * from {{ ref('int_email_messages_rolled_up') }}
),

final as (
    select lead_id, started_at as touched_at, rep_id, 'call' as touch_type, call_id as touch_id
    from calls
    where is_dial and lead_id is not null

    union all

    select lead_id, sent_at as touched_at, sender_rep_id as rep_id, 'email' as touch_type, message_id as touch_id
    from messages
    where sender_type = 'rep' and sent_at is not null and lead_id is not null
)

select * from final
