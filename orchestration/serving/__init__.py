"""Serving the built warehouse: the published DuckDB file (publish) and, optionally, PostgreSQL for shared BI (postgres)."""
