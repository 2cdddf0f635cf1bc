with source as (
    {{ dedupe_latest(source('raw', 'lead_status_history'), ['lead_id', 'changed_at'], known_by=['changed_at']) }}
),

final as (
    select
        lead_id,
        status,
        changed_at,
        {{ local_timestamp('changed_at') }} as changed_at_local,
        changed_by_rep_id
    from source
)

select * from final
