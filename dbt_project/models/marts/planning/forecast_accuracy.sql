-- How far to trust the landing forecast (marts.forecast_backtest summed up): per KPI and business
-- day of the month, the months × scopes backtested, the share whose final value fell inside the
-- 80% band (coverage: about 0.8 when the band is honest) and the mean absolute error; per KPI over
-- all days (business_days_elapsed NULL), and over every KPI (kpi 'all').
with backtest as (
    select * from {{ ref('forecast_backtest') }}
),

final as (
    select
        kpi,
        business_days_elapsed,
        count(*) as forecasts,
        {{ safe_ratio('count(*) filter (where is_covered)', 'count(*)') }} as coverage,
        {{ exact_avg('absolute_error') }} as mean_absolute_error
    from backtest
    group by kpi, business_days_elapsed

    union all

    select
        kpi,
        cast(null as bigint) as business_days_elapsed,
        count(*) as forecasts,
        {{ safe_ratio('count(*) filter (where is_covered)', 'count(*)') }} as coverage,
        {{ exact_avg('absolute_error') }} as mean_absolute_error
    from backtest
    group by kpi

    union all

    select
        'all' as kpi,
        cast(null as bigint) as business_days_elapsed,
        count(*) as forecasts,
        {{ safe_ratio('count(*) filter (where is_covered)', 'count(*)') }} as coverage,
        cast(null as double) as mean_absolute_error
    from backtest
)

select * from final
order by kpi, business_days_elapsed
