-- Events only accumulate: built once, then each night only the keys appended (macros/nightly_increment.sql).
{{ config(materialized=history_materialization(), unique_key='event_id', incremental_strategy='delete+insert') }}

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

select * from final
