{#
  `column_name` is unique among the keys this build rewrote: those of the raw rows appended to
  `appended_to` (a raw table), or the rows `rebuilt_in` (a model with built_in_build) redid.
  That is the whole model's uniqueness for the incremental models keyed on it: delete+insert
  replaces every rewritten key's old rows, and the rest were checked when they were written. A
  full build rewrites every key, so it checks them all. Nightly it reads the increment, not the
  23 M calls of an enterprise warehouse.
#}
{% test unique_in_increment(model, column_name, appended_to=none, rebuilt_in=none) %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} in (
        {%- if appended_to %}
        select {{ column_name }} from {{ appended_this_build(source('raw', appended_to)) }}
        {%- else %}
        select {{ column_name }} from {{ ref(rebuilt_in) }} where built_in_build = {{ this_build() }}
        {%- endif %}
    )
    group by {{ column_name }}
    having count(*) > 1
{% endtest %}
