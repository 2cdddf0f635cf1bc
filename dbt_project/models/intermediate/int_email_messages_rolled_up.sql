-- One row per message: who sent it and when, and whether it was ever opened, clicked,
-- replied to or bounced, whatever day those events happened (SPEC §7).
with events as (
    select * from {{ ref('stg_raw__email_events') }}
),

final as (
    select
        message_id,
        any_value(sender_type order by occurred_at) filter (where event_type = 'sent') as sender_type,
        any_value(rep_id order by occurred_at) filter (where event_type = 'sent') as sender_rep_id,
        any_value(lead_id order by occurred_at) filter (where lead_id is not null) as lead_id,
        any_value(campaign_id order by occurred_at) filter (where campaign_id is not null) as campaign_id,
        min(occurred_at) filter (where event_type = 'sent') as sent_at,
        min(occurred_date) filter (where event_type = 'sent') as sent_date,
        count(*) filter (where event_type = 'delivered') > 0 as is_delivered,
        count(*) filter (where event_type = 'open') > 0 as is_opened,
        count(*) filter (where event_type = 'click') > 0 as is_clicked,
        count(*) filter (where event_type = 'reply') > 0 as is_replied,
        count(*) filter (where event_type = 'bounce') > 0 as is_bounced,
        min(occurred_at) filter (where event_type = 'delivered') as first_delivered_at,
        min(occurred_at) filter (where event_type = 'open') as first_opened_at,
        min(occurred_at) filter (where event_type = 'click') as first_clicked_at,
        min(occurred_at) filter (where event_type = 'reply') as first_replied_at,
        min(occurred_at) filter (where event_type = 'bounce') as first_bounced_at
    from events
    group by message_id
)

select * from final
