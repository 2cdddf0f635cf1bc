{#
  A mean that is the same on every run (see exact_sum): DuckDB averages decimals over an
  exact integer sum. `where` becomes the aggregate's filter. A double on every engine (Spark
  keeps the mean of decimals a decimal).
#}
{% macro exact_avg(expression, where=none) -%}
    cast(avg(cast({{ expression }} as decimal(38, 9))){% if where %} filter (where {{ where }}){% endif %} as double)
{%- endmacro %}
