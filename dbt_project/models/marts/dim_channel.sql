-- Canonical lead channels (seeds/channels.csv maps each raw label onto one).
with channels as (
    select * from {{ ref('channels') }}
),

final as (
    select
        channel,
        any_value(channel_group order by raw_channel) as channel_group,
        list(raw_channel order by raw_channel) as raw_labels
    from channels
    group by channel
)

select * from final
