with source as (
    {{ dedupe_latest(source('raw', 'meetings'), ['meeting_id'], 'updated_at', known_by=['agreed_at']) }}
),

final as (
    select
        meeting_id,
        lead_id,
        set_by_rep_id,
        fs_rep_id,
        agreed_at,
        {{ local_timestamp('agreed_at') }} as agreed_at_local,
        cast({{ local_timestamp('agreed_at') }} as date) as agreed_date,
        date_confirmed_at,
        scheduled_for,
        status,
        bant_budget,
        bant_authority,
        bant_need,
        bant_timing,
        handoff_score,
        updated_at,
        coalesce(is_deleted, false) as is_deleted
    from source
)

select * from final
