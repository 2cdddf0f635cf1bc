{#
  One row per key from an append-only raw table: the newest version wins — latest
  `updated_at` where the entity has one, then the latest file and row loaded.
#}
{% macro dedupe_latest(relation, key_columns, updated_at=none) -%}
    select * exclude (_version)
    from (
        select
            *,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by {% if updated_at %}{{ updated_at }} desc nulls last, {% endif %}_file_id desc, _row_number desc
            ) as _version
        from {{ relation }}
    )
    where _version = 1
{%- endmacro %}
