{#
  The rates of SPEC §5 that kpi_counts_daily's counts make, with the counts beside them: one
  definition for kpi_daily and every period sheet (kpi_period_sheet). `relation` names a relation
  holding those counts (summed, for a longer period). Counts are bigint (a sum of integers would
  otherwise be DuckDB's 128-bit HUGEINT, which BI drivers read badly).
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
