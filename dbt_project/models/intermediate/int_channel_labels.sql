-- Every raw channel label seen in leads and MA activities, and the channel it counts as: the one
-- mappings/channels.csv gives it, else the label itself in the channel group `unmapped`. A label
-- is a dimension value (SPEC §3), never a reason to quarantine a lead.
with mappings as (
    select * from {{ ref('channels') }}
),

lead_labels as (
    select raw_channel, count(*) as lead_rows
    from {{ ref('stg_raw__leads') }}
    where raw_channel is not null
    group by raw_channel
),

activity_labels as (
    select raw_channel, count(*) as ma_activity_rows
    from {{ ref('stg_raw__ma_activities') }}
    where raw_channel is not null
    group by raw_channel
),

labels as (
    select raw_channel from mappings
    union
    select raw_channel from lead_labels
    union
    select raw_channel from activity_labels
),

final as (
    select
        labels.raw_channel,
        coalesce(mappings.channel, labels.raw_channel) as channel,
        coalesce(mappings.channel_group, 'unmapped') as channel_group,
        mappings.raw_channel is not null as is_mapped,
        coalesce(lead_labels.lead_rows, 0) as lead_rows,
        coalesce(activity_labels.ma_activity_rows, 0) as ma_activity_rows
    from labels
    left join mappings using (raw_channel)
    left join lead_labels using (raw_channel)
    left join activity_labels using (raw_channel)
)

select * from final
