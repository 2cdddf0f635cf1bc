-- Labels that no mapping names yet, by value and count: kept as their own value (channel group
-- `unmapped`) so nothing is lost, and listed here and in the run summary so a manager can map them.
with channel_labels as (
    select * from {{ ref('int_channel_labels') }}
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
)

select * from final
