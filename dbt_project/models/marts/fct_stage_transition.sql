-- One row per change of a lead's canonical stage (SPEC §4, §7), from every source system.
-- Changes after the as-of day are not known yet.
with stints as (
    select * from {{ ref('int_lead_stage_stints') }}
    where changed_at < (select as_of_end from {{ ref('int_reporting_window') }})
),

final as (
    select
        lead_id || ':' || transition_number as transition_id,
        lead_id,
        transition_number,
        from_stage,
        stage as to_stage,
        changed_at,
        cast({{ local_timestamp('changed_at') }} as date) as changed_date,
        source,
        source_id,
        changed_by_rep_id,
        is_regression,
        stage = 'nurture' as is_recycle
    from stints
)

select * from final
