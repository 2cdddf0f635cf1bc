-- Anomalies (SPEC §6 異常値検知): per scope and KPI, a complete week whose value departs from the
-- mean of the previous eight complete weeks by more than k standard deviations (var anomaly_k,
-- default 2.5), with the direction and the size of the change ("connect rate of 東京SDR fell to
-- 58% of its usual level"). Which weeks and values are judged (silent weeks, small denominators)
-- is int_kpi_weekly_values. A week is flagged only when all eight weeks before it have a value
-- and their spread is not zero; `is_worse` reads the KPI's direction in the catalogue.
with weekly_values as (
    select * from {{ ref('int_kpi_weekly_values') }}
),

history as (
    select
        *,
        count(value) over previous_eight as usual_weeks,
        avg(value) over previous_eight as usual_value,
        stddev_samp(value) over previous_eight as usual_spread
    from weekly_values
    window previous_eight as (
        partition by scope_type, scope_id, kpi order by week_start rows between 8 preceding and 1 preceding
    )
),

final as (
    select
        week_start,
        scope_type,
        scope_id,
        kpi,
        value,
        usual_value,
        usual_spread,
        (value - usual_value) / usual_spread as deviations,
        case when value > usual_value then 'up' else 'down' end as direction,
        value - usual_value as absolute_change,
        value / nullif(usual_value, 0) as relative_to_usual,
        case when kpi_direction = 'lower' then value > usual_value else value < usual_value end as is_worse
    from history
    where
        usual_weeks = 8
        and usual_spread > 0
        and abs(value - usual_value) > {{ var('anomaly_k') }} * usual_spread
)

select * from final
order by week_start, scope_type, scope_id, kpi
