-- Marketing e-mail per campaign (SPEC §7: campaign emails are reported apart from IS emails):
-- messages sent, and the share ever delivered, opened, clicked, replied to or bounced.
with messages as (
    select * from {{ ref('fct_email_message') }}
    where sender_type = 'marketing' and sent_at is not null
),

final as (
    select
        coalesce(campaign_id, 'unknown') as campaign_id,
        min(sent_date) as first_sent_date,
        max(sent_date) as last_sent_date,
        count(*) as emails_sent,
        count(*) filter (where is_delivered) as emails_delivered,
        count(*) filter (where is_opened) as emails_opened,
        count(*) filter (where is_clicked) as emails_clicked,
        count(*) filter (where is_replied) as emails_replied,
        count(*) filter (where is_bounced) as emails_bounced,
        {{ safe_ratio('count(*) filter (where is_opened)', 'count(*)') }} as open_rate,
        {{ safe_ratio('count(*) filter (where is_clicked)', 'count(*)') }} as click_rate,
        {{ safe_ratio('count(*) filter (where is_replied)', 'count(*)') }} as reply_rate,
        {{ safe_ratio('count(*) filter (where is_bounced)', 'count(*)') }} as bounce_rate
    from messages
    group by coalesce(campaign_id, 'unknown')
)

select * from final
order by campaign_id
