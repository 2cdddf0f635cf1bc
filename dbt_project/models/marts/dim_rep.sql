with reps as (
    select * from {{ ref('stg_raw__reps') }}
),

final as (
    select
        rep_id,
        rep_name,
        department,
        team,
        role,
        active_from,
        active_to,
        department = 'is' as is_inside_sales
    from reps
)

select * from final
