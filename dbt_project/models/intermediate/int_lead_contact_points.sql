-- The phone numbers (E.164) and e-mail addresses that identify exactly one live lead: what a
-- call or e-mail without a known lead_id is resolved by (SPEC §3 referential). A number or
-- address shared by several leads identifies none of them.
-- Nightly, only the numbers and addresses of the leads with a new version are redone.
{{ config(**history_config(replaced_rows='{{ contact_point_changed() }}')) }}

with leads as (
    select * from {{ ref('stg_raw__leads') }}
    where not is_deleted
),

contact_points as (
    select 'phone' as contact_type, phone as contact_value, lead_id from leads
    where phone is not null
    union all
    select 'email', email, lead_id from leads
    where email is not null
),

recomputed as (
    select * from contact_points
    {%- if is_incremental() %}
        where {{ contact_point_changed() }}
    {%- endif %}
),

final as (
    select contact_type, contact_value, min(lead_id) as lead_id
    from recomputed
    group by contact_type, contact_value
    having count(distinct lead_id) = 1
)

select *{{ history_partition(bucket_of='contact_value') }} from final
