-- Targets per month, scope and KPI (targets.csv): a KPI name of SPEC §5, or `revenue`.
with targets as (
    select * from {{ ref('stg_raw__targets') }}
),

final as (
    select
        month_start,
        scope_type,
        scope_id,
        kpi,
        target_value
    from targets
)

select * from final
