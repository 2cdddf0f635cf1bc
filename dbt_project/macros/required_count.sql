{#
  How many are needed upstream for `count` downstream at `rate` (SPEC §6 逆算), rounded up;
  rounded to 1e-9 first, so float noise (40 ÷ 0.1 = 400.00000000000006) never adds one. NULL
  when the rate is 0 or unknown. orchestration/planning.py `required` is the same for iskpi plan.
#}
{% macro required_count(count, rate) -%}
    {{ rounded_up(count ~ ' / nullif(' ~ rate ~ ', 0)') }}
{%- endmacro %}

{#- A count needed, rounded up after rounding to 1e-9; a double on every engine (Spark's ceil
    gives a bigint). -#}
{% macro rounded_up(expression) -%}
    cast(ceil(round({{ expression }}, 9)) as double)
{%- endmacro %}
