-- Leads without personal data (SPEC §7): no e-mail, phone or contact name — those stay in the
-- working database. Account attributes are carried so every lead-based KPI slices by them.
with leads as (
    select * from {{ ref('stg_raw__leads') }}
),

channels as (
    select * from {{ ref('channels') }}
),

accounts as (
    select * from {{ ref('dim_account') }}
),

final as (
    select
        leads.lead_id,
        leads.account_id,
        coalesce(channels.channel, 'unknown') as channel,
        leads.lead_type,
        leads.owner_rep_id,
        leads.created_at,
        leads.created_date,
        leads.score,
        leads.is_deleted,
        accounts.industry,
        accounts.icp_tier
    from leads
    left join channels on channels.raw_channel = leads.raw_channel
    left join accounts using (account_id)
)

select * from final
