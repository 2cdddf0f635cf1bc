-- The organisation phase as of the as-of date (SPEC §6): launch (0–6 months), growth (6–12),
-- mature (12+), from mappings/organisation_phases.csv, with the KPIs the manager's sheets lead
-- with. Var `organisation_phase` fixes it; else whole months since `organisation_started_on`,
-- or since the first IS rep became active, or since the first day with data. All KPIs are
-- always computed; the phase only orders them.
with reporting_window as (
    select * from {{ ref('int_reporting_window') }}
),

phases as (
    select * from {{ ref('organisation_phases') }}
),

first_is_rep as (
    select min(active_from) as active_from from {{ ref('dim_rep') }}
    where is_inside_sales
),

started as (
    select
        reporting_window.as_of_date,
        {% if var('organisation_started_on') -%}
            cast('{{ var("organisation_started_on") }}' as date)
        {%- else -%}
            coalesce(first_is_rep.active_from, reporting_window.first_activity_date)
        {%- endif %} as started_on
    from reporting_window
    cross join first_is_rep
),

tenure as (
    select
        *,
        -- whole months: 1 April to 30 June is 2, to 1 July is 3 (month boundaries crossed, less
        -- one when the day of the month has not come round again)
        cast(
            (year(as_of_date) - year(started_on)) * 12 + month(as_of_date) - month(started_on)
            - case when day(as_of_date) < day(started_on) then 1 else 0 end as bigint)
            as months_active
    from started
),

final as (
    select
        tenure.as_of_date,
        tenure.started_on,
        tenure.months_active,
        phases.phase,
        phases.label_ja,
        phases.lead_kpis,
        phases.description,
        {{ "true" if var('organisation_phase') else "false" }} as is_configured
    from tenure
    inner join phases
        on
            {% if var('organisation_phase') -%}
                phases.phase = '{{ var("organisation_phase") }}'
            {%- else -%}
                tenure.months_active >= phases.months_from and (phases.months_to is null or tenure.months_active < phases.months_to)
            {%- endif %}
)

select * from final
