{#
  The models that carry history are incremental on every engine (macros/nightly_increment.sql):
  a nightly build replaces the rows its new raw rows touch and leaves the rest as the last build
  left them. A model says once which of its rows a night replaces:

    unique_key     the rows whose key the night's select returns again (calls, messages, events)
    replaced_rows  a predicate over the model's rows (a template, rendered when the model runs):
                   the leads, days or contact points the night recomputes, including those left
                   with no row (a unique key replaces only the keys the night returns)

  On DuckDB the replaced rows are deleted and the new ones appended. Spark's Parquet tables cannot
  delete (Delta and Iceberg could; their jars do not install from the package registries), so
  there a history model is partitioned (history_partition: a month of its events, or a bucket of
  its leads) and a night overwrites only the partitions it touches, with their kept rows and the
  new ones: dbt-spark's insert_overwrite over dynamic partitions, done here as a rewrite.
#}
{% macro history_config(unique_key=none, replaced_rows=none, on_schema_change='ignore') -%}
    {{ return(adapter.dispatch('history_config', 'iskpi')(unique_key, replaced_rows, on_schema_change)) }}
{%- endmacro %}

{% macro duckdb__history_config(unique_key, replaced_rows, on_schema_change) -%}
    {%- if unique_key -%}
        {{ return({'materialized': 'incremental', 'on_schema_change': on_schema_change,
                   'incremental_strategy': 'delete+insert', 'unique_key': unique_key}) }}
    {%- endif -%}
    {{ return({'materialized': 'incremental', 'on_schema_change': on_schema_change, 'incremental_strategy': 'append',
               'pre_hook': '{% if is_incremental() %}delete from {{ this }} where ' ~ replaced_rows ~ '{% endif %}'}) }}
{%- endmacro %}

{#- The post-hook leaves the table's columns in an empty file beside its partitions (Spark reads no
    folder named `_…` as data): a table with no rows has no partition, and the working database's
    view of it (orchestration/transform/spark.py) still needs its columns. -#}
{% macro default__history_config(unique_key, replaced_rows, on_schema_change) -%}
    {{ return({'materialized': 'incremental', 'on_schema_change': on_schema_change, 'incremental_strategy': 'insert_overwrite',
               'file_format': 'parquet', 'partition_by': ['history_partition'],
               'unique_key': unique_key, 'replaced_rows': replaced_rows,
               'post_hook': ["insert overwrite directory '{{ history_columns_folder(this) }}' using parquet select * from {{ this }} limit 0",
                             "drop table if exists {{ history_new_rows(this) }}"]}) }}
{%- endmacro %}

{% macro history_new_rows(relation) -%}
    {{ relation.schema }}.{{ relation.identifier }}__new_rows
{%- endmacro %}

{% macro history_columns_folder(relation) -%}
    {{ env_var('ISKPI_SPARK_WAREHOUSE') }}/{{ relation.schema }}.db/{{ relation.identifier }}/_columns
{%- endmacro %}

{#- The partition column of a history model's rows on Spark (nothing on DuckDB), after its last
    `select *`: the month of `month_of` (a night's calls and messages fall in the latest months;
    a row without one is in `none`), or one of eight buckets of `bucket_of` (a lead's rows move
    together). -#}
{% macro history_partition(month_of=none, bucket_of=none) -%}
    {{ return(adapter.dispatch('history_partition', 'iskpi')(month_of, bucket_of)) }}
{%- endmacro %}

{% macro duckdb__history_partition(month_of, bucket_of) -%}
{%- endmacro %}

{% macro default__history_partition(month_of, bucket_of) -%}
    {%- if month_of -%}
        , coalesce(date_format({{ month_of }}, 'yyyy-MM'), 'none') as history_partition
    {%- else -%}
        , cast(pmod(hash({{ bucket_of }}), 8) as string) as history_partition
    {%- endif -%}
{%- endmacro %}

{#- dbt-spark's insert_overwrite, for the history models (the only models built with it): the
    night's new rows (`source_relation`, the model's incremental select), and the rows kept of
    each partition the night touches: a partition of a new row or of a replaced one. Dynamic
    partition overwrite leaves every other partition's files as they were. A row whose
    replacement predicate is unknown (null) is kept, as DuckDB's delete keeps it. The new rows
    are read three times: they are written once to a table of their own (dropped by the
    post-hook), so Spark neither computes nor plans the model's query three times over. -#}
{% macro get_insert_overwrite_sql(source_relation, target_relation, existing_relation) -%}
    {%- set columns = adapter.get_columns_in_relation(target_relation) | map(attribute='quoted') | join(', ') -%}
    {%- set new_rows = history_new_rows(target_relation) -%}
    {%- do run_query('drop table if exists ' ~ new_rows) -%}
    {%- do run_query('create table ' ~ new_rows ~ ' using parquet as select * from ' ~ source_relation) -%}
    {%- set unique_key = config.get('unique_key') -%}
    {%- if unique_key -%}
        {%- set replaced = unique_key ~ ' in (select ' ~ unique_key ~ ' from ' ~ new_rows ~ ')' -%}
    {%- else -%}
        {%- set replaced = render(config.get('replaced_rows')) -%}
    {%- endif -%}
    insert overwrite table {{ target_relation }} partition (history_partition)
    select {{ columns }} from {{ new_rows }}
    union all
    select {{ columns }} from {{ target_relation }}
    where
        history_partition in (
            select history_partition from {{ new_rows }}
            union
            select history_partition from {{ target_relation }} where {{ replaced }}
        )
        and not coalesce({{ replaced }}, false)
{%- endmacro %}
