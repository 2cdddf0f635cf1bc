-- The landing forecast checked against what happened: for every month that has closed by the
-- as-of date, every scope and KPI, the forecast and its 80% band as they stood at the end of each
-- business day before the last (int_landing_forecasts), beside the month's final value. A band
-- is honest when about 80% of them hold the final value (marts.forecast_accuracy).
with forecasts as (
    select * from {{ ref('int_landing_forecasts') }}
),

final as (
    select
        month_start,
        scope_type,
        scope_id,
        kpi,
        kind,
        date_day as forecast_date,
        business_days_elapsed,
        business_days,
        actual_to_date,
        landing_forecast,
        landing_low,
        landing_high,
        spread_factor,
        final_value,
        final_value between landing_low and landing_high as is_covered,
        abs(landing_forecast - final_value) as absolute_error
    from forecasts
    where
        is_business_day
        and business_days_elapsed < business_days
        and landing_low is not null
        and final_value is not null
)

select * from final
order by month_start, scope_type, scope_id, kpi, forecast_date
