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

-- a join and a count, not a correlated subquery: Spark plans a subquery correlated on `<=` as a
-- nested loop over every meeting and touch (minutes at team scale, where DuckDB takes a second)
touches_before as (
    select ranked.meeting_id, count(*) as touches_before
    from ranked
    inner join touches on touches.lead_id = ranked.lead_id and touches.touched_at <= ranked.agreed_at
    group by ranked.meeting_id
),

final as (
    select
        ranked.*,
        coalesce(touches_before.touches_before, 0) as touches_before
    from ranked
    left join touches_before on touches_before.meeting_id = ranked.meeting_id
)

select * from final
