-- The landing forecast (着地予測, SPEC §6) of every month, scope and KPI as it stood at the end of
-- each day up to the as-of date, with its 80% band: what kpi_targets_vs_actuals shows for the
-- as-of day and marts.forecast_backtest checks against the months that closed. The spread of
-- int_landing_spreads is calibrated on how the KPI's forecasts of the six months before fared
-- (`calibration`): no band until var forecast_min_calibration forecasts of closed months say how
-- wide is honest.
with reporting_window as (
    select * from {{ ref('int_reporting_window') }}
),

forecasts as (
    select * from {{ ref('int_landing_spreads') }}
),

-- the months that closed by the as-of date, and how far each forecast of theirs missed, in spreads
finals as (
    select
        forecasts.month_start,
        forecasts.scope_type,
        forecasts.scope_id,
        forecasts.kpi,
        forecasts.actual_to_date as final_value
    from forecasts
    cross join reporting_window
    where
        forecasts.date_day = {{ period_last_day_of('month', 'forecasts.month_start') }}
        and forecasts.date_day <= reporting_window.as_of_date
),

misses as (
    select
        forecasts.month_start,
        forecasts.kpi,
        abs(finals.final_value - forecasts.landing_forecast) / forecasts.landing_spread as miss
    from forecasts
    inner join finals
        on
            finals.month_start = forecasts.month_start
            and finals.scope_type = forecasts.scope_type
            and finals.scope_id = forecasts.scope_id
            and finals.kpi = forecasts.kpi
    where
        forecasts.is_business_day
        and forecasts.business_days_elapsed < forecasts.business_days
        and forecasts.landing_spread > 0
        and finals.final_value is not null
),

-- the spread's factor for a month: what made 80% of the KPI's forecasts of the six months before
-- it (every scope) hold, so a band is calibrated on the team's own track record, never on the
-- month it is checked against (conformal calibration)
calibration as (
    select
        months.month_start,
        months.kpi,
        count(misses.miss) as calibration_forecasts,
        {{ quantile('misses.miss', 0.8) }} / {{ normal_quantile(0.8) }} as spread_factor
    from (select distinct month_start, kpi from forecasts) as months
    left join misses
        on
            misses.kpi = months.kpi
            and misses.month_start < months.month_start
            and misses.month_start >= months.month_start - interval 6 month
    group by months.month_start, months.kpi
),

calibrated as (
    select
        forecasts.*,
        finals.final_value,
        calibration.calibration_forecasts,
        calibration.spread_factor,
        case
            when calibration.calibration_forecasts >= {{ var('forecast_min_calibration') }}
                then forecasts.landing_spread * calibration.spread_factor
        end as calibrated_spread
    from forecasts
    inner join calibration using (month_start, kpi)
    left join finals using (month_start, scope_type, scope_id, kpi)
),

final as (
    select
        month_start,
        date_day,
        scope_type,
        scope_id,
        kpi,
        kind,
        is_business_day,
        business_days,
        business_days_elapsed,
        history_days,
        calibration_forecasts,
        spread_factor,
        numerator_to_date,
        denominator_to_date,
        actual_to_date,
        landing_forecast,
        {{ landing_bound('landing_forecast', 'calibrated_spread', 'numerator_to_date', 'kind', 0.8, 'low') }} as landing_low,
        {{ landing_bound('landing_forecast', 'calibrated_spread', 'numerator_to_date', 'kind', 0.8, 'high') }} as landing_high,
        -- the month's final value, once it has closed by the as-of date
        final_value
    from calibrated
)

select * from final
