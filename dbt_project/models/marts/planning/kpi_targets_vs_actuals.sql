-- Targets against actuals with business-day pacing (SPEC §6 営業日進捗): one row per month ×
-- scope × KPI with a target (targets.csv; `revenue` is the won amount). For a month with B
-- business days of which b have elapsed by the as-of date (inclusive):
--   paced_target = target × b ÷ B · attainment = actual ÷ target
--   paced_attainment = actual ÷ paced_target · landing_forecast (着地予測) = actual ÷ b × B
-- for KPIs that add up over a period (pacing: cumulative in the KPI catalogue). A rate or a
-- median has no pace: its paced target is the target and its landing is the value so far.
-- landing_low and landing_high bound the month's final value with 80% probability, from the
-- scope's own day-to-day variation (int_landing_forecasts; none for a median).
-- For a lower-is-better KPI (`direction: lower`: cancel rate, response minutes…) attainment is
-- target ÷ actual, so a 10-minute response against a 5-minute target is 50%, not 200%.
-- A scope with a target and no activity yet (a new starter, a rep on leave) has done 0 of a
-- cumulative KPI, not NULL; a rate without a denominator stays NULL.
with targets as (
    select * from {{ ref('fct_kpi_target') }}
),

reporting_window as (
    select * from {{ ref('int_reporting_window') }}
),

-- the band as it stands at the as-of date, or at the end of a month before it
bands as (
    select month_start, scope_type, scope_id, kpi, date_day, landing_low, landing_high
    from {{ ref('int_landing_forecasts') }}
),

actuals as (
    select period_start as month_start, scope_type, scope_id, kpi, value as actual
    from ({{ unpivot_kpis(ref('kpi_monthly'), 'month_start', also={'revenue': 'won_amount'}) }})
),

business_days as (
    select
        dim_date.month_start,
        count(*) filter (where dim_date.is_business_day) as business_days,
        count(*) filter (where dim_date.is_business_day and dim_date.date_day <= reporting_window.as_of_date)
            as business_days_elapsed
    from {{ ref('dim_date') }} as dim_date
    cross join reporting_window
    group by dim_date.month_start
),

paced as (
    select
        targets.month_start,
        targets.scope_type,
        targets.scope_id,
        targets.kpi,
        {{ is_cumulative_kpi('targets.kpi') }} as is_cumulative,
        {{ kpi_direction('targets.kpi') }} as direction,
        reporting_window.as_of_date,
        business_days.business_days,
        business_days.business_days_elapsed,
        cast(targets.target_value as double) as target,
        case when {{ is_cumulative_kpi('targets.kpi') }} then coalesce(actuals.actual, 0) else actuals.actual end as actual
    from targets
    cross join reporting_window
    left join business_days using (month_start)
    left join actuals using (month_start, scope_type, scope_id, kpi)
),

paced_targets as (
    select
        *,
        case when is_cumulative then target * business_days_elapsed / nullif(business_days, 0) else target end
            as paced_target
    from paced
),

final as (
    select
        paced_targets.month_start,
        paced_targets.scope_type,
        paced_targets.scope_id,
        paced_targets.kpi,
        is_cumulative,
        direction,
        as_of_date,
        business_days,
        business_days_elapsed,
        target,
        actual,
        paced_target,
        case when direction = 'lower' then {{ safe_ratio('target', 'actual') }} else {{ safe_ratio('actual', 'target') }} end
            as attainment,
        case when direction = 'lower' then {{ safe_ratio('paced_target', 'actual') }} else {{ safe_ratio('actual', 'paced_target') }} end
            as paced_attainment,
        case
            when is_cumulative then actual / nullif(business_days_elapsed, 0) * business_days
            else actual
        end as landing_forecast,
        bands.landing_low,
        bands.landing_high
    from paced_targets
    left join bands
        on
            bands.month_start = paced_targets.month_start
            and bands.scope_type = paced_targets.scope_type
            and bands.scope_id = paced_targets.scope_id
            and bands.kpi = paced_targets.kpi
            and bands.date_day = least(paced_targets.as_of_date, {{ period_last_day_of('month', 'paced_targets.month_start') }})
)

select * from final
order by month_start, scope_type, scope_id, kpi
