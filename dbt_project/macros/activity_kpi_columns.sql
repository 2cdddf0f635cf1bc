{#
  The call and IS e-mail KPIs of SPEC §5 (行動KPI) from summed counts, with the counts beside
  them: one definition for kpi_daily and kpi_monthly. `calls` / `emails` name the relations
  holding dials, rang_calls, connected_calls, effective_contacts, connected_talk_seconds and
  emails_sent, emails_opened, emails_clicked, emails_replied, emails_bounced. Counts are bigint
  (a sum of integers would otherwise be DuckDB's 128-bit HUGEINT, which BI drivers read badly).
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
