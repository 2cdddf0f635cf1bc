{#
  A sum of doubles that is the same on every run: DuckDB adds floats in whatever order its
  threads finish, which changes the last digits; a decimal sum is exact. Rounds each value to
  1e-9 (far below any KPI's precision). `where` becomes the aggregate's filter.
#}
{% macro exact_sum(expression, where=none) -%}
    cast(sum({{ exact_decimal(expression) }}){% if where %} filter (where {{ where }}){% endif %} as double)
{%- endmacro %}

{#- A double as the exact decimal exact_sum adds: sums kept in it (and added to later) give the
    same double as one exact_sum over all the values. -#}
{% macro exact_decimal(expression) -%}
    cast({{ expression }} as decimal(38, 9))
{%- endmacro %}
