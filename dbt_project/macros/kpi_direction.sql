{#
  'lower' for a KPI name whose catalogue entry has `direction: lower` (a cancel rate, a response
  time: its stretch target lies below the baseline and its attainment is target ÷ actual), else
  'higher'.
#}
{% macro kpi_direction(kpi_column) -%}
    case when {{ kpi_column }} in ('{{ kpi_names(direction='lower') | join("', '") }}') then 'lower' else 'higher' end
{%- endmacro %}
