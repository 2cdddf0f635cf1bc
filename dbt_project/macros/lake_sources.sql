{#
  On an engine other than DuckDB the raw and audit tables are not in the build's database: the
  nightly run lands them as Parquet (ISKPI_LAKE/<schema>/<table>/), and each build registers a
  view over every source's folder before any model runs, so dbt reads the same checked rows
  that it reads from DuckDB.
#}
{% macro register_lake_sources() -%}
    {{ return(adapter.dispatch('register_lake_sources', 'iskpi')()) }}
{%- endmacro %}

{% macro duckdb__register_lake_sources() -%}
{%- endmacro %}

{#- One statement at a time: Spark runs one per call. -#}
{% macro default__register_lake_sources() -%}
    {%- if execute -%}
    {%- set lake = env_var('ISKPI_LAKE') -%}
    {%- for schema in graph.sources.values() | map(attribute='schema') | unique | sort -%}
        {%- do run_query('create database if not exists ' ~ schema) -%}
    {%- endfor -%}
    {%- for source in graph.sources.values() -%}
        {%- do run_query('create or replace view ' ~ source.schema ~ '.' ~ source.name
                         ~ ' as select * from parquet.`' ~ lake ~ '/' ~ source.schema ~ '/' ~ source.name ~ '`') -%}
    {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
