with source as (
    {{ dedupe_latest(source('raw', 'opportunities'), ['opportunity_id'], 'updated_at', known_by=['created_at']) }}
),

final as (
    select
        opportunity_id,
        lead_id,
        account_id,
        meeting_id,
        owner_rep_id,
        created_at,
        stage,
        amount,
        -- a deal without a currency is in the reporting currency
        coalesce(upper(currency), upper('{{ var("reporting_currency") }}')) as currency,
        expected_close_date,
        closed_at,
        is_won,
        updated_at,
        coalesce(is_deleted, false) as is_deleted
    from source
)

select * from final
