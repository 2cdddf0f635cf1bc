-- One row per e-mail message (SPEC §7): sender, send date, and whether it was ever delivered,
-- opened, clicked, replied to or bounced, with the first time of each.
-- Nightly, the rows int_email_messages_rolled_up redid in this build.
{{ config(**history_config(unique_key='message_id')) }}

with messages as (
    select * from {{ ref('int_email_messages_rolled_up') }}
    {%- if is_incremental() %}
        where built_in_build = {{ this_build() }}
    {%- endif %}
),

final as (
    select
        message_id,
        sender_type,
        sender_rep_id as rep_id,
        lead_id,
        lead_resolution,
        campaign_id,
        sent_at,
        sent_date,
        is_delivered,
        is_opened,
        is_clicked,
        is_replied,
        is_bounced,
        first_delivered_at,
        first_opened_at,
        first_clicked_at,
        first_replied_at,
        first_bounced_at
    from messages
)

select *{{ history_partition(month_of='sent_at') }} from final
