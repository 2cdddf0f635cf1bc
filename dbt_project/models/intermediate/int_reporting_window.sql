-- One row: the first and last local dates with data, and the as-of date the warehouse reports
-- at (var `as_of_date`, else the last date with data) with the instant that day ends. The build
-- record keeps that instant (orchestration/transform/build_state.py, record_as_of_end): the next
-- nightly build restages the leads whose history it moves (macros/nightly_increment.sql).

with activity_days as (
    select min(started_date) as first_day, max(started_date) as last_day from {{ ref('stg_raw__calls') }}
    union all
    select min(created_date), max(created_date) from {{ ref('stg_raw__leads') }}
    union all
    select min(agreed_date), max(agreed_date) from {{ ref('stg_raw__meetings') }}
    where not is_deleted
    union all
    -- sends only: an open or a reply the day after the last export is not a day of activity
    select min(occurred_date), max(occurred_date) from {{ ref('stg_raw__email_events') }}
    where event_type = 'sent'
),

bounds as (
    select
        min(first_day) as first_activity_date,
        max(last_day) as last_activity_date,
        {% if var('as_of_date') %}cast('{{ var("as_of_date") }}' as date){% else %}max(last_day){% endif %} as as_of_date
    from activity_days
),

final as (
    select
        first_activity_date,
        last_activity_date,
        as_of_date,
        {{ local_midnight('as_of_date + 1') }} as as_of_end
    from bounds
)

select * from final
