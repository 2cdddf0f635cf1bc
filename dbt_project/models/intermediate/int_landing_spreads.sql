-- The landing forecast (着地予測, SPEC §6) of every month, scope and KPI as it stood at the end of
-- each day of the month up to the as-of date, and its spread before calibration
-- (int_landing_forecasts calibrates it into the 80% band; macros/intervals.sql). A count's
-- landing is actual ÷ b × B; a ratio's is its value so far. The spread reads the scope's own
-- day-to-day variation over its business days from three months before the month through the
-- day (silent business days count, as zeros, from the scope's first day with any of the KPI);
-- fewer than var forecast_min_history_days of them give none.
{%- set parts = [] %}
{%- for kpi in kpi_names(pacing='cumulative') + ['revenue'] %}
    {%- do parts.append([kpi, 'won_amount' if kpi == 'revenue' else kpi, none]) %}
{%- endfor %}
{%- for kpi, ratio in kpi_ratio_parts().items() %}
    {#- the sheet carries a ratio and its denominator, not always its numerator (handoff scores) -#}
    {%- do parts.append([kpi, kpi ~ ' * ' ~ ratio[1], ratio[1]]) %}
{%- endfor %}
with reporting_window as (
    select * from {{ ref('int_reporting_window') }}
),

dates as (
    select date_day, month_start, is_business_day from {{ ref('dim_date') }}
),

days as (
    select * from {{ ref('int_kpi_days') }}
),

-- each KPI of each scope-day as a numerator and a denominator (a count's is its business day, in `dense`)
daily_long as (
    {%- for kpi, numerator, denominator in parts %}
        select
            date_day,
            scope_type,
            scope_id,
            '{{ kpi }}' as kpi,
            '{{ kpi_kind(kpi) }}' as kind,
            cast(coalesce({{ numerator }}, 0) as double) as numerator,
            cast(coalesce({{ denominator or '0' }}, 0) as double) as denominator
        from days
        {{ "union all" if not loop.last }}
    {%- endfor %}
),

scope_kpis as (
    select scope_type, scope_id, kpi, kind, min(date_day) as first_day
    from daily_long
    where numerator <> 0 or denominator <> 0
    group by scope_type, scope_id, kpi, kind
),

-- every day from the first month of a scope's KPI through the as-of date: a silent day is a zero
dense as (
    select
        scope_kpis.scope_type,
        scope_kpis.scope_id,
        scope_kpis.kpi,
        scope_kpis.kind,
        dates.month_start,
        dates.date_day,
        dates.is_business_day,
        dates.date_day >= scope_kpis.first_day as is_active,
        coalesce(daily_long.numerator, 0) as numerator,
        -- a count's denominator is its business days
        case
            when scope_kpis.kind = 'count' then case when dates.is_business_day then 1.0 else 0.0 end
            else coalesce(daily_long.denominator, 0)
        end as denominator
    from scope_kpis
    cross join reporting_window
    inner join dates
        on
            dates.date_day >= cast(date_trunc('month', scope_kpis.first_day) as date)
            and dates.date_day <= reporting_window.as_of_date
    left join daily_long
        on
            daily_long.scope_type = scope_kpis.scope_type
            and daily_long.scope_id = scope_kpis.scope_id
            and daily_long.kpi = scope_kpis.kpi
            and daily_long.date_day = dates.date_day
),

-- a business day's share of the variation sums (y: numerator, x: denominator)
contributions as (
    select
        *,
        case when is_business_day and is_active then 1 else 0 end as d,
        case when is_business_day and is_active then numerator else 0.0 end as y,
        case when is_business_day and is_active then denominator else 0.0 end as x
    from dense
),

to_date as (
    select
        *,
        sum(numerator) over month_so_far as numerator_to_date,
        sum(denominator) over month_so_far as denominator_to_date,
        sum(case when is_business_day then 1 else 0 end) over month_so_far as business_days_elapsed,
        sum(d) over month_so_far as month_d,
        sum(y) over month_so_far as month_y,
        sum(x) over month_so_far as month_x,
        sum(y * y) over month_so_far as month_yy,
        sum(x * y) over month_so_far as month_xy,
        sum(x * x) over month_so_far as month_xx
    from contributions
    window month_so_far as (
        partition by scope_type, scope_id, kpi, month_start order by date_day rows between unbounded preceding and current row
    )
),

months as (
    select
        scope_type,
        scope_id,
        kpi,
        month_start,
        sum(d) as d,
        -- exact: a float sum in thread order would move the last digits from one build to the next
        {{ exact_sum('y') }} as y,
        {{ exact_sum('x') }} as x,
        {{ exact_sum('y * y') }} as yy,
        {{ exact_sum('x * y') }} as xy,
        {{ exact_sum('x * x') }} as xx
    from contributions
    group by scope_type, scope_id, kpi, month_start
),

three_months_before as (
    select
        scope_type,
        scope_id,
        kpi,
        month_start,
        coalesce(sum(d) over before, 0) as d,
        coalesce(sum(y) over before, 0) as y,
        coalesce(sum(x) over before, 0) as x,
        coalesce(sum(yy) over before, 0) as yy,
        coalesce(sum(xy) over before, 0) as xy,
        coalesce(sum(xx) over before, 0) as xx
    from months
    window before as (partition by scope_type, scope_id, kpi order by month_start rows between 3 preceding and 1 preceding)
),

history as (
    select
        to_date.*,
        to_date.month_d + three_months_before.d as history_days,
        to_date.month_y + three_months_before.y as history_y,
        to_date.month_x + three_months_before.x as history_x,
        to_date.month_yy + three_months_before.yy as history_yy,
        to_date.month_xy + three_months_before.xy as history_xy,
        to_date.month_xx + three_months_before.xx as history_xx
    from to_date
    inner join three_months_before using (scope_type, scope_id, kpi, month_start)
),

-- s²: the variance per business day of numerator − rate × denominator over the history
variation as (
    select
        *,
        case
            when history_days >= {{ var('forecast_min_history_days') }} and history_x > 0
                then
                    (
                        history_yy
                        - 2 * (history_y / history_x) * history_xy
                        + (history_y / history_x) * (history_y / history_x) * history_xx
                    ) / (history_days - 1)
        end as residual_variance
    from history
),

business_days as (
    select month_start, count(*) filter (where is_business_day) as business_days
    from dates
    group by month_start
),

forecasts as (
    select
        variation.*,
        business_days.business_days,
        case
            when variation.kind = 'count'
                then variation.numerator_to_date / nullif(variation.business_days_elapsed, 0) * business_days.business_days
            else {{ safe_ratio('variation.numerator_to_date', 'variation.denominator_to_date') }}
        end as landing_forecast,
        case
            when variation.business_days_elapsed > 0 and (variation.kind = 'count' or variation.denominator_to_date > 0)
                then
            {{ landing_spread('variation.residual_variance', 'variation.denominator_to_date', 'variation.business_days_elapsed',
                'business_days.business_days', 'variation.kind') }}
        end as landing_spread
    from variation
    inner join business_days using (month_start)
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
        cast(business_days as bigint) as business_days,
        cast(business_days_elapsed as bigint) as business_days_elapsed,
        cast(history_days as bigint) as history_days,
        numerator_to_date,
        case when kind = 'count' then null else denominator_to_date end as denominator_to_date,
        case when kind = 'count' then numerator_to_date else {{ safe_ratio('numerator_to_date', 'denominator_to_date') }} end
            as actual_to_date,
        landing_forecast,
        landing_spread
    from forecasts
)

select * from final
