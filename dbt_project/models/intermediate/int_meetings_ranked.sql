-- Each live meeting (one deleted in the CRM stays flagged in staging and counts nowhere),
-- whether it is its lead's first, and how many touches the lead had before it
-- was agreed (touches at the very moment of agreement count: the appointment call itself).
with meetings as (
    select * from {{ ref('stg_raw__meetings') }}
    where not is_deleted
),

touches as (
    select * from {{ ref('int_lead_touches') }}
),

ranked as (
    select
        *,
        row_number() over (partition by lead_id order by agreed_at, meeting_id) = 1 as is_first_meeting_of_lead
    from meetings
),

final as (
    select
        ranked.*,
        (
            select count(*)
            from touches
            where touches.lead_id = ranked.lead_id and touches.touched_at <= ranked.agreed_at
        ) as touches_before
    from ranked
)

select * from final
