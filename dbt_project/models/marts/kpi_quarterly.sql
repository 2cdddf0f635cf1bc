-- The quarterly KPI sheet: every KPI of SPEC §5 per quarter, scope_type and scope_id.
-- Defined once for every grain in macros/kpi_period_sheet.sql.
{{ kpi_period_sheet('quarter') }}
