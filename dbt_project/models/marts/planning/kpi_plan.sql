-- The reverse plan and the pipeline plan (SPEC §6 逆算) per month and scope with a `revenue`
-- target, from the trailing three months' pooled rates (marts.kpi_target_suggestion). Every count is
-- rounded up (macro required_count):
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
        any_value(baseline) filter (where kpi = '{{ kpi }}') as {{ kpi }}{{ "," if not loop.last }}
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
        {{ required_count('revenue_targets.revenue_target', 'rates.avg_deal_size') }} as wins_needed,
        revenue_targets.revenue_target / nullif(rates.win_rate, 0) as pipeline_needed
    from revenue_targets
    left join rates using (scope_type, scope_id)
    left join business_days using (month_start)
),

funnel as (
    select
        *,
        {{ required_count('wins_needed', 'win_rate') }} as meetings_needed,
        {{ required_count('pipeline_needed', 'avg_deal_size') }} as sqls_needed
    from counts
),

upstream as (
    select
        *,
        {{ required_count('meetings_needed', 'meeting_conversion_rate') }} as effective_contacts_needed,
        {{ required_count('sqls_needed', 'sal_to_sql_rate') }} as sals_needed
    from funnel
),

dials as (
    select *, {{ required_count('effective_contacts_needed', 'effective_contact_rate') }} as dials_needed
    from upstream
),

final as (
    select
        dials.month_start,
        dials.scope_type,
        dials.scope_id,
        dials.revenue_target,
        dials.avg_deal_size,
        dials.win_rate,
        dials.meeting_conversion_rate,
        dials.effective_contact_rate,
        dials.sal_to_sql_rate,
        dials.wins_needed,
        dials.meetings_needed,
        dials.effective_contacts_needed,
        dials.dials_needed,
        dials.business_days,
        {{ required_count('dials.dials_needed', 'dials.business_days') }} as dials_per_business_day,
        dials.pipeline_needed,
        cast(dials.month_start - interval {{ var('plan_lead_time_months') }} month as date) as pipeline_needed_by,
        dials.sqls_needed,
        dials.sals_needed,
        {{ rounded_up('dials.sals_needed * ' ~ var('plan_qc_per_sal')) }} as qualification_calls_needed,
        phase.organisation_phase
    from dials
    cross join phase
)

select * from final
order by month_start, scope_type, scope_id
