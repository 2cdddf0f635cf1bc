{#
  One row per key from an append-only raw table: the newest version wins — latest
  `updated_at` where the entity has one, then the latest file and row loaded.

  With the var `as_of_date` set, a run for a past date sees what was known by the end of that
  local day: rows whose `known_by` columns (when a call happened, a lead was created) fall after
  it are left out, and of a record's versions the latest one stamped by then wins. A record that
  existed by then but was exported only with a later `updated_at` keeps its earliest version:
  the nearest to the as-of date there is.
#}
{% macro dedupe_latest(relation, key_columns, updated_at=none, known_by=[]) -%}
    {%- set cutoff = as_of_end() -%}
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by
                    {%- if updated_at and cutoff %}
                    coalesce({{ updated_at }} >= {{ cutoff }}, false),
                    case when {{ updated_at }} >= {{ cutoff }} then {{ updated_at }} end nulls first,
                    {%- endif %}
                    {% if updated_at %}{{ updated_at }} desc nulls last, {% endif %}_file_id desc, _row_number desc
            ) as _version
        from {{ relation }}
        where true
        {%- if config.get('materialized') == 'incremental' and is_incremental() %}
          and ({{ key_columns | join(', ') }}) in (select ({{ key_columns | join(', ') }}) from {{ appended_this_build(relation) }})
        {%- endif %}
        {%- if cutoff and known_by %}
          and {% for column in known_by %}({{ column }} is null or {{ column }} < {{ cutoff }}){% if not loop.last %} and {% endif %}{% endfor %}
        {%- endif %}
    ) as versions
    where _version = 1
{%- endmacro %}
