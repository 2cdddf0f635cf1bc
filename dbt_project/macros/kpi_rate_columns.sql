{#
  Every rate of SPEC §5 as the marts publish it, with the counts it is made of beside it: the one
  place a rate's arithmetic is written for kpi_daily and every period sheet (kpi_period_sheet),
  Σ numerator ÷ Σ denominator of the relations named (a rate with a zero denominator is NULL).
  The activity macros read kpi_counts_daily's counts (summed, for a longer period); the others
  read the period sheet's counts of the meeting, lead and deal facts. Counts from kpi_counts_daily
  are bigint (a sum of integers would otherwise be DuckDB's 128-bit HUGEINT, which BI drivers
  read badly). The same rates are the metrics of semantic/_kpi_metrics.yml, the catalogue.
#}
{% macro call_kpi_columns(calls) -%}
        cast(coalesce({{ calls }}.dials, 0) as bigint) as dials,
        cast(coalesce({{ calls }}.rang_calls, 0) as bigint) as rang_calls,
        cast(coalesce({{ calls }}.connected_calls, 0) as bigint) as connected_calls,
        cast(coalesce({{ calls }}.effective_contacts, 0) as bigint) as effective_contacts,
        cast(coalesce({{ calls }}.connected_talk_seconds, 0) as bigint) as connected_talk_seconds,
        {{ safe_ratio(calls ~ '.rang_calls', calls ~ '.dials') }} as ring_rate,
        {{ safe_ratio(calls ~ '.connected_calls', calls ~ '.dials') }} as connect_rate,
        {{ safe_ratio(calls ~ '.effective_contacts', calls ~ '.dials') }} as effective_contact_rate,
        {{ safe_ratio(calls ~ '.connected_talk_seconds', calls ~ '.connected_calls') }} as avg_talk_seconds
{%- endmacro %}

{#- The logging gap (架電ログの入力漏れ): of the dials a phone system placed, the share a CRM has a log of. -#}
{% macro call_logging_kpi_columns(calls) -%}
        cast(coalesce({{ calls }}.calls_placed, 0) as bigint) as calls_placed,
        cast(coalesce({{ calls }}.calls_logged, 0) as bigint) as calls_logged,
        cast(coalesce({{ calls }}.calls_logged_and_placed, 0) as bigint) as calls_logged_and_placed,
        cast(coalesce({{ calls }}.calls_placed - {{ calls }}.calls_logged_and_placed, 0) as bigint) as calls_placed_not_logged,
        cast(coalesce({{ calls }}.calls_logged - {{ calls }}.calls_logged_and_placed, 0) as bigint) as calls_logged_not_placed,
        {{ safe_ratio(calls ~ '.calls_logged_and_placed', calls ~ '.calls_placed') }} as logging_rate
{%- endmacro %}

{% macro email_kpi_columns(emails) -%}
        cast(coalesce({{ emails }}.emails_sent, 0) as bigint) as emails_sent,
        cast(coalesce({{ emails }}.emails_opened, 0) as bigint) as emails_opened,
        cast(coalesce({{ emails }}.emails_clicked, 0) as bigint) as emails_clicked,
        cast(coalesce({{ emails }}.emails_replied, 0) as bigint) as emails_replied,
        cast(coalesce({{ emails }}.emails_bounced, 0) as bigint) as emails_bounced,
        {{ safe_ratio(emails ~ '.emails_opened', emails ~ '.emails_sent') }} as open_rate,
        {{ safe_ratio(emails ~ '.emails_clicked', emails ~ '.emails_sent') }} as click_rate,
        {{ safe_ratio(emails ~ '.emails_replied', emails ~ '.emails_sent') }} as reply_rate,
        {{ safe_ratio(emails ~ '.emails_bounced', emails ~ '.emails_sent') }} as bounce_rate
{%- endmacro %}

{% macro lead_assignment_kpi_columns(leads) -%}
        cast(coalesce({{ leads }}.leads_assigned, 0) as bigint) as leads_assigned,
        cast(coalesce({{ leads }}.leads_touched, 0) as bigint) as leads_touched,
        cast(coalesce({{ leads }}.leads_followed_up, 0) as bigint) as leads_followed_up,
        {{ safe_ratio(leads ~ '.leads_touched', leads ~ '.leads_assigned') }} as list_consumption_rate,
        {{ safe_ratio(leads ~ '.leads_followed_up', leads ~ '.leads_assigned') }} as follow_up_rate
{%- endmacro %}

{% macro first_meeting_kpi_columns(meetings) -%}
        cast(coalesce({{ meetings }}.first_meetings, 0) as bigint) as first_meetings,
        cast(coalesce({{ meetings }}.touches_before_first_meetings, 0) as bigint) as touches_before_first_meetings,
        {{ safe_ratio(meetings ~ '.touches_before_first_meetings', meetings ~ '.first_meetings') }} as touches_to_meeting
{%- endmacro %}

{#- 戦術KPI: meetings set (kpi_counts_daily, in `activity`) and their quality (the meeting fact's
    flags, counted in `meetings`). -#}
{% macro meeting_kpi_columns(activity, meetings) -%}
        cast(coalesce({{ activity }}.meetings_set, 0) as bigint) as meetings_set,
        {{ safe_ratio(activity ~ '.meetings_set', activity ~ '.effective_contacts') }} as meeting_conversion_rate,
        coalesce({{ meetings }}.valid_meetings, 0) as valid_meetings,
        coalesce({{ meetings }}.bant_complete_meetings, 0) as bant_complete_meetings,
        {{ safe_ratio(meetings ~ '.bant_complete_meetings', activity ~ '.meetings_set') }} as bant_rate,
        coalesce({{ meetings }}.date_confirmed_meetings, 0) as date_confirmed_meetings,
        {{ safe_ratio(meetings ~ '.date_confirmed_meetings', activity ~ '.meetings_set') }} as appointment_confirm_rate,
        coalesce({{ meetings }}.cancelled_meetings, 0) as cancelled_meetings,
        {{ safe_ratio(meetings ~ '.cancelled_meetings', activity ~ '.meetings_set') }} as meeting_cancel_rate,
        coalesce({{ meetings }}.rated_meetings, 0) as rated_meetings,
        {{ safe_ratio(meetings ~ '.handoff_score_total', meetings ~ '.rated_meetings') }} as handoff_quality
{%- endmacro %}

{% macro sal_kpi_columns(sal) -%}
        coalesce({{ sal }}.sal_leads, 0) as sal_leads,
        coalesce({{ sal }}.sal_leads_reached_sql, 0) as sal_leads_reached_sql,
        {{ safe_ratio(sal ~ '.sal_leads_reached_sql', sal ~ '.sal_leads') }} as sal_to_sql_rate
{%- endmacro %}

{#- 戦略KPI: deals closed and created (the deal fact's flags), the pipeline balance, the revenue target. -#}
{% macro outcome_kpi_columns(closed, created, pipeline, targets) -%}
        coalesce({{ closed }}.won_opportunities, 0) as won_opportunities,
        coalesce({{ closed }}.lost_opportunities, 0) as lost_opportunities,
        coalesce({{ closed }}.won_amount, 0) as won_amount,
        {{ safe_ratio(closed ~ '.won_opportunities', closed ~ '.won_opportunities + ' ~ closed ~ '.lost_opportunities') }} as win_rate,
        coalesce({{ created }}.opportunities_created, 0) as opportunities_created,
        coalesce({{ created }}.opportunities_created_won, 0) as opportunities_created_won,
        {{ safe_ratio(created ~ '.opportunities_created_won', created ~ '.opportunities_created') }} as cohort_win_rate,
        coalesce({{ closed }}.is_sourced_won_amount, 0) as is_sourced_won_amount,
        -- a deal in a currency without a rate has no amount to average (SPEC §5, mappings/currency_rates.csv)
        coalesce({{ closed }}.won_opportunities_converted, 0) as won_opportunities_converted,
        coalesce({{ closed }}.won_opportunities_unconverted, 0) as won_opportunities_unconverted,
        {{ safe_ratio(closed ~ '.won_amount', closed ~ '.won_opportunities_converted') }} as avg_deal_size,
        coalesce({{ closed }}.is_sourced_won_opportunities, 0) as is_sourced_won_opportunities,
        coalesce({{ closed }}.is_sourced_closed_opportunities, 0) as is_sourced_closed_opportunities,
        {{ safe_ratio(closed ~ '.is_sourced_won_opportunities', closed ~ '.is_sourced_closed_opportunities') }} as post_handoff_win_rate,
        coalesce({{ pipeline }}.pipeline_amount, 0) as pipeline_amount,
        coalesce({{ pipeline }}.opening_pipeline_amount, 0) as opening_pipeline_amount,
        cast({{ targets }}.revenue_target as double) as revenue_target,
        {{ safe_ratio(pipeline ~ '.opening_pipeline_amount', targets ~ '.revenue_target') }} as pipeline_coverage
{%- endmacro %}

{#- Speed and quality: the lead fact's speed to lead and heat, per cohort. -#}
{% macro speed_kpi_columns(leads) -%}
        coalesce({{ leads }}.inbound_leads, 0) as inbound_leads,
        {{ leads }}.lead_response_minutes,
        {{ leads }}.lead_response_minutes_mean,
        coalesce({{ leads }}.inbound_leads_within_sla, 0) as inbound_leads_within_sla,
        {{ safe_ratio(leads ~ '.inbound_leads_within_sla', leads ~ '.inbound_leads') }} as sla_5min_rate,
        {{ leads }}.lead_to_meeting_days,
        coalesce({{ leads }}.hot_leads, 0) as hot_leads
{%- endmacro %}

{#- The inbound line (着信): answer rate, and the share of callers who called in again (再入電発生率)
    within 24 hours and 7 days, over the calls whose window has passed (`repeat_judged_*`). -#}
{% macro inbound_kpi_columns(inbound) -%}
        cast(coalesce({{ inbound }}.inbound_calls, 0) as bigint) as inbound_calls,
        cast(coalesce({{ inbound }}.answered_calls, 0) as bigint) as answered_calls,
        cast(coalesce({{ inbound }}.inbound_calls - {{ inbound }}.answered_calls, 0) as bigint) as missed_calls,
        {{ safe_ratio(inbound ~ '.answered_calls', inbound ~ '.inbound_calls') }} as answer_rate,
        {%- for window in ['24h', '7d'] %}
        cast(coalesce({{ inbound }}.repeat_judged_{{ window }}, 0) as bigint) as repeat_judged_{{ window }},
        cast(coalesce({{ inbound }}.repeat_calls_{{ window }}, 0) as bigint) as repeat_calls_{{ window }},
        {{ safe_ratio(inbound ~ '.repeat_calls_' ~ window, inbound ~ '.repeat_judged_' ~ window) }} as repeat_call_rate_{{ window }},
        {%- endfor %}
        cast(coalesce({{ inbound }}.missed_calls_called_back, 0) as bigint) as missed_calls_called_back,
        {{ inbound }}.callback_minutes_median
{%- endmacro %}
