{#
  The nightly build is incremental. Before dbt runs, the orchestrator records the build in
  audit.dbt_builds (orchestration/transform/build_state.py): raw rows whose _append_id is above the
  build's since_append_id are what arrived since the last finished build (new files and
  re-admitted rows alike). A model that carries history recomputes only the keys those rows
  touch; a full build (`--full-refresh`, chosen when the project, a mapping or a setting
  changed) recomputes everything, and both give the same rows.
#}
{% macro this_build() -%}
    (select max(build_id) from {{ source('audit', 'dbt_builds') }})
{%- endmacro %}

{#- True in a nightly (incremental) build, false in a full one: the models that list what a
    nightly build recomputes are empty in a full build, which recomputes everything. -#}
{% macro is_nightly_increment() -%}
    not (select is_full_refresh from {{ source('audit', 'dbt_builds') }} where build_id = {{ this_build() }})
{%- endmacro %}

{% macro appended_this_build(relation) -%}
    {{ return(adapter.dispatch('appended_this_build', 'iskpi')(relation)) }}
{%- endmacro %}

{% macro duckdb__appended_this_build(relation) -%}
    (select * from {{ relation }}
     where _append_id > (select since_append_id from {{ source('audit', 'dbt_builds') }} where build_id = {{ this_build() }}))
{%- endmacro %}

{#- On the lake, the view of the build's appends the build registered (macros/lake_sources.sql):
    only the load-date folders that hold them are listed and read. -#}
{% macro default__appended_this_build(relation) -%}
    (select * from {{ relation.schema }}.{{ relation.identifier }}__appended)
{%- endmacro %}

{#- Every version of the leads with a version appended this build: who a call or a message
    resolves to may change with them (a lead created after its cold call; a number that became
    shared, or that its old lead gave up, so the other lead that had it now owns it alone). -#}
{% macro leads_changed_this_build() -%}
    (select lead_id, phone, email from {{ source('raw', 'leads') }}
     where lead_id in (select lead_id from {{ appended_this_build(source('raw', 'leads')) }}))
{%- endmacro %}

{#- The instant the last finished build cut stage history at (int_reporting_window): leads with
    history between that cut and this build's are restaged though no row of theirs is new. A
    build that recorded no cut counts as cut before any data (1900). -#}
{% macro previous_as_of_end() -%}
    (select coalesce(as_of_end, timestamp '1900-01-01 00:00:00') from {{ source('audit', 'dbt_builds') }}
     where build_id < {{ this_build() }} and finished_at is not null
     order by build_id desc limit 1)
{%- endmacro %}

{#- In a lead-keyed incremental model, a filter (`and …`) to the leads it recomputes this build. -#}
{% macro recomputed_leads_only(lead_id='lead_id', leads=none) -%}
    {%- if is_incremental() %}
    and {{ lead_id }} in (select lead_id from {{ leads or ref('int_leads_restaged') }})
    {%- endif %}
{%- endmacro %}

{#- A contact point (a number or an address) some version of a lead changed this build carries:
    which lead, if any, it identifies alone may change with it. -#}
{% macro contact_point_changed(contact_type='contact_type', contact_value='contact_value') -%}
    (({{ contact_type }} = 'phone' and {{ contact_value }} in (select phone from {{ leads_changed_this_build() }}))
     or ({{ contact_type }} = 'email' and {{ contact_value }} in (select email from {{ leads_changed_this_build() }})))
{%- endmacro %}

{#- In a day-keyed incremental model, a filter (`and …`) to the days it recounts this build. -#}
{% macro recounted_days_only(date_column) -%}
    {%- if is_incremental() %}
    and {{ date_column }} in (select activity_date from {{ ref('int_activity_days_recounted') }})
    {%- endif %}
{%- endmacro %}
