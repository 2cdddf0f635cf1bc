{#
  KPI name -> the sheet column (or expression) its value is a share or a statistic of: a ratio
  metric's denominator measure, or the catalogue's `denominator` meta where the metric is not a
  plain ratio (win rate, medians). A rate over a few rows swings by chance: marts.kpi_anomalies
  judges a value only when this count reaches `anomaly_min_denominator`. Counts have none.
#}
{% macro kpi_denominators() -%}
    {%- set denominators = {} -%}
    {%- if execute -%}
        {%- for metric in graph.metrics.values() if metric.config.meta.get('kpi') -%}
            {%- set meta = metric.config.meta -%}
            {%- set measure = metric.type_params.denominator -%}
            {%- if meta.get('denominator') -%}
                {%- do denominators.update({metric.name: meta['denominator']}) -%}
            {%- elif measure -%}
                {%- do denominators.update({metric.name: measure.name}) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(denominators) }}
{%- endmacro %}
