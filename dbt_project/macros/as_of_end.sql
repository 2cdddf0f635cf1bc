{#
  The instant the as-of day ends (var `as_of_date`, a local date), as a SQL expression; none
  when the build is not as of a past date. What happened at or after it was not known then.
#}
{% macro as_of_end() -%}
    {{- return(local_midnight("cast('" ~ var('as_of_date') ~ "' as date) + 1") if var('as_of_date') else none) -}}
{%- endmacro %}
