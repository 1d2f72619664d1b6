-- What each run did: files in, articles out, what was quarantined.
with runs as (
    select * from ingest_runs
),

quarantined as (
    select run_id, reason_code, count(*) as n
    from quarantine
    group by run_id, reason_code
),

reasons as (
    select run_id, string_agg(reason_code || ': ' || n, ', ' order by n desc) as quarantine_reasons
    from quarantined
    group by run_id
)

select
    runs.run_id,
    runs.started_at,
    runs.files_seen,
    runs.articles_published,
    runs.files_duplicate,
    runs.files_quarantined,
    reasons.quarantine_reasons
from runs
left join reasons on reasons.run_id = runs.run_id
order by runs.started_at desc
