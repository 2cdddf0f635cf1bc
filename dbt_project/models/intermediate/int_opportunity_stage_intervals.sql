-- Each opportunity's life as intervals [valid_from, valid_to) of one stage and amount (SPEC §5
-- pipeline_amount, §7), so the pipeline of any past day is what it was then, read the way CRMs
-- export deals:
--   * a deal is open from its created_at: when stage history is absent or starts later, the
--     first interval opens at creation in the first recorded open stage (else the record's
--     current stage while it is open, else no vendor stage: canonical `qualification`, since an
--     opportunity exists, its lead reached sal);
--   * history, when present, gives stage and amount over time;
--   * the record is authoritative when history lacks the change that made it what it is: a
--     closed deal with no closing row closes at its closed_at (else updated_at); an open deal
--     whose history ends closed was reopened at its updated_at.
-- Only changes known by the end of the as-of day count, so an as-of build never sees a later
-- win, loss or reopening (review 1.1, 1.2, 1.4).
with stages as (
    select * from {{ ref('opportunity_stages') }}
),

reporting_window as (
    select as_of_end from {{ ref('int_reporting_window') }}
),

opportunities as (
    select opportunities.*, coalesce(stages.is_closed, false) as is_closed_now
    from {{ ref('stg_raw__opportunities') }} as opportunities
    left join stages using (stage)
    where not opportunities.is_deleted
),

history as (
    select history.*, coalesce(stages.is_closed, false) as is_closed
    from {{ ref('stg_raw__opportunity_stage_history') }} as history
    left join stages using (stage)
),

history_span as (
    select
        opportunity_id,
        min(changed_at) as first_changed_at,
        min_by(stage, changed_at) filter (where not is_closed) as first_open_stage,
        bool_or(is_closed) as has_closing_change,
        max(changed_at) as last_changed_at,
        max_by(is_closed, changed_at) as ends_closed
    from history
    group by opportunity_id
),

changes as (
    select
        history.opportunity_id, history.stage, history.amount, history.changed_at, 1 as source_order,
        'opportunity_stage_history' as change_source
    from history
    inner join opportunities using (opportunity_id)

    union all

    select
        opportunities.opportunity_id,
        coalesce(
            history_span.first_open_stage,
            case when not opportunities.is_closed_now then opportunities.stage end
        ),
        null,
        opportunities.created_at,
        0,
        'opportunity_created'
    from opportunities
    left join history_span using (opportunity_id)
    where history_span.first_changed_at is null or history_span.first_changed_at > opportunities.created_at

    union all

    select
        opportunities.opportunity_id,
        opportunities.stage,
        null,
        case
            when opportunities.is_closed_now
                then coalesce(opportunities.closed_at, opportunities.updated_at, opportunities.created_at)
            else opportunities.updated_at
        end,
        2,
        'opportunity_record'
    from opportunities
    left join history_span using (opportunity_id)
    where
        (opportunities.is_closed_now and not coalesce(history_span.has_closing_change, false))
        or (not opportunities.is_closed_now and history_span.ends_closed and opportunities.updated_at > history_span.last_changed_at)
),

known_changes as (
    select * from changes
    where changed_at < (select as_of_end from reporting_window)
),

final as (
    select
        known_changes.opportunity_id,
        known_changes.stage,
        coalesce(stages.canonical_stage, 'qualification') as canonical_stage,
        coalesce(stages.lead_stage, 'sal') as lead_stage,
        coalesce(known_changes.amount, opportunities.amount) as amount,
        not coalesce(stages.is_closed, false) as is_open,
        coalesce(stages.is_won, false) as is_won,
        known_changes.change_source,
        known_changes.changed_at as valid_from,
        lead(known_changes.changed_at) over (
            partition by known_changes.opportunity_id order by known_changes.changed_at, known_changes.source_order
        ) as valid_to
    from known_changes
    inner join opportunities using (opportunity_id)
    left join stages on stages.stage = known_changes.stage
)

select * from final
