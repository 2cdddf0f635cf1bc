-- The bottleneck of the meeting funnel (SPEC §6 ボトルネック), per month and scope with targets:
--   meetings = dials × connect_rate × (effective ÷ connected) × meeting_conversion_rate
-- Each factor's actual is compared with its target while the month is in progress, a count
-- (dials) with its paced target `target × b ÷ B` (kpi_targets_vs_actuals), a rate with its
-- target; the factor with the lowest actual ÷ target is the bottleneck. A shortfall is
-- `activity` (dials below pace: time use, list supply), `quality` (a rate below target while
-- dials are on pace) or `quality_and_activity` (a rate below target while dials are below pace
-- too: the rate cannot be judged apart from the activity), with the remedy of
-- mappings/bottleneck_factors.csv. Factor targets come from targets.csv (dials, connect_rate,
-- meeting_conversion_rate) or are derived from count targets (effective_contacts ÷ (dials ×
-- connect_rate), meetings_set ÷ effective_contacts; pacing cancels out of these ratios).
with monthly as (
    select * from {{ ref('kpi_monthly') }}
),

factors as (
    select * from {{ ref('bottleneck_factors') }}
),

targets as (
    select
        month_start,
        scope_type,
        scope_id,
        max(target) filter (where kpi = 'dials') as dials_month_target,
    {%- for kpi in ['dials', 'connect_rate', 'effective_contacts', 'effective_contact_rate', 'meeting_conversion_rate', 'meetings_set'] %}
        max(paced_target) filter (where kpi = '{{ kpi }}') as {{ kpi }}{{ "," if not loop.last }}
    {%- endfor %}
    from {{ ref('kpi_targets_vs_actuals') }}
    group by month_start, scope_type, scope_id
),

chain as (
    select
        monthly.month_start,
        monthly.scope_type,
        monthly.scope_id,
        cast(monthly.meetings_set as double) as meetings_set,
        targets.meetings_set as meetings_set_target,
        targets.dials_month_target,
        cast(monthly.dials as double) as dials_actual,
        targets.dials as dials_target,
        monthly.connect_rate as connect_rate_actual,
        targets.connect_rate as connect_rate_target,
        {{ safe_ratio('monthly.effective_contacts', 'monthly.connected_calls') }} as effective_per_connected_actual,
        coalesce(
            targets.effective_contacts / nullif(targets.dials * targets.connect_rate, 0),
            targets.effective_contact_rate / nullif(targets.connect_rate, 0)
        ) as effective_per_connected_target,
        monthly.meeting_conversion_rate as meeting_conversion_rate_actual,
        coalesce(targets.meeting_conversion_rate, targets.meetings_set / nullif(targets.effective_contacts, 0))
            as meeting_conversion_rate_target
    from monthly
    inner join targets using (month_start, scope_type, scope_id)
),

-- one row per factor that has both an actual and a target
per_factor as (
    {%- for factor in ['dials', 'connect_rate', 'effective_per_connected', 'meeting_conversion_rate'] %}
        select
            month_start,
            scope_type,
            scope_id,
            meetings_set,
            meetings_set_target,
            dials_month_target,
            '{{ factor }}' as factor,
            {{ factor }}_actual as actual,
            {{ factor }}_target as target
        from chain
        where {{ factor }}_actual is not null and {{ factor }}_target is not null
        {{ "union all" if not loop.last }}
    {%- endfor %}
),

rated as (
    select
        per_factor.*,
        max(case when per_factor.factor = 'dials' then {{ safe_ratio('per_factor.actual', 'per_factor.target') }} end)
            over (partition by per_factor.month_start, per_factor.scope_type, per_factor.scope_id) as dials_attainment,
        factors.factor_order,
        factors.label_ja,
        factors.label_en,
        factors.shortfall_type as factor_shortfall_type,
        factors.remedy as factor_remedy,
        {{ safe_ratio('per_factor.actual', 'per_factor.target') }} as attainment
    from per_factor
    inner join factors using (factor)
    where per_factor.target is not null
),

final as (
    select
        month_start,
        scope_type,
        scope_id,
        factor,
        factor_order,
        label_ja,
        label_en,
        actual,
        target,
        case when factor = 'dials' then dials_month_target else target end as month_target,
        attainment,
        attainment is not null
        and row_number() over (
            partition by month_start, scope_type, scope_id order by attainment asc nulls last, factor_order asc
        ) = 1 as is_bottleneck,
        case
            when not attainment < 1 then null
            when factor_shortfall_type = 'quality' and dials_attainment < 1 then 'quality_and_activity'
            else factor_shortfall_type
        end as shortfall_type,
        case when attainment < 1 then factor_remedy end as remedy,
        meetings_set,
        meetings_set_target
    from rated
)

select * from final
order by month_start, scope_type, scope_id, factor_order
