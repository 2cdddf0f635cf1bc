-- Events only accumulate: built once, then each night only the keys appended (macros/nightly_increment.sql).
{{ config(**history_config(unique_key='event_id')) }}

with source as (
    {{ dedupe_latest(source('raw', 'email_events'), ['event_id'], known_by=['occurred_at']) }}
),

final as (
    select
        event_id,
        message_id,
        lead_id,
        email,
        campaign_id,
        sender_type,
        rep_id,
        event_type,
        occurred_at,
        cast({{ local_timestamp('occurred_at') }} as date) as occurred_date,
        _file_id as source_file_id
    from source
)

select *{{ history_partition(month_of='occurred_at') }} from final
