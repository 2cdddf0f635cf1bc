{# The wall-clock time in the business time zone of an instant (timestamptz). #}
{% macro local_timestamp(column) -%}
    {{ return(adapter.dispatch('local_timestamp', 'iskpi')(column)) }}
{%- endmacro %}

{% macro default__local_timestamp(column) -%}
    convert_timezone('UTC', '{{ var("business_time_zone") }}', {{ column }})
{%- endmacro %}

{% macro duckdb__local_timestamp(column) -%}
    ({{ column }} at time zone '{{ var("business_time_zone") }}')
{%- endmacro %}
