{%- set cutoff = as_of_end() -%}
-- Under an as-of build a meeting's version may come from a later export: its status then stands
-- only if it had happened by the as-of day (held or no-show at scheduled_for; a cancellation is
-- dated by nothing but the export, so it had not), else the meeting was still `scheduled`.
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
        scheduled_for,
        {%- if cutoff %}
            case
                when
                    updated_at >= {{ cutoff }}
                    and (status = 'cancelled' or (status in ('held', 'no_show') and not coalesce(scheduled_for < {{ cutoff }}, false)))
                    then 'scheduled'
                else status
            end as status,
            case when date_confirmed_at < {{ cutoff }} then date_confirmed_at end as date_confirmed_at,
        {%- else %}
            status,
            date_confirmed_at,
        {%- endif %}
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
