with source as (
    {{ dedupe_latest(source('raw', 'opportunity_stage_history'), ['opportunity_id', 'changed_at'], known_by=['changed_at']) }}
),

final as (
    select
        opportunity_id,
        stage,
        amount,
        changed_at
    from source
)

select * from final
