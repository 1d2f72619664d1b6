-- Quarantined files, records and articles per run and reason code.
select
    q.run_id,
    q.reason_code,
    count(*) as n
from quarantine as q
group by q.run_id, q.reason_code
order by q.run_id, n desc, q.reason_code
