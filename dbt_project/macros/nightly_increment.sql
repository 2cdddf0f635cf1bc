{#
  The nightly build is incremental. Before dbt runs, the orchestrator records the build in
  audit.dbt_builds (orchestration/build_state.py): raw rows whose _append_id is above the
  build's since_append_id are what arrived since the last finished build (new files and
  re-admitted rows alike). A model that carries history recomputes only the keys those rows
  touch; a full build (`--full-refresh`, chosen when the project, a mapping or a setting
  changed) recomputes everything, and both give the same rows.
#}
{% macro this_build() -%}
    (select max(build_id) from {{ source('audit', 'dbt_builds') }})
{%- endmacro %}

{% macro appended_this_build(relation) -%}
    (select * from {{ relation }}
     where _append_id > (select since_append_id from {{ source('audit', 'dbt_builds') }} where build_id = {{ this_build() }}))
{%- endmacro %}

{#- Every version of the leads with a version appended this build: who a call or a message
    resolves to may change with them (a lead created after its cold call; a number that became
    shared, or that its old lead gave up, so the other lead that had it now owns it alone). -#}
{% macro leads_changed_this_build() -%}
    (select lead_id, phone, email from {{ source('raw', 'leads') }}
     where lead_id in (select lead_id from {{ appended_this_build(source('raw', 'leads')) }}))
{%- endmacro %}
