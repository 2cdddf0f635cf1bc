-- Stage reach is monotone (SPEC §4): a lead that reached a funnel stage reached every earlier
-- one (`lost` excepted: mappings/lifecycle_stages.csv), and reached them no later. A row here is a lead that breaks the funnel.
select lead_id
from {{ ref('fct_lead_lifecycle') }}
where (reached_won and not reached_sql)
    or (reached_sql and not reached_sal)
    or (reached_sal and not reached_qualified)
    or (reached_qualified and not reached_engaged)
    or (reached_engaged and not reached_contacted)
    or (reached_contacted and not reached_mql)
    or (reached_mql and not reached_new)
    or first_sql_at < first_sal_at
    or first_sal_at < first_qualified_at
