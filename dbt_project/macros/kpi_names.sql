{#
  The KPI names of the catalogue (semantic/_kpi_metrics.yml, the one place KPIs are defined),
  optionally only those with a given `pacing` (`cumulative`: counts and amounts that add up over
  a period), `direction` (`lower`: lower is better) or `categories` (activity, tactical, outcome,
  speed). Read from the project graph, so a KPI
  added there reaches every mart that lists KPIs.
#}
{% macro kpi_names(pacing=none, direction=none, categories=none) -%}
    {%- set names = [] -%}
    {%- if execute -%}
        {%- for metric in graph.metrics.values() | sort(attribute='name') -%}
            {%- set meta = metric.config.meta -%}
            {%- if meta.get('kpi') and (pacing is none or meta.get('pacing') == pacing)
                and (direction is none or meta.get('direction', 'higher') == direction)
                and (categories is none or meta.get('category') in categories) -%}
                {%- do names.append(metric.name) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(names) }}
{%- endmacro %}
