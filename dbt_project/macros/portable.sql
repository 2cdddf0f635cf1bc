{#
  Constructs whose spelling differs between DuckDB and Spark SQL, one macro each, both versions
  side by side (SPEC §8: the same project on a distributed engine, with the same results).
  Everything else in the models is SQL both engines read alike.
#}

{#- ISO day of the week of a date or local timestamp: Monday 1 … Sunday 7. -#}
{% macro iso_day_of_week(expression) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'iskpi')(expression)) }}
{%- endmacro %}

{% macro duckdb__iso_day_of_week(expression) -%}
    isodow({{ expression }})
{%- endmacro %}

{% macro spark__iso_day_of_week(expression) -%}
    cast(extract(dayofweek_iso from {{ expression }}) as bigint)
{%- endmacro %}

{#- The values of a group as an array, in ascending order (of a column without nulls: Spark's
    collect_list leaves nulls out, DuckDB's list keeps them). -#}
{% macro sorted_list(expression) -%}
    {{ return(adapter.dispatch('sorted_list', 'iskpi')(expression)) }}
{%- endmacro %}

{% macro duckdb__sorted_list(expression) -%}
    list({{ expression }} order by {{ expression }})
{%- endmacro %}

{% macro spark__sorted_list(expression) -%}
    array_sort(collect_list({{ expression }}))
{%- endmacro %}

{#- The values of a group joined by `separator` in ascending order; null when there are none.
    `where` becomes the aggregate's filter. -#}
{% macro sorted_string_agg(expression, separator, where=none) -%}
    {{ return(adapter.dispatch('sorted_string_agg', 'iskpi')(expression, separator, where)) }}
{%- endmacro %}

{% macro duckdb__sorted_string_agg(expression, separator, where) -%}
    string_agg({{ expression }}, '{{ separator }}' order by {{ expression }}){% if where %} filter (where {{ where }}){% endif %}
{%- endmacro %}

{% macro spark__sorted_string_agg(expression, separator, where) -%}
    nullif(array_join(array_sort(collect_list({{ expression }}){% if where %} filter (where {{ where }}){% endif %}), '{{ separator }}'), '')
{%- endmacro %}

{#- One week, month or quarter as an interval literal (Spark has no quarter unit). -#}
{% macro one_period(grain) -%}
    {{ 'interval 3 month' if grain == 'quarter' else 'interval 1 ' ~ grain }}
{%- endmacro %}

{#- A local timestamp (local_timestamp) as a wall-clock time with no zone: DuckDB's timestamp;
    Spark's plain timestamp is an instant in the session's zone, its zone-less one timestamp_ntz. -#}
{% macro wall_clock(expression) -%}
    {{ return(adapter.dispatch('wall_clock', 'iskpi')(expression)) }}
{%- endmacro %}

{% macro duckdb__wall_clock(expression) -%}
    cast({{ expression }} as timestamp)
{%- endmacro %}

{% macro spark__wall_clock(expression) -%}
    cast({{ expression }} as timestamp_ntz)
{%- endmacro %}

{#- The q-quantile of a group, linearly interpolated between the rows either side (both engines' exact quantile). -#}
{% macro quantile(expression, q) -%}
    {{ return(adapter.dispatch('quantile', 'iskpi')(expression, q)) }}
{%- endmacro %}

{% macro duckdb__quantile(expression, q) -%}
    quantile_cont({{ expression }}, {{ q }})
{%- endmacro %}

{% macro spark__quantile(expression, q) -%}
    percentile({{ expression }}, {{ q }})
{%- endmacro %}
