{# The instant (timestamptz) a local business date begins in the business time zone. #}
{% macro local_midnight(date_expression) -%}
    {{ return(adapter.dispatch('local_midnight', 'iskpi')(date_expression)) }}
{%- endmacro %}

{% macro default__local_midnight(date_expression) -%}
    convert_timezone('{{ var("business_time_zone") }}', 'UTC', cast({{ date_expression }} as timestamp))
{%- endmacro %}

{% macro duckdb__local_midnight(date_expression) -%}
    (cast({{ date_expression }} as timestamp) at time zone '{{ var("business_time_zone") }}')
{%- endmacro %}

{#- Spark's convert_timezone gives a timestamp without zone; an instant is its zoned timestamp. -#}
{% macro spark__local_midnight(date_expression) -%}
    to_utc_timestamp(cast({{ date_expression }} as timestamp), '{{ var("business_time_zone") }}')
{%- endmacro %}
