{# A rate: NULL when the denominator is zero (SPEC §7), never 0 and never an error. #}
{% macro safe_ratio(numerator, denominator) -%}
    cast({{ numerator }} as double) / nullif({{ denominator }}, 0)
{%- endmacro %}
