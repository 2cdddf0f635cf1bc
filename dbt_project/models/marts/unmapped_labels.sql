-- Labels that no mapping names yet, by value and count: kept as their own value (channel group
-- `unmapped`) so nothing is lost, and listed here and in the run summary so a manager can map them;
-- and currencies without a rate for a month an amount is reported in (left out of amount KPIs).
with channel_labels as (
    select * from {{ ref('int_channel_labels') }}
),

opportunities_without_rate as (
    select currency, count(*) as opportunities
    from {{ ref('fct_opportunity') }}
    where is_amount_without_rate
    group by currency
),

final as (
    select
        'channel' as label,
        raw_channel as value,
        lead_rows + ma_activity_rows as rows,
        lead_rows,
        ma_activity_rows,
        'mappings/channels.csv' as mapping_file
    from channel_labels
    where not is_mapped and lead_rows + ma_activity_rows > 0

    union all

    select 'currency', currency, opportunities, 0, 0, 'mappings/currency_rates.csv'
    from opportunities_without_rate
)

select * from final
