-- One row per inbound call (the inbound line, beside SPEC §5's KPIs), counted once however many
-- systems recorded it (int_calls_matched): answered (it reached someone: the disposition's
-- `connected`) or missed; whether its caller called in again within 24 hours and within 7 days
-- (再入電), NULL while that window runs past the as-of date; for a missed call, the minutes to
-- the first outbound call back to the caller. The caller is the calling number, else the lead;
-- the number stays in the working database.
with reporting_window as (
    select * from {{ ref('int_reporting_window') }}
),

calls as (
    select
        call_id,
        rep_id,
        lead_id,
        direction,
        is_dial,
        connected,
        started_at,
        started_date,
        coalesce('tel:' || phone, 'lead:' || lead_id) as caller
    from {{ ref('int_calls_matched') }}
    where is_counted
),

-- every call of a caller who ever called in: their next call in and the next call out to them
caller_calls as (
    select
        *,
        min(case when direction = 'inbound' then started_at end) over later as next_inbound_at,
        min(case when is_dial then started_at end) over later as next_dial_at
    from calls
    where
        caller in (
            select inbound_calls.caller from calls as inbound_calls
            where inbound_calls.direction = 'inbound'
        )
    window later as (partition by caller order by started_at, call_id rows between 1 following and unbounded following)
),

inbound as (
    select
        calls.call_id,
        calls.rep_id,
        calls.lead_id,
        calls.started_at,
        calls.started_date,
        coalesce(calls.connected, false) as is_answered,
        calls.caller is not null as is_caller_known,
        {{ seconds_between('calls.started_at', 'caller_calls.next_inbound_at') }} as seconds_to_next_inbound,
        {{ seconds_between('calls.started_at', 'caller_calls.next_dial_at') }} as seconds_to_next_dial,
        {{ seconds_between('calls.started_at', 'reporting_window.as_of_end') }} as seconds_to_as_of_end
    from calls
    cross join reporting_window
    left join caller_calls on caller_calls.call_id = calls.call_id
    where calls.direction = 'inbound'
),

final as (
    select
        call_id,
        rep_id,
        lead_id,
        started_at,
        started_date,
        is_answered,
        is_caller_known,
        {%- for name, seconds in [('24h', 86400), ('7d', 604800)] %}
            case
                when not is_caller_known then null
                when seconds_to_next_inbound <= {{ seconds }} then true
                when seconds_to_as_of_end >= {{ seconds }} then false
            end as called_again_within_{{ name }},
        {%- endfor %}
        case when not is_answered then seconds_to_next_dial / 60.0 end as callback_minutes
    from inbound
)

select * from final
