{#
  One row per key from an append-only raw table: the newest version wins — latest
  `updated_at` where the entity has one, then the latest file and row loaded.

  `known_by` names the timestamp columns that say when a row became known. With the var
  `as_of_date` set, rows with any of them after the end of that local day are left out, so a
  run for a past date sees what was known then (and the version of a record current then),
  whatever was exported since.
#}
{% macro dedupe_latest(relation, key_columns, updated_at=none, known_by=[]) -%}
    select * exclude (_version)
    from (
        select
            *,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by {% if updated_at %}{{ updated_at }} desc nulls last, {% endif %}_file_id desc, _row_number desc
            ) as _version
        from {{ relation }}
        {%- if var('as_of_date') and known_by %}
        where {% for column in known_by %}({{ column }} is null or {{ column }} < {{ local_midnight("cast('" ~ var('as_of_date') ~ "' as date) + 1") }}){% if not loop.last %} and {% endif %}{% endfor %}
        {%- endif %}
    )
    where _version = 1
{%- endmacro %}
