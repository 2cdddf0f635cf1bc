with source as (
    {{ dedupe_latest(source('raw', 'targets'), ['period_month', 'scope_type', 'scope_id', 'kpi']) }}
),

final as (
    select
        cast(date_trunc('month', period_month) as date) as month_start,
        scope_type,
        scope_id,
        kpi,
        target_value
    from source
)

select * from final
