-- Every KPI of the period sheets over the previous week, month and quarter up to as many business
-- days as the as-of period has had (int_period_windows `<grain>_before_to_date`): what a part
-- period is compared with, like for like (SPEC §6 差分比較, marts.kpi_period_comparison).
{%- for grain in ['week', 'month', 'quarter'] %}
    select '{{ grain }}' as grain, *
    from ({{ kpi_period_sheet(grain ~ '_before_to_date', period_column='period_start') }})
    {{ "union all" if not loop.last }}
{%- endfor %}
