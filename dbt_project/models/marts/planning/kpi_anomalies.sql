-- Anomalies (SPEC §6 異常値検知): per scope and KPI, a complete week whose value falls outside an
-- interval of the scope's own eight complete weeks before that accounts for the week's volume
-- (docs/spec.md, "Anomalies"). With x a week's volume (a rate's denominator, 1 for a count) and
-- y = value × x, over the eight weeks:
--   usual_value  r  = Σ y ÷ Σ x (a rate pooled, a count's mean)
--   variation    σ² = Σ (y − r·x)² ÷ x ÷ 7, at least r for a count (Poisson) or r(1 − r) for a
--                     share (binomial): what chance alone makes of one unit of volume
--   usual_spread    = √(σ² ÷ x_week + σ² ÷ Σ x), the week's own chance and the usual level's
--   interval        = r ± k × usual_spread (var anomaly_k, default 2.5), shown within [0, 1] for a share
-- so 0 connections of 25 dials against a usual 10% is chance, and 0 of 250 is not. Flagged with
-- the interval, the direction and the size of the change ("connect rate of 東京SDR fell to 58% of
-- its usual level"). Which weeks and values are judged (silent weeks, small denominators) is
-- int_kpi_weekly_values; a week is judged only when all eight before it have a value and the
-- spread is not zero; `is_worse` reads the KPI's direction in the catalogue.
with weekly_values as (
    select
        *,
        value * volume as amount
    from {{ ref('int_kpi_weekly_values') }}
),

history as (
    select
        *,
        count(value) over previous_eight as usual_weeks,
        sum(case when value is not null then amount end) over previous_eight as usual_amount,
        sum(case when value is not null then volume end) over previous_eight as usual_volume,
        sum(case when value is not null then amount * amount / volume end) over previous_eight as usual_amount_squares
    from weekly_values
    window previous_eight as (
        partition by scope_type, scope_id, kpi order by week_start rows between 8 preceding and 1 preceding
    )
),

usual as (
    select
        *,
        usual_amount / usual_volume as usual_value
    from history
    where usual_weeks = 8 and usual_volume > 0 and value is not null and volume > 0
),

variation as (
    select
        *,
        -- Σ (y − r·x)² ÷ x = Σ y²/x − 2r Σ y + r² Σ x
        greatest(
            (usual_amount_squares - 2 * usual_value * usual_amount + usual_value * usual_value * usual_volume) / 7,
            case
                when kind = 'count' then usual_value
                when kind = 'share' then usual_value * (1 - usual_value)
                else 0.0
            end
        ) as variation_per_volume
    from usual
),

judged as (
    select
        *,
        sqrt(variation_per_volume / volume + variation_per_volume / usual_volume) as usual_spread
    from variation
),

final as (
    select
        week_start,
        scope_type,
        scope_id,
        kpi,
        value,
        volume,
        usual_value,
        usual_spread,
        -- shown as a range a value can take: no KPI is below 0, no share above 1
        greatest(usual_value - {{ var('anomaly_k') }} * usual_spread, 0.0) as interval_low,
        case
            when kind = 'share' then least(usual_value + {{ var('anomaly_k') }} * usual_spread, 1.0)
            else usual_value + {{ var('anomaly_k') }} * usual_spread
        end as interval_high,
        (value - usual_value) / usual_spread as deviations,
        case when value > usual_value then 'up' else 'down' end as direction,
        value - usual_value as absolute_change,
        value / nullif(usual_value, 0) as relative_to_usual,
        case when kpi_direction = 'lower' then value > usual_value else value < usual_value end as is_worse
    from judged
    where
        usual_spread > 0
        and abs(value - usual_value) > {{ var('anomaly_k') }} * usual_spread
)

select * from final
order by week_start, scope_type, scope_id, kpi
