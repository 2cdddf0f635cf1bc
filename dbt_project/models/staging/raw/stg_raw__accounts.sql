with source as (
    {{ dedupe_latest(source('raw', 'accounts'), ['account_id']) }}
),

final as (
    select
        account_id,
        account_name,
        {{ company_match_key('account_name') }} as account_name_key,
        industry,
        employee_count,
        prefecture,
        icp_tier
    from source
)

select * from final
