with source as (
    {{ dedupe_latest(source('raw', 'leads'), ['lead_id'], 'updated_at', known_by=['created_at']) }}
),

final as (
    select
        lead_id,
        account_id,
        company_name,
        {{ company_match_key('company_name') }} as company_name_key,
        contact_name,
        email,
        phone,
        channel as raw_channel,
        lead_type,
        owner_rep_id,
        created_at,
        {{ local_timestamp('created_at') }} as created_at_local,
        cast({{ local_timestamp('created_at') }} as date) as created_date,
        status,
        score,
        updated_at,
        coalesce(is_deleted, false) as is_deleted
    from source
)

select * from final
