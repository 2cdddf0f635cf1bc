"""Running dbt: the project's parse and its cache, the build state a night reads, the Spark engine, and the semantic layer on DuckDB."""
