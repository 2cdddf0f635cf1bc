-- Period comparison (SPEC §6 差分比較): every KPI per scope, this week / month / quarter against
-- the one before, as absolute change (value − previous) and relative change (value ÷ previous:
-- "meetings at 63% of last week"). The as-of period, while still running, is compared like with
-- like: with the previous period's first b business days, b being those it has had so far
-- (int_kpi_before_to_date); `compared_with` says which. A count or amount a scope had no row for
-- in the previous period compares with 0, once the data has begun; a rate then has no previous.
with windows as (
    select * from {{ ref('int_period_windows') }}
),

periods as (
    {%- for grain in ['week', 'month', 'quarter'] %}
        select '{{ grain }}' as grain, *, cast(period_start - {{ one_period(grain) }} as date) as previous_start
        from ({{ unpivot_kpis(ref('kpi_' ~ {'week': 'weekly', 'month': 'monthly', 'quarter': 'quarterly'}[grain]), grain ~ '_start') }})
        {{ "union all" if not loop.last }}
    {%- endfor %}
),

before_to_date as (
    {%- for grain in ['week', 'month', 'quarter'] %}
        select '{{ grain }}' as grain, *
        from ({{ unpivot_kpis("(select * from " ~ ref('int_kpi_before_to_date') ~ " where grain = '" ~ grain ~ "')", 'period_start') }})
        {{ "union all" if not loop.last }}
    {%- endfor %}
),

compared as (
    select
        this.*,
        coalesce(to_date.is_partial and this.period_start = to_date.current_start, false) as is_part_period,
        to_date.business_days_elapsed,
        this.previous_start >= to_date.first_period_start as previous_has_data
    from periods as this
    left join windows as to_date on to_date.window_name = this.grain || '_before_to_date'
),

with_previous as (
    select
        compared.*,
        coalesce(
            case when compared.is_part_period then before.value else whole.value end,
            case when compared.previous_has_data and {{ is_cumulative_kpi('compared.kpi') }} then 0 end
        ) as previous_value
    from compared
    left join periods as whole
        on
            whole.grain = compared.grain
            and whole.period_start = compared.previous_start
            and whole.scope_type = compared.scope_type
            and whole.scope_id = compared.scope_id
            and whole.kpi = compared.kpi
    -- equality only: `compared.is_part_period` here made a nested loop (117 s at enterprise scale);
    -- before_to_date has one row per grain, scope and KPI, read above only for the part period
    left join before_to_date as before
        on
            before.grain = compared.grain
            and before.scope_type = compared.scope_type
            and before.scope_id = compared.scope_id
            and before.kpi = compared.kpi
),

final as (
    select
        grain,
        period_start,
        previous_start,
        scope_type,
        scope_id,
        kpi,
        value,
        case
            when is_part_period and business_days_elapsed = 1 then 'first business day of the previous ' || grain
            when is_part_period then 'first ' || business_days_elapsed || ' business days of the previous ' || grain
            else 'previous ' || grain
        end as compared_with,
        previous_value,
        value - previous_value as absolute_change,
        value / nullif(previous_value, 0) as relative_change
    from with_previous
)

select * from final
order by grain, period_start, scope_type, scope_id, kpi
