-- Expectation pass rate of each checked run.
select
    d.run_id,
    r.started_at,
    d.expectations,
    d.passed,
    d.pass_rate,
    d.success
from check_runs as d
inner join ingest_runs as r on d.run_id = r.run_id
order by r.started_at, d.run_id
