-- Leads without personal data (SPEC §7): no e-mail, phone or contact name — those stay in the
-- working database. Account attributes are carried so every lead-based KPI slices by them.
with leads as (
    select * from {{ ref('stg_raw__leads') }}
),

channel_labels as (
    select * from {{ ref('int_channel_labels') }}
),

accounts as (
    select * from {{ ref('dim_account') }}
),

final as (
    select
        leads.lead_id,
        leads.account_id,
        coalesce(channel_labels.channel, 'unknown') as channel,
        coalesce(channel_labels.channel_group, 'unknown') as channel_group,
        leads.lead_type,
        leads.owner_rep_id,
        leads.created_at,
        leads.created_date,
        leads.score,
        leads.is_deleted,
        accounts.industry,
        accounts.icp_tier
    from leads
    left join channel_labels on channel_labels.raw_channel = leads.raw_channel
    left join accounts using (account_id)
)

select * from final
