-- Each KPI of the weekly sheet per complete week and scope, in long form, as anomaly detection
-- (marts.kpi_anomalies) judges it: every week from a scope's first one, so a silent week counts
-- (a count is 0 then, a rate has no value); a rate or a median only over a week whose
-- denominator (macro kpi_denominators) reaches var anomaly_min_denominator; the KPI's direction
-- from the catalogue. `volume` is what the value is taken over (a rate's denominator; 1 for a
-- count or a level) and `kind` says what chance variation it has at the least (a count Poisson's,
-- a share binomial's). The as-of week is left out until it is complete.
{%- set denominators = kpi_denominators() %}
{%- set kpis = kpi_names() | reject('in', ['stage_days', 'channel_conversion']) | list %}
{%- set counts = kpi_names(pacing='cumulative') %}
with reporting_window as (
    select * from {{ ref('int_reporting_window') }}
),

weekly as (
    select * from {{ ref('kpi_weekly') }}
),

weeks as (
    select distinct week_start from {{ ref('dim_date') }}
),

-- every complete week from a scope's first one, so a silent week counts
scope_weeks as (
    select scopes.scope_type, scopes.scope_id, weeks.week_start
    from (
        select scope_type, scope_id, min(week_start) as first_week from weekly
        group by scope_type, scope_id
    ) as scopes
    inner join weeks
        on weeks.week_start >= scopes.first_week
    cross join reporting_window
    where weeks.week_start + 6 <= reporting_window.as_of_date
),

values_long as (
    {%- for kpi in kpis %}
        select
            scope_weeks.week_start,
            scope_weeks.scope_type,
            scope_weeks.scope_id,
            '{{ kpi }}' as kpi,
            {%- if kpi in denominators %}
                case when coalesce({{ denominators[kpi] }}, 0) >= {{ var('anomaly_min_denominator') }} then cast({{ kpi }} as double) end as value,
                cast({{ denominators[kpi] }} as double) as volume,
                '{{ kpi_kind(kpi) }}' as kind
            {%- elif kpi in counts %}
                coalesce(cast({{ kpi }} as double), 0) as value,
                1.0 as volume,
                '{{ kpi_kind(kpi) }}' as kind
            {%- else %}
                cast({{ kpi }} as double) as value,
                1.0 as volume,
                '{{ kpi_kind(kpi) }}' as kind
            {%- endif %}
        from scope_weeks
        left join weekly using (week_start, scope_type, scope_id)
        {{ "union all" if not loop.last }}
    {%- endfor %}
),

final as (
    select
        values_long.*,
        {{ kpi_direction('values_long.kpi') }} as kpi_direction
    from values_long
)

select * from final
