-- One row per lead with what fct_lead_lifecycle takes from its stages (int_lead_stage_days, one
-- column per canonical stage): the first time it reached each stage, the seconds of its stints
-- there closed before the as-of cut, when it first entered mql, and its current stage with the
-- start of its open stint there.
-- Nightly, only the leads int_leads_recut names are recomputed.
{{ config(**history_config(replaced_rows="lead_id in (select lead_id from {{ ref('int_leads_recut') }})")) }}

with stage_days as (
    select * from {{ ref('int_lead_stage_days') }}
    where true {{ recomputed_leads_only(leads=ref('int_leads_recut')) }}
),

final as (
    select
        lead_id,
        {% for stage in canonical_stages() %}
            min(first_reached_at) filter (where stage = '{{ stage }}') as first_{{ stage }}_at,
            any_value(closed_seconds) filter (where stage = '{{ stage }}') as closed_seconds_{{ stage }},
        {% endfor %}
        min(first_entered_at) filter (where stage = 'mql') as entered_mql_at,
        any_value(stage) filter (where is_current_stage) as current_stage,
        any_value(current_since) filter (where is_current_stage) as current_since,
        any_value(stuck_after_days) filter (where is_current_stage) as current_stuck_after_days
    from stage_days
    group by lead_id
)

select *{{ history_partition(bucket_of='lead_id') }} from final
