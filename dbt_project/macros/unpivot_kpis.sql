{#
  A KPI sheet (kpi_weekly / kpi_monthly / kpi_quarterly) in long form: one row per period,
  scope and KPI of the catalogue, value as double (NULL kept: a rate without denominator).
  `also` adds named columns of the sheet as further KPIs, e.g. {'revenue': 'won_amount'}.
#}
{% macro unpivot_kpis(relation, period_column, also={}) -%}
    {%- set columns = also.items() | list -%}
    {%- for kpi in kpi_names() if kpi not in ['stage_days', 'channel_conversion'] -%}
        {%- do columns.append((kpi, kpi)) -%}
    {%- endfor -%}
    select period_start, scope_type, scope_id, kpi, value
    from (
        select
            {{ period_column }} as period_start,
            scope_type,
            scope_id,
            {%- for name, column in columns %}
            cast({{ column }} as double) as {{ name }}{{ "," if not loop.last }}
            {%- endfor %}
        from {{ relation }}
    ) as sheet
    unpivot include nulls (value for kpi in ({% for name, _ in columns %}{{ name }}{{ ", " if not loop.last }}{% endfor %}))
{%- endmacro %}
