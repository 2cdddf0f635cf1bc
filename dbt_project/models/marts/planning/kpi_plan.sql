-- The reverse plan and the pipeline plan (SPEC §6 逆算) per month and scope with a `revenue`
-- target, from the trailing three months' rates (marts.kpi_target_suggestion). Every count is
-- rounded up (rounded to 1e-9 first, so float noise never adds one):
--   wins = revenue ÷ average deal · meetings = wins ÷ win rate · effective contacts = meetings ÷
--   meeting conversion · dials = effective contacts ÷ effective contact rate, per business day;
--   pipeline = revenue ÷ win rate, needed `plan_lead_time_months` earlier · SQLs = pipeline ÷
--   average deal · SALs = SQLs ÷ SAL→SQL · qualification calls = SALs × `plan_qc_per_sal`.
-- orchestration/planning.py computes the same for `iskpi plan`.
with revenue_targets as (
    select month_start, scope_type, scope_id, cast(target_value as double) as revenue_target
    from {{ ref('fct_kpi_target') }}
    where kpi = 'revenue'
),

rates as (
    select
        scope_type,
        scope_id,
        {%- for kpi in ['avg_deal_size', 'win_rate', 'meeting_conversion_rate', 'effective_contact_rate', 'sal_to_sql_rate'] %}
        any_value(trailing_average) filter (where kpi = '{{ kpi }}') as {{ kpi }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ ref('kpi_target_suggestion') }}
    group by scope_type, scope_id
),

business_days as (
    select month_start, count(*) filter (where is_business_day) as business_days
    from {{ ref('dim_date') }}
    group by month_start
),

phase as (
    select phase as organisation_phase from {{ ref('organisation_phase') }}
),

counts as (
    select
        revenue_targets.*,
        rates.avg_deal_size,
        rates.win_rate,
        rates.meeting_conversion_rate,
        rates.effective_contact_rate,
        rates.sal_to_sql_rate,
        business_days.business_days,
        ceil(round(revenue_targets.revenue_target / nullif(rates.avg_deal_size, 0), 9)) as wins_needed,
        revenue_targets.revenue_target / nullif(rates.win_rate, 0) as pipeline_needed
    from revenue_targets
    left join rates using (scope_type, scope_id)
    left join business_days using (month_start)
),

funnel as (
    select
        *,
        ceil(round(wins_needed / nullif(win_rate, 0), 9)) as meetings_needed,
        ceil(round(pipeline_needed / nullif(avg_deal_size, 0), 9)) as sqls_needed
    from counts
),

upstream as (
    select
        *,
        ceil(round(meetings_needed / nullif(meeting_conversion_rate, 0), 9)) as effective_contacts_needed,
        ceil(round(sqls_needed / nullif(sal_to_sql_rate, 0), 9)) as sals_needed
    from funnel
),

final as (
    select
        upstream.month_start,
        upstream.scope_type,
        upstream.scope_id,
        upstream.revenue_target,
        upstream.avg_deal_size,
        upstream.win_rate,
        upstream.meeting_conversion_rate,
        upstream.effective_contact_rate,
        upstream.sal_to_sql_rate,
        upstream.wins_needed,
        upstream.meetings_needed,
        upstream.effective_contacts_needed,
        ceil(round(upstream.effective_contacts_needed / nullif(upstream.effective_contact_rate, 0), 9)) as dials_needed,
        upstream.business_days,
        ceil(round(
            ceil(round(upstream.effective_contacts_needed / nullif(upstream.effective_contact_rate, 0), 9))
            / nullif(upstream.business_days, 0), 9
        )) as dials_per_business_day,
        upstream.pipeline_needed,
        cast(upstream.month_start - interval {{ var('plan_lead_time_months') }} month as date) as pipeline_needed_by,
        upstream.sqls_needed,
        upstream.sals_needed,
        ceil(round(upstream.sals_needed * {{ var('plan_qc_per_sal') }}, 9)) as qualification_calls_needed,
        phase.organisation_phase
    from upstream
    cross join phase
)

select * from final
order by month_start, scope_type, scope_id
