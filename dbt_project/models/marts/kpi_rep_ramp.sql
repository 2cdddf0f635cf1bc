-- How new reps ramp (立ち上がり): each IS rep's activity, tactical and outcome KPIs (the KPI
-- catalogue's categories) by month since their start, month 1 being the month of active_from,
-- in long form, beside the median of the same month since start over the reps of their team and
-- of the organisation. A curve reads only complete months (a month still running would drag it
-- down); a rep's running month is kept, marked is_complete_month false. The team is the one the
-- rep was in at the month's start, or at their start in their first month.
{%- set kpis = kpi_names(categories=['activity', 'tactical', 'outcome']) %}
with reporting_window as (
    select * from {{ ref('int_reporting_window') }}
),

rep_months as (
    select
        monthly.*,
        dim_rep.active_from,
        -- bigint on both engines (Spark's year() is an int)
        cast(
            (year(monthly.month_start) - year(dim_rep.active_from)) * 12
            + month(monthly.month_start) - month(dim_rep.active_from) + 1 as bigint
        ) as months_since_start,
        {{ period_last_day_of('month', 'monthly.month_start') }} <= reporting_window.as_of_date as is_complete_month
    from {{ ref('kpi_monthly') }} as monthly
    inner join {{ ref('dim_rep') }} as dim_rep on dim_rep.rep_id = monthly.scope_id
    cross join reporting_window
    where
        monthly.scope_type = 'rep'
        and dim_rep.is_inside_sales
        and dim_rep.active_from is not null
        and monthly.month_start >= cast(date_trunc('month', dim_rep.active_from) as date)
),

with_team as (
    select
        rep_months.*,
        reps.team
    from rep_months
    {{ join_team_on_date('rep_months.scope_id', 'greatest(rep_months.month_start, rep_months.active_from)') }}
),

values_long as (
    {%- for kpi in kpis %}
        select
            scope_id as rep_id,
            team,
            active_from,
            month_start,
            months_since_start,
            is_complete_month,
            '{{ kpi }}' as kpi,
            cast({{ kpi }} as double) as value
        from with_team
        {{ "union all" if not loop.last }}
    {%- endfor %}
),

team_curve as (
    select
        team,
        months_since_start,
        kpi,
        median(value) as team_median,
        count(value) as team_reps_in_median
    from values_long
    where is_complete_month
    group by team, months_since_start, kpi
),

org_curve as (
    select
        months_since_start,
        kpi,
        median(value) as org_median,
        count(value) as org_reps_in_median
    from values_long
    where is_complete_month
    group by months_since_start, kpi
),

final as (
    select
        values_long.rep_id,
        values_long.team,
        values_long.active_from,
        values_long.month_start,
        values_long.months_since_start,
        values_long.is_complete_month,
        values_long.kpi,
        values_long.value,
        team_curve.team_median,
        team_curve.team_reps_in_median,
        {{ safe_ratio('values_long.value', 'team_curve.team_median') }} as relative_to_team_median,
        org_curve.org_median,
        org_curve.org_reps_in_median
    from values_long
    left join team_curve
        on
            team_curve.team = values_long.team
            and team_curve.months_since_start = values_long.months_since_start
            and team_curve.kpi = values_long.kpi
    left join org_curve
        on
            org_curve.months_since_start = values_long.months_since_start
            and org_curve.kpi = values_long.kpi
)

select * from final
order by rep_id, month_start, kpi
