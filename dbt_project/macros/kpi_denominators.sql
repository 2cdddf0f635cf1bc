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


{#
  What chance variation a KPI's value has at the least, as the interval macros read it: `count`
  (counts and amounts that add up, and revenue: Poisson), `share` (a rate of a denominator:
  binomial), `ratio` (any other value over a denominator: a mean, a median) or `level` (a value
  of its own, such as an amount of pipeline). The one place int_kpi_weekly_values and
  int_landing_spreads classify a KPI.
#}
{% macro kpi_kind(kpi) -%}
    {%- if kpi in kpi_names(pacing='cumulative') + ['revenue'] -%}
        {{- return('count') -}}
    {%- elif kpi in kpi_denominators() -%}
        {{- return('share' if kpi.endswith('_rate') else 'ratio') -}}
    {%- else -%}
        {{- return('level') -}}
    {%- endif -%}
{%- endmacro %}
