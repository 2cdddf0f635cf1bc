{#
  On an engine other than DuckDB the raw and audit tables are not in the build's database: the
  nightly run lands them as Parquet (ISKPI_LAKE/<schema>/<table>/, connectors/lake.py), and each
  build registers them before any model runs, so dbt reads the same checked rows that it reads
  from DuckDB:
  - a raw table with append numbers is landed in load-date folders: a catalog table partitioned
    by load_date reads them (`raw.<table>__by_load_date_<landing>`, made again when the table was
    landed whole again, with new columns or folders, and on a full build; each build adds the
    folders of its new appends, listed in audit.lake_partitions, so no build lists every night
    before it). Two views over it:
    `raw.<table>`, every row, and `raw.<table>__appended`, the build's appends (read by
    appended_this_build: the load date a literal, so Spark reads only their folders);
  - any other table (the load audit, the holiday calendar) is a view over its folder.
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
    {%- set build = run_query('select since_append_id, is_full_refresh from parquet.`' ~ lake
                              ~ '/audit/dbt_builds` order by build_id desc limit 1').rows[0] -%}
    {%- set partitions = run_query('select table_name, cast(load_date as string), last_append_id, catalog_table from parquet.`'
                                   ~ lake ~ '/audit/lake_partitions`').rows -%}
    {%- for source in graph.sources.values() -%}
        {%- set folder = lake ~ '/' ~ source.schema ~ '/' ~ source.name -%}
        {%- set own = partitions | selectattr(0, 'equalto', source.name) | list if source.schema == 'raw' else [] -%}
        {%- if own -%}
            {%- do register_partitioned_source(source.schema, source.name, folder, own, build[0],
                                               build[1] or flags.FULL_REFRESH) -%}
        {%- else -%}
            {%- do run_query('create or replace view ' ~ source.schema ~ '.' ~ source.name
                             ~ ' as select * from parquet.`' ~ folder ~ '`') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{#- `partitions`: the table's rows of audit.lake_partitions (name, load date, last append id, the
    catalog table to read them through); `since`: the last build's last append. -#}
{% macro register_partitioned_source(schema, name, folder, partitions, since, full_build) -%}
    {%- set table = schema ~ '.' ~ partitions[0][3] -%}
    {#- the empty file of the table's columns is in the 1970-01-01 folder, whatever the table holds -#}
    {%- set columns = run_query('describe query select * from parquet.`' ~ folder ~ '/load_date=1970-01-01`').rows -%}
    {%- set quoted, ddl = [], [] -%}
    {%- for column in columns -%}
        {%- do quoted.append('`' ~ column[0] ~ '`') -%}
        {%- do ddl.append('`' ~ column[0] ~ '` ' ~ column[1]) -%}
    {%- endfor -%}
    {%- set existing = run_query("show tables in " ~ schema ~ " like '" ~ name ~ "__by_load_date_*'").rows
                       | map(attribute=1) | list -%}
    {%- for stale in existing if schema ~ '.' ~ stale != table or full_build -%}
        {%- do run_query('drop table if exists ' ~ schema ~ '.' ~ stale) -%}
    {%- endfor -%}
    {%- if full_build or (table.split('.')[1] not in existing) -%}
        {%- do run_query('create table ' ~ table ~ ' (' ~ ddl | join(', ') ~ ', load_date date) using parquet '
                         ~ "partitioned by (load_date) location '" ~ folder ~ "'") -%}
        {%- do run_query('msck repair table ' ~ table) -%}
    {%- else -%}
        {%- set added = [] -%}
        {%- for partition in partitions if partition[2] > since -%}
            {%- do added.append("partition (load_date = '" ~ partition[1] ~ "')") -%}
        {%- endfor -%}
        {%- if added -%}
            {%- do run_query('alter table ' ~ table ~ ' add if not exists ' ~ added | join(' ')) -%}
        {%- endif -%}
    {%- endif -%}
    {%- set appended_from = partitions | selectattr(2, 'gt', since) | map(attribute=1) | sort | first -%}
    {%- do run_query('create or replace view ' ~ schema ~ '.' ~ name ~ ' as select ' ~ quoted | join(', ') ~ ' from ' ~ table) -%}
    {%- do run_query('create or replace view ' ~ schema ~ '.' ~ name ~ '__appended as select ' ~ quoted | join(', ')
                     ~ ' from ' ~ table ~ ' where '
                     ~ ("load_date >= date '" ~ appended_from ~ "' and _append_id > " ~ since if appended_from else 'false')) -%}
{%- endmacro %}
