with source as (
    {{ dedupe_latest(source('raw', 'reps'), ['rep_id']) }}
),

final as (
    select
        rep_id,
        rep_name,
        department,
        team,
        role,
        email,
        active_from,
        active_to
    from source
)

select * from final
