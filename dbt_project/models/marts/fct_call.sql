-- One row per call (SPEC §7) with the flags of its disposition, its local date, weekday and
-- hour (for "when to call"). The dialled phone number stays in the working database.
-- Nightly, the rows int_calls_dispositioned redid in this build.
{{ config(materialized=history_materialization(), unique_key='call_id', incremental_strategy='delete+insert') }}

with calls as (
    select * from {{ ref('int_calls_dispositioned') }}
    {%- if is_incremental() %}
        where built_in_build = {{ this_build() }}
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
        is_dial,
        rang as is_rang,
        connected as is_connected,
        effective as is_effective,
        appointment as is_appointment,
        talk_seconds
    from calls
)

select * from final
