-- The leads whose stage days a nightly build recomputes (int_lead_stage_days): the leads restaged
-- (int_leads_restaged), and those with a change between the last build's as-of cut and this
-- one's, whose stints the moved cut takes in, leaves out, closes or opens.
-- Empty in a full build, which recomputes every lead.
with cuts as (
    select
        least({{ previous_as_of_end() }}, as_of_end) as moved_from,
        greatest({{ previous_as_of_end() }}, as_of_end) as moved_to
    from {{ ref('int_reporting_window') }}
),

recut as (
    select lead_id from {{ ref('int_leads_restaged') }}
    union
    select lead_id from {{ ref('int_lead_stage_stints') }}
    where changed_at >= (select moved_from from cuts) and changed_at < (select moved_to from cuts)
)

select lead_id
from recut
where {{ is_nightly_increment() }}
