-- Target suggestions (SPEC §6) for the month after the as-of date, per scope and KPI, from the
-- average of the last three complete months: stretch 115%, achievable 102.5%, floor 90%. The
-- same trailing averages are the rates marts.kpi_plan and `iskpi plan` use when none is given.
with reporting_window as (
    select
        as_of_date,
        -- the first month not complete on the as-of date
        cast(date_trunc('month', as_of_date + 1) as date) as suggestion_month
    from {{ ref('int_reporting_window') }}
),

monthly as (
    {{ unpivot_kpis(ref('kpi_monthly'), 'month_start', also={'revenue': 'won_amount'}) }}
),

last_three_months as (
    select
        monthly.scope_type,
        monthly.scope_id,
        monthly.kpi,
        reporting_window.as_of_date,
        reporting_window.suggestion_month,
        min(monthly.period_start) as trailing_from,
        max(monthly.period_start) as trailing_to,
        count(monthly.value) as trailing_months,
        {{ exact_avg('monthly.value') }} as trailing_average
    from monthly
    cross join reporting_window
    where monthly.period_start < reporting_window.suggestion_month
        and monthly.period_start >= reporting_window.suggestion_month - interval 3 month
    group by all
),

final as (
    select
        suggestion_month,
        scope_type,
        scope_id,
        kpi,
        {{ is_cumulative_kpi('kpi') }} as is_cumulative,
        as_of_date,
        trailing_from,
        trailing_to,
        trailing_months,
        trailing_average,
        trailing_average * 1.15 as stretch_target,
        trailing_average * 1.025 as achievable_target,
        trailing_average * 0.9 as floor_target
    from last_three_months
)

select * from final
order by scope_type, scope_id, kpi
