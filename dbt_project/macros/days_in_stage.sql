{#- A lead's exact days in a stage up to the as-of cut (SPEC §7): the seconds of its stints closed
    before the cut (an exact decimal sum, int_lead_stage_days) and, if its open stint is in the
    stage, the time from that stint's start to the cut. Null when the stage has no stint with a
    duration (a final stage has none). -#}
{% macro days_in_stage(closed_seconds, current_since, as_of_end) -%}
    (cast(
        case when {{ closed_seconds }} is not null or {{ current_since }} is not null
            then coalesce({{ closed_seconds }}, 0) + coalesce({{ exact_decimal(seconds_between(current_since, as_of_end)) }}, 0)
        end as double) / 86400.0)
{%- endmacro %}

{#- The days of a lead's open stint, from its start to the as-of cut (null when it has none). -#}
{% macro open_stint_days(current_since, as_of_end) -%}
    ({{ seconds_between(current_since, as_of_end) }} / 86400.0)
{%- endmacro %}
