-- Disposition flags must nest (SPEC §3 logical): appointment ⇒ effective ⇒ connected ⇒ rang.
-- A row here is a line of mappings/call_dispositions.csv that would count a call as connected
-- without ringing, or as effective without reaching anyone: fix the CSV.
select result
from {{ ref('call_dispositions') }}
where (connected and not rang)
    or (effective and not connected)
    or (appointment and not effective)
