-- Every KPI of the sheets per local day and scope (macros/kpi_period_sheet.sql at day grain):
-- the days a landing forecast is made from and checked against (int_landing_forecasts).
{{ kpi_period_sheet('day', 'date_day') }}
