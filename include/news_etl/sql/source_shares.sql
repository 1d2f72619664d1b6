-- Per run and source: the share of lines the cleaner removed (removed / (removed + kept paragraphs)).
-- The data-quality check compares a run's share per source with the range of the source's earlier runs.
with
articles_of_runs as (
    select
        run_id,
        article_id,
        source_of(publisher, source_path) as source,
        kept_paragraphs(body) as kept
    from articles
),

removed_per_article as (
    select article_id, count(*) as n
    from boilerplate_removed
    group by article_id
),

per_run as (
    select
        a.run_id,
        a.source,
        sum(coalesce(r.n, 0)) as removed,
        sum(a.kept) as kept
    from articles_of_runs as a
    left join removed_per_article as r using (article_id)
    group by a.run_id, a.source
)

select run_id, source, removed / nullif(removed + kept, 0) as share
from per_run
