-- Every KPI of the monthly sheet over one period, the three complete months before the month
-- after the as-of date (int_period_windows `trailing`; SPEC §6 target suggestion, reverse plan).
-- Computed from the rows, not from monthly values, so a rate is pooled (Σ numerator ÷ Σ
-- denominator), a median is the median of the window's rows and pipeline is what stood at the
-- window's end.
{{ kpi_period_sheet('trailing') }}
