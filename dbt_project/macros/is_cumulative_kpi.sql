{#
  True for a KPI name that adds up over the days of a period — `pacing: cumulative` in the KPI
  catalogue, and `revenue` (the won amount a revenue target is set for): such targets are paced
  by business day, and their landing is forecast.
#}
{% macro is_cumulative_kpi(kpi_column) -%}
    {{ kpi_column }} in ('{{ (kpi_names(pacing='cumulative') + ['revenue']) | join("', '") }}')
{%- endmacro %}
