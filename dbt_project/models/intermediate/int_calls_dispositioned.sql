-- Each call with the flags of its disposition (seeds/call_dispositions.csv, editable).
with calls as (
    select * from {{ ref('stg_raw__calls') }}
),

dispositions as (
    select * from {{ ref('call_dispositions') }}
),

final as (
    select
        calls.*,
        dispositions.canonical_result,
        calls.direction = 'outbound' as is_dial,
        dispositions.rang,
        dispositions.connected,
        dispositions.effective,
        dispositions.appointment
    from calls
    inner join dispositions on calls.result = dispositions.result
)

select * from final
