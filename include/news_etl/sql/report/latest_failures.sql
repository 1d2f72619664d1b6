-- Expectations that failed in the latest checked run, errors first.
with latest as (
    select d.run_id
    from check_runs as d
    inner join ingest_runs as r on d.run_id = r.run_id
    order by r.started_at desc, d.run_id desc
    limit 1
)

select
    q.suite,
    q.expectation,
    q.column_name,
    q.severity,
    q.unexpected_count,
    q.observed,
    q.why
from check_results as q
inner join latest as l on q.run_id = l.run_id
where not q.success
order by q.severity, q.suite, q.expectation
