-- Period comparison (SPEC §6 差分比較): every KPI per scope, this week / month / quarter against
-- the one before, as absolute change (value − previous) and relative change (value ÷ previous:
-- "meetings at 63% of last week"). A period a scope had no row in compares with NULL.
with periods as (
    {%- for grain in ['week', 'month', 'quarter'] %}
    select '{{ grain }}' as grain, *, cast(period_start - interval 1 {{ grain }} as date) as previous_start
    from ({{ unpivot_kpis(ref('kpi_' ~ {'week': 'weekly', 'month': 'monthly', 'quarter': 'quarterly'}[grain]), grain ~ '_start') }})
    {{ "union all" if not loop.last }}
    {%- endfor %}
),

final as (
    select
        this.grain,
        this.period_start,
        this.previous_start,
        this.scope_type,
        this.scope_id,
        this.kpi,
        this.value,
        previous.value as previous_value,
        this.value - previous.value as absolute_change,
        this.value / nullif(previous.value, 0) as relative_change
    from periods as this
    left join periods as previous
        on previous.grain = this.grain
        and previous.period_start = this.previous_start
        and previous.scope_type = this.scope_type
        and previous.scope_id = this.scope_id
        and previous.kpi = this.kpi
)

select * from final
order by grain, period_start, scope_type, scope_id, kpi
