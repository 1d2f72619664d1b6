-- Share of articles with each field filled, per run (a drop means a source changed).
with per_run as (
    select
        run_id,
        count(*) as articles,
        avg(case when title is not null then 1 else 0 end) as title,
        avg(case when len(coalesce(authors, [])) > 0 then 1 else 0 end) as authors,
        avg(case when published_at is not null then 1 else 0 end) as published_at,
        avg(case when len(coalesce(keywords, [])) > 0 then 1 else 0 end) as keywords
    from articles
    group by run_id
)

select
    p.*,
    r.started_at
from per_run as p
inner join ingest_runs as r on p.run_id = r.run_id
order by r.started_at, p.run_id
