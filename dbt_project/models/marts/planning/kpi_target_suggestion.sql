-- Target suggestions (SPEC §6) for the month after the as-of date, per scope and KPI, from the
-- three complete months before it (int_kpi_trailing, computed from the rows): the baseline of a
-- rate is pooled over the window (Σ numerator ÷ Σ denominator: 1/1, 0/9 and 1/10 wins give 2/20,
-- not the mean of three ratios), of a median the window's median, of a count or amount its
-- monthly average over the window's months with data, of the pipeline what stood at the end.
-- A window month before the first day with data is missing: said in months_without_data, and
-- left out of the average. Stretch / achievable / floor are the baseline × the vars
-- target_stretch / target_achievable / target_floor (115% / 102.5% / 90%); for a KPI whose
-- `direction` is `lower` in the catalogue (cancel rate, response minutes…) the same steps go
-- the other way: × (2 − factor), so the stretch target is below the baseline.
-- The same baselines are the rates marts.kpi_plan and `iskpi plan` use when none is given.
with trailing_window as (
    select * from {{ ref('int_period_windows') }}
    where window_name = 'trailing'
),

reporting_window as (
    select reporting_window.*, trailing_window.window_from as trailing_from, trailing_window.window_until as trailing_until
    from {{ ref('int_reporting_window') }} as reporting_window
    cross join trailing_window
),

window_months as (
    select
        count(*) filter (where dim_date.month_start >= date_trunc('month', reporting_window.first_activity_date)) as months_with_data,
        {{ sorted_string_agg("left(cast(dim_date.month_start as string), 7)", ', ',
            where="dim_date.month_start < date_trunc('month', reporting_window.first_activity_date)") }} as months_without_data
    from (select distinct month_start from {{ ref('dim_date') }}) as dim_date
    cross join reporting_window
    where dim_date.month_start >= reporting_window.trailing_from and dim_date.month_start < reporting_window.trailing_until
),

trailing_kpis as (
    {{ unpivot_kpis(ref('int_kpi_trailing'), 'trailing_start', also={'revenue': 'won_amount'}) }}
),

baselines as (
    select
        trailing_kpis.scope_type,
        trailing_kpis.scope_id,
        trailing_kpis.kpi,
        {{ is_cumulative_kpi('trailing_kpis.kpi') }} as is_cumulative,
        {{ kpi_direction('trailing_kpis.kpi') }} as direction,
        window_months.months_with_data,
        window_months.months_without_data,
        case
            when {{ is_cumulative_kpi('trailing_kpis.kpi') }} then trailing_kpis.value / nullif(window_months.months_with_data, 0)
            else trailing_kpis.value
        end as baseline
    from trailing_kpis
    cross join window_months
),

final as (
    select
        reporting_window.trailing_until as suggestion_month,
        baselines.scope_type,
        baselines.scope_id,
        baselines.kpi,
        baselines.is_cumulative,
        baselines.direction,
        reporting_window.as_of_date,
        reporting_window.trailing_from,
        cast(reporting_window.trailing_until - interval 1 month as date) as trailing_to,
        baselines.months_with_data as trailing_months,
        baselines.months_without_data,
        baselines.baseline,
    {%- for level in ['stretch', 'achievable', 'floor'] %}
        baselines.baseline * case
            when baselines.direction = 'lower' then 2 - {{ var('target_' ~ level) }}
            else {{ var('target_' ~ level) }}
        end as {{ level }}_target{{ "," if not loop.last }}
    {%- endfor %}
    from baselines
    cross join reporting_window
)

select * from final
order by scope_type, scope_id, kpi
