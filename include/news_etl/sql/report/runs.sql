-- Files in, articles out, per committed run, oldest first.
select
    run_id,
    started_at,
    files_seen,
    articles_published,
    files_duplicate,
    files_quarantined,
    articles_quarantined
from ingest_runs
order by started_at, run_id
