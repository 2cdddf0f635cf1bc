-- The weekly KPI sheet (ISO weeks, Monday start): every KPI of SPEC §5 per week, scope_type and scope_id.
-- Defined once for every grain in macros/kpi_period_sheet.sql.
{{ kpi_period_sheet('week') }}
