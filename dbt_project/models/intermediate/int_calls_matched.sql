-- One call is one call (SPEC §7): a phone system that integrates with the CRM writes a CRM activity
-- for every call it places, so a team that drops both exports has most calls twice. Every call
-- record, with the call it counts as. A CRM record is the phone system's record of the same call
--   * when it carries that record's dialer call id (Salesforce's Call Object Identifier);
--   * else when the rep, the direction and the customer (the number, or the lead either resolves
--     to) are the same and the CRM's time lies within call_match_window_minutes of the call, from
--     its start to its end (a CRM may stamp the time the rep saved the log): each is the other's
--     nearest such record.
-- The phone system's record carries the call: its dial, result and talk time, with the CRM's
-- result label and, where it resolved to no lead, the CRM's lead. A matched CRM record does not
-- count; a record matched to nothing counts once.
-- Nightly, every record of the reps and days a redone record can reach (its day and the days either
-- side, and the records sharing its dialer call id) is matched again, so a CRM record that arrives
-- a night after its call changes the same rows as when both arrive together.
{{ config(**history_config(unique_key='call_id')) }}

{#- a call longer than this is matched as if it ended then: with the window (at most 12 hours), a
    match stays within the next day, which is how far the nightly rematch reaches -#}
{%- set longest_matched_talk_seconds = 43200 -%}
{%- set window_seconds = var('call_match_window_minutes') * 60 -%}

{#- what matching reads of each record: the model is read by name at each use, not through one CTE
    of every column, which the engine would materialise whole (106 s of an enterprise full build) -#}
{%- set match_columns = 'call_id, logged_in, rep_id, lead_id, phone, direction, started_at, started_date, talk_seconds, dialer_call_id' -%}

{%- set records = '(select ' ~ match_columns ~ ', result, source_system, built_in_build from ' ~ ref('int_calls_dispositioned') ~ ')' -%}

with

{%- if is_incremental() %}
    redone as (
        select call_id, rep_id, started_date, dialer_call_id from {{ records }} as records
        where built_in_build = {{ this_build() }}
    ),

    -- the reps and days whose matches a redone record may change: where it is, where the records of
    -- the call an earlier version of it counted in are, and where the records sharing its dialer call id are
    touched_days as (
        select rep_id, started_date from redone
        union
        select rep_id, started_date from {{ this }}
        where
            counted_call_id in (
                select counted_call_id from {{ this }}
                where call_id in (select call_id from redone)
            )
        union
        select rep_id, started_date from {{ records }} as records
        where dialer_call_id in (select dialer_call_id from redone)
    ),

    -- rewritten: a day either side of a touched day; read: two days either side, every record whose
    -- match can decide a rewritten record's
    day_shifts as (
        select -2 as shift
        union all
        select -1
        union all
        select 0
        union all
        select 1
        union all
        select 2
    ),

    reach as (
        select
            touched_days.rep_id,
            touched_days.started_date + day_shifts.shift as started_date,
            bool_or(abs(day_shifts.shift) <= 1) as is_rewritten
        from touched_days
        cross join day_shifts
        group by all
    ),

    candidates as (
        select records.*, reach.is_rewritten
        from {{ records }} as records
        inner join reach using (rep_id, started_date)
    ),
{%- endif %}
{#- a full build matches every record: straight from the model, no set of candidates to keep -#}
{%- set candidates = 'candidates' if is_incremental() else records %}

crm_records as (
    select * from {{ candidates }}  -- noqa: AL05 (a subquery needs its name on Spark)
    where logged_in = 'crm'
),

phone_records as (
    select * from {{ candidates }}  -- noqa: AL05 (a subquery needs its name on Spark)
    where logged_in = 'phone_system'
),

id_pairs as (
    select crm_call_id, phone_call_id
    from (
        select
            crm.call_id as crm_call_id,
            phone.call_id as phone_call_id,
            row_number() over (partition by crm.call_id order by phone.call_id) as phone_rank
        from {{ records }} as crm
        inner join {{ records }} as phone on phone.dialer_call_id = crm.dialer_call_id
        where
            crm.logged_in = 'crm' and phone.logged_in = 'phone_system'
            {%- if is_incremental() %}
                -- on both sides: the optimizer does not carry the filter across the join
                and crm.dialer_call_id in (select dialer_call_id from candidates)
                and phone.dialer_call_id in (select dialer_call_id from candidates)
            {%- endif %}
    ) as by_id
    where phone_rank = 1
),

crm_unpaired as (
    select * from crm_records
    where call_id not in (select crm_call_id from id_pairs)
),

phone_unpaired as (
    select *, least(talk_seconds, {{ longest_matched_talk_seconds }}) as matched_talk_seconds from phone_records
    where call_id not in (select phone_call_id from id_pairs)
),

-- the same customer: the number both rows carry, or the lead both resolve to (a CRM log names
-- the lead, a dialer the number)
same_customer as (
    select
        crm.call_id as crm_call_id, phone.call_id as phone_call_id, crm.started_at as logged_at,
        phone.started_at, phone.matched_talk_seconds
    from crm_unpaired as crm
    inner join phone_unpaired as phone on phone.rep_id = crm.rep_id and phone.phone = crm.phone and phone.direction = crm.direction
    union
    select crm.call_id, phone.call_id, crm.started_at, phone.started_at, phone.matched_talk_seconds
    from crm_unpaired as crm
    inner join phone_unpaired as phone on phone.rep_id = crm.rep_id and phone.lead_id = crm.lead_id and phone.direction = crm.direction
),

-- seconds from the call (its start to its end) to the CRM's time: 0 inside the call
window_pairs as (
    select
        crm_call_id,
        phone_call_id,
        greatest(-{{ seconds_between('started_at', 'logged_at') }}, {{ seconds_between('started_at', 'logged_at') }} - matched_talk_seconds, 0)
            as distance_seconds
    from same_customer
    where {{ seconds_between('started_at', 'logged_at') }} between -{{ window_seconds }} and matched_talk_seconds + {{ window_seconds }}
),

nearest_pairs as (
    select crm_call_id, phone_call_id
    from (
        select
            crm_call_id,
            phone_call_id,
            row_number() over (partition by crm_call_id order by distance_seconds, phone_call_id) as phone_rank,
            row_number() over (partition by phone_call_id order by distance_seconds, crm_call_id) as crm_rank
        from window_pairs
    ) as ranked
    where phone_rank = 1 and crm_rank = 1
),

pairs as (
    select * from id_pairs
    union all
    select * from nearest_pairs
),

-- what the CRM adds to the call it logged: the latest log's result label, lead and system
crm_logs as (
    select phone_call_id, result, lead_id, source_system
    from (
        select
            pairs.phone_call_id,
            crm.result,
            crm.lead_id,
            crm.source_system,
            row_number() over (partition by pairs.phone_call_id order by crm.started_at desc, crm.call_id desc) as recency
        from pairs
        inner join {{ records }} as crm on crm.call_id = pairs.crm_call_id
    ) as logs
    where recency = 1
),

final as (
    select
        records.call_id,
        coalesce(logged_for.phone_call_id, records.call_id) as counted_call_id,
        logged_for.phone_call_id is null as is_counted,
        records.rep_id,
        coalesce(records.lead_id, crm_logs.lead_id) as lead_id,
        case when records.lead_id is null and crm_logs.lead_id is not null then 'crm_log' else records.lead_resolution end
            as lead_resolution,
        records.lead_id as record_lead_id,
        records.phone,
        records.direction,
        records.started_at,
        records.started_at_local,
        records.started_date,
        records.result,
        crm_logs.result as logged_result,
        records.talk_seconds,
        records.canonical_result,
        records.is_dial,
        records.rang,
        records.connected,
        records.effective,
        records.appointment,
        records.logged_in = 'phone_system' as is_placed_by_phone_system,
        records.logged_in = 'crm' or crm_logs.phone_call_id is not null as is_logged_in_crm,
        case
            when crm_logs.source_system is null or crm_logs.source_system = records.source_system then records.source_system
            else records.source_system || ', ' || crm_logs.source_system
        end as seen_in,
        {{ this_build() }} as built_in_build
    from {{ ref('int_calls_dispositioned') }} as records
    left join pairs as logged_for on logged_for.crm_call_id = records.call_id
    left join crm_logs on crm_logs.phone_call_id = records.call_id
    {%- if is_incremental() %}
        where records.call_id in (
            select call_id from candidates
            where is_rewritten
        )
    {%- endif %}
)

select *{{ history_partition(month_of='started_at') }} from final
