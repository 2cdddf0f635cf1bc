{#
  True for a KPI name whose catalogue entry has `direction: lower` (a cancel rate, a response
  time): its stretch target lies below the baseline and its attainment is target ÷ actual.
#}
{% macro is_lower_better_kpi(kpi_column) -%}
    {{ kpi_column }} in ('{{ kpi_names(direction='lower') | join("', '") }}')
{%- endmacro %}
