-- One row per opportunity (SPEC §7). At rep and team scope it belongs to the IS rep who set
-- its meeting (`rep_id`); without a meeting it is not IS-sourced and counts at org scope only.
-- The field-sales owner is `fs_rep_id`. Opportunities deleted in the CRM stay flagged in staging
-- and count nowhere.
with opportunities as (
    select * from {{ ref('stg_raw__opportunities') }}
    where not is_deleted
),

stages as (
    select * from {{ ref('opportunity_stages') }}
),

meetings as (
    select meeting_id, set_by_rep_id from {{ ref('stg_raw__meetings') }}
    where not is_deleted
),

closing_changes as (
    select history.opportunity_id, min(history.changed_at) as first_closed_at
    from {{ ref('stg_raw__opportunity_stage_history') }} as history
    inner join stages on stages.stage = history.stage
    where stages.is_closed
    group by history.opportunity_id
),

classified as (
    select
        opportunities.*,
        meetings.set_by_rep_id,
        stages.canonical_stage,
        coalesce(stages.is_closed, false) as is_closed,
        coalesce(stages.is_won, opportunities.is_won, false) as is_won_deal,
        -- a closed opportunity whose closed_at was left empty closed when its stage changed
        case when stages.is_closed then coalesce(opportunities.closed_at, closing_changes.first_closed_at, opportunities.updated_at) end
            as closed_at_or_stage_change
    from opportunities
    left join stages using (stage)
    left join meetings using (meeting_id)
    left join closing_changes using (opportunity_id)
),

final as (
    select
        opportunity_id,
        lead_id,
        account_id,
        meeting_id,
        set_by_rep_id as rep_id,
        owner_rep_id as fs_rep_id,
        meeting_id is not null as is_is_sourced,
        created_at,
        cast({{ local_timestamp('created_at') }} as date) as created_date,
        canonical_stage as stage,
        amount,
        currency,
        expected_close_date,
        is_closed,
        is_won_deal as is_won,
        is_closed and not is_won_deal as is_lost,
        closed_at_or_stage_change as closed_at,
        cast({{ local_timestamp('closed_at_or_stage_change') }} as date) as closed_date
    from classified
)

select * from final
