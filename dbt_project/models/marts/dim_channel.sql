-- Lead channels: the canonical ones of mappings/channels.csv with the raw labels mapped onto each,
-- and every label nobody mapped yet as a channel of its own (group `unmapped`).
with labels as (
    select * from {{ ref('int_channel_labels') }}
),

final as (
    select
        channel,
        coalesce(min(channel_group) filter (where is_mapped), 'unmapped') as channel_group,
        {{ sorted_list('raw_channel') }} as raw_labels
    from labels
    group by channel
)

select * from final
