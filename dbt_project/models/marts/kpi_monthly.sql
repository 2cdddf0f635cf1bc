-- The monthly KPI sheet (SPEC §7 `marts.kpi_monthly`): every KPI of SPEC §5 per month, scope_type and scope_id.
-- Defined once for every grain in macros/kpi_period_sheet.sql.
{{ kpi_period_sheet('month') }}
