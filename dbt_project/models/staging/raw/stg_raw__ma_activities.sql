-- Events only accumulate: built once, then each night only the keys appended (macros/nightly_increment.sql).
{{ config(**history_config(unique_key='activity_id')) }}

with source as (
    {{ dedupe_latest(source('raw', 'ma_activities'), ['activity_id'], known_by=['occurred_at']) }}
),

final as (
    select
        activity_id,
        lead_id,
        email,
        activity_type,
        detail,
        channel as raw_channel,
        occurred_at,
        score_delta
    from source
)

select *{{ history_partition(month_of='occurred_at') }} from final
