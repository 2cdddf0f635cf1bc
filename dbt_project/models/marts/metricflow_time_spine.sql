-- The day spine MetricFlow joins metrics onto (one row per calendar day).
select date_day from {{ ref('dim_date') }}
