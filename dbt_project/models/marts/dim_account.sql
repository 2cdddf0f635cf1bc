with accounts as (
    select * from {{ ref('stg_raw__accounts') }}
),

final as (
    select
        account_id,
        account_name,
        account_name_key,
        industry,
        employee_count,
        prefecture,
        icp_tier
    from accounts
)

select * from final
