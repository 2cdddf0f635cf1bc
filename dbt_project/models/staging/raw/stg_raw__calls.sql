-- Events only accumulate: built once, then each night only the keys appended (macros/nightly_increment.sql).
{{ config(**history_config(unique_key='call_id')) }}

with source as (
    {{ dedupe_latest(source('raw', 'calls'), ['call_id'], known_by=['started_at']) }}
),

final as (
    select
        call_id,
        rep_id,
        lead_id,
        phone,
        direction,
        started_at,
        {{ local_timestamp('started_at') }} as started_at_local,
        cast({{ local_timestamp('started_at') }} as date) as started_date,
        result,
        coalesce(talk_seconds, 0) as talk_seconds,
        coalesce(logged_in, 'phone_system') as logged_in,
        dialer_call_id,
        _file_id as source_file_id
    from source
)

select *{{ history_partition(month_of='started_at') }} from final
