-- One row per message: who sent it and when, and whether it was ever opened, clicked,
-- replied to or bounced, whatever day those events happened (SPEC §7). Its lead is the
-- lead_id given when that lead exists, else the one lead with the address; otherwise the
-- message is kept and flagged `unresolved` (SPEC §3).
-- Nightly, only the messages with events appended (an open days after the send), and those a
-- changed lead may resolve differently, are redone.
{{ config(**history_config(unique_key='message_id')) }}

with events as (
    select * from {{ ref('stg_raw__email_events') }}
    {%- if is_incremental() %}
        where message_id in (
            select message_id from {{ appended_this_build(source('raw', 'email_events')) }}
            union all
            select message_id from {{ this }}
            where
                lead_id in (select lead_id from {{ leads_changed_this_build() }})
                or given_lead_id in (select lead_id from {{ leads_changed_this_build() }})
                or email in (select email from {{ leads_changed_this_build() }})
        )
    {%- endif %}
),

known_leads as (
    select lead_id from {{ ref('stg_raw__leads') }}
),

addresses as (
    select contact_value as email, lead_id from {{ ref('int_lead_contact_points') }}
    where contact_type = 'email'
),

messages as (
    select
        message_id,
        min_by(sender_type, occurred_at) filter (where event_type = 'sent') as sender_type,
        min_by(rep_id, occurred_at) filter (where event_type = 'sent' and rep_id is not null) as sender_rep_id,
        min_by(lead_id, occurred_at) filter (where lead_id is not null) as given_lead_id,
        min_by(email, occurred_at) filter (where email is not null) as email,
        min_by(campaign_id, occurred_at) filter (where campaign_id is not null) as campaign_id,
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
        min(occurred_at) filter (where event_type = 'bounce') as first_bounced_at,
        -- the first export the message appeared in
        min(source_file_id) as source_file_id
    from events
    group by message_id
),

final as (
    select
        messages.*,
        coalesce(known_leads.lead_id, addresses.lead_id) as lead_id,
        case
            when known_leads.lead_id is not null then 'given'
            when addresses.lead_id is not null then 'email'
            else 'unresolved'
        end as lead_resolution,
        {{ this_build() }} as built_in_build
    from messages
    left join known_leads on known_leads.lead_id = messages.given_lead_id
    -- equality only, as in int_calls_dispositioned: a given lead wins through the coalesce above
    left join addresses on addresses.email = messages.email
)

select *{{ history_partition(month_of='sent_at') }} from final
