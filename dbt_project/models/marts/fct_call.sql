-- One row per call (SPEC §7), once however many systems recorded it (int_calls_matched), with the
-- flags of its disposition, its local date, weekday and hour (for "when to call") and the systems
-- it was seen in. The dialled phone number stays in the working database.
-- Nightly, the calls of the records int_calls_matched rematched in this build: a record that now
-- counts as part of another call loses its row.
{{ config(**history_config(on_schema_change='fail',
    replaced_rows="call_id in (select call_id from {{ ref('int_calls_matched') }} where built_in_build = {{ this_build() }})")) }}

with calls as (
    select * from {{ ref('int_calls_matched') }}
    where
        is_counted
        {%- if is_incremental() %}
            and built_in_build = {{ this_build() }}
        {%- endif %}
),

final as (
    select
        call_id,
        rep_id,
        lead_id,
        lead_resolution,
        direction,
        started_at,
        started_date,
        {{ iso_day_of_week('started_at_local') }} as started_iso_day_of_week,
        cast(hour(started_at_local) as bigint) as started_hour,
        canonical_result,
        logged_result,
        is_dial,
        rang as is_rang,
        connected as is_connected,
        effective as is_effective,
        appointment as is_appointment,
        talk_seconds,
        is_placed_by_phone_system,
        is_logged_in_crm,
        seen_in
    from calls
)

select *{{ history_partition(month_of='started_at') }} from final
