{#- Exact seconds from one instant (timestamptz) to another, as elapsed time. Not the interval
    `end - start`: with timestamptz DuckDB computes that in the session's calendar (an hour short
    across a DST change) and ~200x slower, which cost most of fct_lead_stage at enterprise scale. -#}
{% macro seconds_between(start_at, end_at) -%}
    {{ return(adapter.dispatch('seconds_between', 'iskpi')(start_at, end_at)) }}
{%- endmacro %}

{% macro default__seconds_between(start_at, end_at) -%}
    (extract(epoch from {{ end_at }}) - extract(epoch from {{ start_at }}))
{%- endmacro %}

{% macro spark__seconds_between(start_at, end_at) -%}
    ((unix_micros({{ end_at }}) - unix_micros({{ start_at }})) / 1000000)
{%- endmacro %}

{% macro duckdb__seconds_between(start_at, end_at) -%}
    ((epoch_us({{ end_at }}) - epoch_us({{ start_at }})) / 1000000)
{%- endmacro %}
