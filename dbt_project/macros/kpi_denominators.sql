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


{#
  KPI name -> [numerator, denominator]: the measures of every KPI that is a plain ratio
  (Σ numerator ÷ Σ denominator), as the catalogue's ratio metrics name them; the sheets carry
  each denominator as a column. What a rate's
  landing band is made of (int_landing_forecasts). Table KPIs (channel_conversion) and ratios
  over something other than sheet counts (pipeline_coverage) are left out.
#}
{% macro kpi_ratio_parts() -%}
    {%- set parts = {} -%}
    {%- if execute -%}
        {%- for metric in graph.metrics.values() | sort(attribute='name')
            if metric.config.meta.get('kpi') and metric.type == 'ratio' and not metric.config.meta.get('denominator')
            and metric.name != 'channel_conversion' -%}
            {%- do parts.update({metric.name: [metric.type_params.numerator.name, metric.type_params.denominator.name]}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(parts) }}
{%- endmacro %}
