-- Per lead: was it touched at all after it was created, and was it followed up in time
-- (at least `follow_up_min_touches` touches by the end of the `follow_up_business_days`-th
-- business day after the day it was created).
-- Nightly, only the leads whose dates or touches a new row may change (int_leads_retouched) are
-- recounted.
{{ config(**history_config(replaced_rows="lead_id in (select lead_id from {{ ref('int_leads_retouched') }})")) }}

with leads as (
    select * from {{ ref('stg_raw__leads') }}
    where not is_deleted {{ recomputed_leads_only(leads=ref('int_leads_retouched')) }}
),

touches as (
    select * from {{ ref('int_lead_touches') }}
    where true {{ recomputed_leads_only(leads=ref('int_leads_retouched')) }}
),

calendar as (
    select * from {{ ref('dim_date') }}
),

deadlines as (
    select
        leads.lead_id,
        min(due.date_day) as follow_up_due_date
    from leads
    inner join calendar as created on created.date_day = leads.created_date
    inner join calendar as due
        on
            due.is_business_day
            and due.business_day_seq = created.business_day_seq + {{ var('follow_up_business_days') }}
    group by leads.lead_id
),

touch_counts as (
    select
        leads.lead_id,
        count(touches.touch_id) as touches_after_created,
        count(touches.touch_id) filter (
            where cast({{ local_timestamp('touches.touched_at') }} as date) <= deadlines.follow_up_due_date
        ) as touches_before_due,
        min(touches.touched_at) as first_touched_at
    from leads
    left join deadlines using (lead_id)
    left join touches
        on
            touches.lead_id = leads.lead_id
            and touches.touched_at >= leads.created_at
    group by leads.lead_id
),

final as (
    select
        leads.lead_id,
        leads.owner_rep_id,
        leads.created_at,
        leads.created_date,
        deadlines.follow_up_due_date,
        touch_counts.first_touched_at,
        touch_counts.touches_after_created,
        touch_counts.touches_after_created > 0 as is_touched,
        touch_counts.touches_before_due >= {{ var('follow_up_min_touches') }} as is_followed_up
    from leads
    left join deadlines using (lead_id)
    left join touch_counts using (lead_id)
)

select *{{ history_partition(bucket_of='lead_id') }} from final
