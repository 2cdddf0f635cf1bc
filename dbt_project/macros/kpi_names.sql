{#
  The KPI names of the catalogue (semantic/_kpi_metrics.yml, the one place KPIs are defined),
  optionally only those with a given `pacing` (`cumulative`: counts and amounts that add up over
  a period) or `direction` (`lower`: lower is better). Read from the project graph, so a KPI
  added there reaches every mart that lists KPIs.
#}
{% macro kpi_names(pacing=none, direction=none) -%}
    {%- set names = [] -%}
    {%- if execute -%}
        {%- for metric in graph.metrics.values() | sort(attribute='name') -%}
            {%- set meta = metric.config.meta -%}
            {%- if meta.get('kpi') and (pacing is none or meta.get('pacing') == pacing)
                and (direction is none or meta.get('direction', 'higher') == direction) -%}
                {%- do names.append(metric.name) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(names) }}
{%- endmacro %}
