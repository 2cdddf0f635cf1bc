{# One row per day from first_day to last_day inclusive, as `date_day`. #}
{% macro date_spine(first_day, last_day) -%}
    {{ return(adapter.dispatch('date_spine', 'iskpi')(first_day, last_day)) }}
{%- endmacro %}

{% macro duckdb__date_spine(first_day, last_day) -%}
    select cast(unnest(generate_series(cast({{ first_day }} as timestamp), cast({{ last_day }} as timestamp), interval 1 day)) as date) as date_day
{%- endmacro %}

{% macro spark__date_spine(first_day, last_day) -%}
    select explode(sequence(cast({{ first_day }} as date), cast({{ last_day }} as date), interval 1 day)) as date_day
{%- endmacro %}
