-- The logging gap (架電ログの入力漏れ) per IS rep and local day: the dials a phone system placed,
-- the dials logged in a CRM, those in both (one call, int_calls_matched), those placed and never
-- logged, those logged with no phone system record (a mobile, a call never made), and the share of
-- placed dials logged. Only where the warehouse reads both a phone system and a CRM: with one of
-- them the gap cannot be seen.
with rep_days as (
    select * from {{ ref('kpi_counts_daily') }}
    where rep_id is not null and (calls_placed > 0 or calls_logged > 0)
),

both_kinds_read as (
    select max(calls_placed) > 0 and max(calls_logged) > 0 as is_measurable
    from {{ ref('kpi_counts_daily') }}
),

final as (
    select
        rep_days.activity_date,
        rep_days.rep_id,
        rep_days.team,
        {{ call_logging_kpi_columns('rep_days') }}
    from rep_days
    where (select is_measurable from both_kinds_read)
)

select * from final
order by activity_date, rep_id
